/**
 * copy: plain directories, each snapshot a full copy of its parent (reflinked where the
 * filesystem can). The fallback when neither overlayfs nor btrfs is usable; O(n) per container.
 */
import { chmodSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { removeTree } from "../sys/remove-tree.ts";
import { DirSnapshotter } from "./base.ts";
import { run } from "./exec.ts";
import type { Mount, SnapshotInfo, SnapshotKind } from "./snapshotter.ts";

export class CopySnapshotter extends DirSnapshotter {
  readonly name = "copy" as const;
  readonly whiteoutFormat = "delete" as const;

  protected async build(tmp: string, _kind: SnapshotKind, parent: SnapshotInfo | undefined): Promise<void> {
    const fs = join(tmp, "fs");
    if (parent === undefined) {
      mkdirSync(fs);
      chmodSync(fs, 0o755); // the container's `/` (whatever the umask)
      return;
    }
    // cp -a keeps ownership, modes, times, xattrs, hardlinks and device nodes.
    await run(["cp", "-a", "--reflink=auto", "--no-target-directory", this.fsOf(parent), fs]);
  }

  protected mountsFor(chain: SnapshotInfo[]): Mount[] {
    const self = chain[0]!;
    return [{ type: "bind", source: this.fsOf(self), options: [self.kind === "active" ? "rw" : "ro", "rbind"] }];
  }

  protected async destroy(path: string): Promise<void> {
    removeTree(path);
  }
}
