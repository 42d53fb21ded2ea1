/**
 * An overlay upper dir's view of the layers below it (newest first), for the applier: where a path
 * is in the merged view, and copying a lower file up (a hardlink to it needs it in the upper dir).
 * Nothing here follows a symlink: lowers are attacker-made trees too.
 */
import { copyFileSync, lstatSync, constants as fsc } from "node:fs";
import { join } from "node:path";
import { applyMetadata } from "./metadata.ts";
import { UnsafePathError } from "../errors.ts";
import type { TarHeader } from "../tar/header.ts";
import { isOpaqueDir, isOverlayWhiteout } from "./whiteout.ts";

/**
 * Where a path is in the merged view of the lowers (newest first), or undefined. Each lower is
 * walked component by component with lstat and no symlink is followed: a symlink, file or
 * whiteout on the way hides the path (that lower's entry wins over older ones, as in overlayfs),
 * and an opaque directory hides the older lowers. Joining the path and calling lstat would
 * follow a lower's symlink to the host (a layer could then copy up /etc/shadow).
 */
export function findInLowers(lowerDirs: readonly string[], components: string[]): string | undefined {
  for (const lower of lowerDirs) {
    let p = lower;
    let opaque = false;
    for (const [i, part] of components.entries()) {
      p = join(p, part);
      let st;
      try {
        st = lstatSync(p);
      } catch {
        break; // not in this lower: look in older ones, unless a directory here was opaque
      }
      if (isOverlayWhiteout(st)) return undefined;
      if (i === components.length - 1) return p;
      if (!st.isDirectory()) return undefined;
      if (isOpaqueDir(p)) opaque = true;
    }
    if (opaque) return undefined;
  }
  return undefined;
}

/** Copies a regular file of a lower layer to `target` (reflink when possible), with its metadata. */
export function copyUp(lower: string, target: string): void {
  const st = lstatSync(lower, { bigint: true });
  if (!st.isFile()) throw new UnsafePathError(`hardlink target in a lower layer is not a regular file`);
  // COPYFILE_EXCL: nothing already at the target is followed or overwritten.
  copyFileSync(lower, target, fsc.COPYFILE_FICLONE | fsc.COPYFILE_EXCL);
  const h = { uid: Number(st.uid), gid: Number(st.gid), mode: Number(st.mode) & 0o7777, xattrs: new Map(), type: "file", mtime: 0, mtimeNs: st.mtimeNs, atimeNs: st.atimeNs };
  applyMetadata(target, h as TarHeader);
}
