/**
 * Snapshot metadata for one snapshotter: a small JSON file standing in for containerd's bolt
 * database. Every change is a read-modify-write under a lock file (so concurrent commands do not
 * lose each other's snapshots), written atomically (temp + fsync + rename) so readers, which take
 * no lock, never see a partial file.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { join } from "node:path";
import { withFileLock } from "../content/lock.ts";
import type { SnapshotInfo, SnapshotKind } from "./snapshotter.ts";
import { ImagetoolError, SnapshotExistsError, SnapshotNotFoundError } from "../errors.ts";

interface MetaFile {
  version: 1;
  nextId: number;
  snapshots: Record<string, SnapshotInfo>;
}

export class MetaStore {
  private readonly file: string;

  constructor(readonly dir: string) {
    this.file = join(dir, "metadata.json");
  }

  read(): MetaFile {
    try {
      const m = JSON.parse(readFileSync(this.file, "utf8")) as MetaFile;
      if (m.version !== 1 || typeof m.snapshots !== "object") throw new ImagetoolError("INVALID_METADATA", `${this.file}: unknown format`, { context: { path: this.file } });
      return m;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return { version: 1, nextId: 1, snapshots: {} };
      throw e;
    }
  }

  /** Runs `change` on the current metadata under the lock and writes the result. */
  private mutate<T>(change: (m: MetaFile) => T): Promise<T> {
    return withFileLock(join(this.dir, "metadata.lock"), async () => {
      const m = this.read();
      const result = change(m);
      this.write(m);
      return result;
    });
  }

  private write(m: MetaFile): void {
    const tmp = `${this.file}.tmp-${process.pid}`;
    const fd = openSync(tmp, "w", 0o600);
    try {
      writeSync(fd, JSON.stringify(m, null, 1));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.file);
  }

  get(key: string): SnapshotInfo {
    const info = this.read().snapshots[key];
    if (info === undefined) throw new SnapshotNotFoundError(`snapshot ${JSON.stringify(key)} does not exist`);
    return info;
  }

  has(key: string): boolean {
    return this.read().snapshots[key] !== undefined;
  }

  /** The chain from `key` to its base: [key, parent, grandparent, …]. */
  chain(key: string): SnapshotInfo[] {
    const all = this.read().snapshots;
    const out: SnapshotInfo[] = [];
    for (let k: string | undefined = key; k !== undefined; k = all[k]?.parent) {
      const info = all[k];
      if (info === undefined) throw new SnapshotNotFoundError(`snapshot ${JSON.stringify(k)} does not exist`);
      out.push(info);
    }
    return out;
  }

  /**
   * Records a new snapshot under a fresh id in one locked write: `place(id)` moves its already
   * built directory into place first (one lock and one fsync per snapshot instead of two: an id
   * allocated up front cost its own), or returns false when something already has that id's
   * directory (left by a crash between the move and the write), and the next id is tried. If
   * `place` or the write fails, nothing is recorded.
   */
  add(info: Omit<SnapshotInfo, "id">, place: (id: number) => boolean): Promise<SnapshotInfo> {
    return this.mutate((m) => {
      if (m.snapshots[info.key]) throw new SnapshotExistsError(`snapshot ${JSON.stringify(info.key)} already exists`);
      if (info.parent !== undefined && m.snapshots[info.parent]?.kind !== "committed") {
        throw new SnapshotNotFoundError(`parent snapshot ${JSON.stringify(info.parent)} does not exist or is not committed`);
      }
      let id = m.nextId++;
      while (!place(id)) id = m.nextId++;
      const recorded: SnapshotInfo = { ...info, id };
      m.snapshots[info.key] = recorded;
      return recorded;
    });
  }

  /** Renames active `key` to committed `name`, keeping its id (and so its directory). */
  commit(name: string, key: string, labels: Record<string, string>, extra: Pick<SnapshotInfo, "opaqueRoot"> = {}): Promise<SnapshotInfo> {
    return this.mutate((m) => {
      const info = m.snapshots[key];
      if (info === undefined) throw new SnapshotNotFoundError(`snapshot ${JSON.stringify(key)} does not exist`);
      if (info.kind !== "active") throw new ImagetoolError("SNAPSHOT_STATE", `snapshot ${JSON.stringify(key)} is ${info.kind}, not active`, { context: { key, kind: info.kind } });
      if (m.snapshots[name]) throw new SnapshotExistsError(`snapshot ${JSON.stringify(name)} already exists`);
      delete m.snapshots[key];
      const committed = { ...info, ...extra, key: name, kind: "committed" as SnapshotKind, labels: { ...info.labels, ...labels } };
      m.snapshots[name] = committed;
      return committed;
    });
  }

  delete(key: string): Promise<SnapshotInfo> {
    return this.mutate((m) => {
      const info = m.snapshots[key];
      if (info === undefined) throw new SnapshotNotFoundError(`snapshot ${JSON.stringify(key)} does not exist`);
      const child = Object.values(m.snapshots).find((s) => s.parent === key);
      if (child) throw new ImagetoolError("SNAPSHOT_IN_USE", `snapshot ${JSON.stringify(key)} has a child ${JSON.stringify(child.key)}: remove it first`, { context: { key, child: child.key } });
      delete m.snapshots[key];
      return info;
    });
  }

  list(): SnapshotInfo[] {
    return Object.values(this.read().snapshots).sort((a, b) => a.id - b.id);
  }
}
