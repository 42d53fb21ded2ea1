/**
 * What the three snapshotters share: metadata, numeric-id directories `<dir>/<id>/fs`, and
 * "build in a temp dir, then rename into place" (containerd overlay.go createSnapshot) so a
 * crash never leaves a half-made snapshot under a real id.
 *
 * The snapshotter directory is marked as a top directory for ext4's Orlov allocator (chattr +T):
 * every snapshot is an independent tree, so each is placed in a block group of its own instead of
 * next to the storage root. On an ext4 without a journal, creating an inode in a group where many
 * were freed in the last ~30 s (ext4 find_inode_bit → recently_deleted, e.g. a busy /tmp) costs
 * ~0.3–1 ms instead of ~35 µs; measured: a 4,000-file image unpacked in 1.1 s instead of 2.6–3.5 s.
 */
import { existsSync, mkdirSync, mkdtempSync, renameSync } from "node:fs";
import { removeTree } from "../sys/remove-tree.ts";
import { join } from "node:path";
import type { WhiteoutFormat } from "../layer/whiteout.ts";
import { markTopDir } from "../sys/libc.ts";
import { MetaStore } from "./meta.ts";
import { diskUsage } from "./usage.ts";
import type { Mount, SnapshotInfo, SnapshotKind, Snapshotter, SnapshotterName, Usage } from "./snapshotter.ts";
import { ImagetoolError, SnapshotExistsError } from "../errors.ts";

export abstract class DirSnapshotter implements Snapshotter {
  abstract readonly name: SnapshotterName;
  abstract readonly whiteoutFormat: WhiteoutFormat;
  protected readonly meta: MetaStore;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    markTopDir(dir);
    this.meta = new MetaStore(dir);
  }

  /** Fills `tmp` (a fresh directory) with the snapshot's tree at `tmp/fs` (and anything else it needs). */
  protected abstract build(tmp: string, kind: SnapshotKind, parent: SnapshotInfo | undefined): Promise<void>;
  /** Mounts for a snapshot, given its chain [self, parent, …]. */
  protected abstract mountsFor(chain: SnapshotInfo[]): Mount[];
  /** Deletes a snapshot's directory. */
  protected abstract destroy(path: string): Promise<void>;
  /** Makes a committed tree immutable where the filesystem can (btrfs read-only subvolume). */
  protected async freeze(_fs: string): Promise<void> {}
  /** What the committed snapshot's metadata records about its tree besides the labels. */
  protected committedFacts(_fs: string): Pick<SnapshotInfo, "opaqueRoot"> {
    return {};
  }

  protected pathOf(id: number): string {
    return join(this.dir, String(id));
  }

  protected fsOf(info: SnapshotInfo): string {
    return join(this.pathOf(info.id), "fs");
  }

  private async create(kind: SnapshotKind, key: string, parent: string | undefined, labels: Record<string, string>): Promise<Mount[]> {
    if (this.meta.has(key)) throw new SnapshotExistsError(`snapshot ${JSON.stringify(key)} already exists`);
    const parentInfo = parent === undefined ? undefined : this.meta.get(parent);
    if (parentInfo && parentInfo.kind !== "committed") throw new ImagetoolError("SNAPSHOT_STATE", `parent ${JSON.stringify(parent)} is not committed`, { context: { key: parent } });
    const tmp = mkdtempSync(join(this.dir, "tmp-"));
    let placed: string | undefined;
    try {
      await this.build(tmp, kind, parentInfo);
      await this.meta.add({ key, kind, parent, labels, created: new Date().toISOString() }, (id) => {
        if (existsSync(this.pathOf(id))) return false;
        renameSync(tmp, this.pathOf(id));
        placed = this.pathOf(id);
        return true;
      });
    } catch (e) {
      const path = placed ?? tmp;
      await this.destroy(path).catch(() => removeTree(path));
      throw e;
    }
    return this.mountsFor(this.meta.chain(key));
  }

  prepare(key: string, parent?: string, labels: Record<string, string> = {}): Promise<Mount[]> {
    return this.create("active", key, parent, labels);
  }

  view(key: string, parent: string, labels: Record<string, string> = {}): Promise<Mount[]> {
    return this.create("view", key, parent, labels);
  }

  async mounts(key: string): Promise<Mount[]> {
    return this.mountsFor(this.meta.chain(key));
  }

  async commit(name: string, key: string, labels: Record<string, string> = {}): Promise<void> {
    const info = this.meta.get(key);
    if (info.kind !== "active") throw new ImagetoolError("SNAPSHOT_STATE", `snapshot ${JSON.stringify(key)} is ${info.kind}, not active`, { context: { key, kind: info.kind } });
    if (this.meta.has(name)) throw new SnapshotExistsError(`snapshot ${JSON.stringify(name)} already exists`);
    await this.freeze(this.fsOf(info));
    await this.meta.commit(name, key, labels, this.committedFacts(this.fsOf(info)));
  }

  async remove(key: string): Promise<void> {
    const info = await this.meta.delete(key);
    await this.destroy(this.pathOf(info.id));
  }

  async stat(key: string): Promise<SnapshotInfo> {
    return this.meta.get(key);
  }

  async walk(fn: (info: SnapshotInfo) => void | Promise<void>): Promise<void> {
    for (const info of this.meta.list()) await fn(info);
  }

  async usage(key: string): Promise<Usage> {
    return diskUsage(this.fsOf(this.meta.get(key)));
  }

  async dirOf(key: string): Promise<string> {
    return this.fsOf(this.meta.get(key));
  }
}
