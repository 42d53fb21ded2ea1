/**
 * overlay: every committed snapshot is one layer's diff in `<id>/fs`, shared by every image and
 * container built on it; an active snapshot adds `<id>/fs` as upperdir and `<id>/work` as workdir
 * over its parents' fs dirs as lowerdirs (containerd plugins/snapshots/overlay). Preparing a
 * container is two mkdirs: O(1) in image size. Whiteouts are stored in overlayfs's own format.
 */
import { chmodSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { removeTree } from "../sys/remove-tree.ts";
import { isOpaqueDir } from "../layer/whiteout.ts";
import { DirSnapshotter } from "./base.ts";
import type { Mount, SnapshotInfo, SnapshotKind } from "./snapshotter.ts";
import { ImagetoolError } from "../errors.ts";

export class OverlaySnapshotter extends DirSnapshotter {
  readonly name = "overlay" as const;
  readonly whiteoutFormat = "overlay" as const;

  protected async build(tmp: string, kind: SnapshotKind): Promise<void> {
    mkdirSync(join(tmp, "fs"));
    chmodSync(join(tmp, "fs"), 0o755); // the container's `/` (whatever the umask)
    if (kind === "active") mkdirSync(join(tmp, "work"), { mode: 0o700 });
  }

  /** A layer whose root the applier made opaque hides every older layer (see SnapshotInfo.opaqueRoot). */
  protected override committedFacts(fs: string): Pick<SnapshotInfo, "opaqueRoot"> {
    return isOpaqueDir(fs) ? { opaqueRoot: true } : {};
  }

  /**
   * containerd's rule: no parent → bind of the own dir; a view of one parent → read-only bind of
   * it; otherwise overlay. lowerdir lists the newest layer first (overlayfs.rst "Multiple lower layers").
   */
  protected mountsFor(chain: SnapshotInfo[]): Mount[] {
    const [self, ...all] = chain;
    if (self === undefined) throw new ImagetoolError("SNAPSHOT_NOT_FOUND", "empty snapshot chain");
    // Layers below one with an opaque root are hidden: they are not mounted at all.
    const cut = all.findIndex((p) => p.opaqueRoot === true);
    const parents = cut === -1 ? all : all.slice(0, cut + 1);
    if (self.kind === "view" && parents.length === 1) {
      return [{ type: "bind", source: this.fsOf(parents[0]!), options: ["ro", "rbind"] }];
    }
    if (parents.length === 0) {
      return [{ type: "bind", source: this.fsOf(self), options: [self.kind === "active" ? "rw" : "ro", "rbind"] }];
    }
    const lower = `lowerdir=${parents.map((p) => this.fsOf(p)).join(":")}`;
    if (self.kind !== "active") return [{ type: "overlay", source: "overlay", options: ["ro", lower] }];
    // commit reads the upper dir as a layer, so it must hold whole files and whole directories:
    // no metadata-only copy-up (metacopy) and no renamed-directory redirects, whatever the
    // host's module defaults are (overlayfs.rst "Metadata only copy up", "Redirect dir").
    return [{
      type: "overlay",
      source: "overlay",
      options: [`workdir=${join(this.pathOf(self.id), "work")}`, `upperdir=${this.fsOf(self)}`, lower, "index=off", "redirect_dir=off", "metacopy=off"],
    }];
  }

  protected async destroy(path: string): Promise<void> {
    removeTree(path);
  }
}
