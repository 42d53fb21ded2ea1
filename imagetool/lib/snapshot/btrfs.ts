/**
 * btrfs (bocker's original design): each snapshot is a subvolume; a child is a snapshot of its
 * parent's subvolume, so a container rootfs costs one copy-on-write snapshot: O(1) in image size
 * (containerd plugins/snapshots/btrfs). Uses btrfs-progs rather than raw ioctls.
 */
import { chmodSync, existsSync } from "node:fs";
import { join } from "node:path";
import { removeTree } from "../sys/remove-tree.ts";
import { DirSnapshotter } from "./base.ts";
import { run } from "./exec.ts";
import type { Mount, SnapshotInfo, SnapshotKind } from "./snapshotter.ts";

export class BtrfsSnapshotter extends DirSnapshotter {
  readonly name = "btrfs" as const;
  readonly whiteoutFormat = "delete" as const;

  protected async build(tmp: string, kind: SnapshotKind, parent: SnapshotInfo | undefined): Promise<void> {
    const fs = join(tmp, "fs");
    if (parent === undefined) {
      await run(["btrfs", "-q", "subvolume", "create", fs]);
      chmodSync(fs, 0o755); // the container's `/` (whatever the umask)
    }
    else await run(["btrfs", "-q", "subvolume", "snapshot", ...(kind === "view" ? ["-r"] : []), this.fsOf(parent), fs]);
  }

  protected override async freeze(fs: string): Promise<void> {
    await run(["btrfs", "property", "set", "-ts", fs, "ro", "true"]);
  }

  protected mountsFor(chain: SnapshotInfo[]): Mount[] {
    const self = chain[0]!;
    return [{ type: "bind", source: this.fsOf(self), options: [self.kind === "active" ? "rw" : "ro", "rbind"] }];
  }

  protected async destroy(path: string): Promise<void> {
    const fs = join(path, "fs");
    if (existsSync(fs)) {
      // A read-only (committed) subvolume can still be deleted by root; children are separate subvolumes.
      await run(["btrfs", "-q", "subvolume", "delete", fs]);
    }
    removeTree(path);
  }
}
