/**
 * Whiteouts (image-spec layer.md "Whiteouts"): `.wh.<name>` deletes <name> from the lower layers,
 * `.wh..wh..opq` hides every lower entry of its directory. How a deletion is recorded depends on
 * the on-disk format (umoci's DirRootfs/OverlayfsRootfs split):
 *  - "delete": the tree is a full copy (copy, btrfs, plain unpack): remove the path now.
 *  - "overlay": the tree is an overlay upper dir: record the deletion in overlayfs's own format,
 *    a 0:0 character device or `trusted.overlay.opaque=y` (Documentation/filesystems/overlayfs.rst).
 */
import { lstatSync, readdirSync } from "node:fs";
import { removeTree } from "../sys/remove-tree.ts";
import { join } from "node:path";
import { lgetxattr, lsetxattr, mknod } from "../sys/libc.ts";
import { UnsafePathError } from "../errors.ts";

export type WhiteoutFormat = "delete" | "overlay";

export const WHITEOUT_PREFIX = ".wh.";
export const OPAQUE_MARKER = ".wh..wh..opq";

/** The name a `.wh.` entry deletes, validated: `.wh..` and `.wh...` would name the dir or its parent. */
export function whiteoutTarget(base: string): string {
  const name = base.slice(WHITEOUT_PREFIX.length);
  if (name === "" || name === "." || name === ".." || name.includes("/")) {
    throw new UnsafePathError(`invalid whiteout ${JSON.stringify(base)}: it names the directory itself or its parent`);
  }
  if (name.startsWith(WHITEOUT_PREFIX)) throw new UnsafePathError(`invalid whiteout ${JSON.stringify(base)}: whiteout of a whiteout`);
  return name;
}

function exists(host: string): boolean {
  try {
    lstatSync(host);
    return true;
  } catch {
    return false;
  }
}

/** Deletes `host` (a path whose parent was resolved inside the root) per the format. */
export function applyWhiteout(host: string, format: WhiteoutFormat): void {
  if (exists(host)) removeTree(host); // rm never follows symlinks
  if (format === "overlay") mknod(host, 0o020000 | 0o000, 0, 0);
}

/**
 * Makes `dir` opaque. In "delete" format everything below it that this same layer did not write
 * is removed: the marker may come after entries of the directory, so the layer's own paths
 * (and the directories leading to them) are tracked and kept, as containerd does.
 */
export function applyOpaque(dir: string, format: WhiteoutFormat, writtenInLayer: Set<string>): void {
  if (format === "overlay") {
    lsetxattr(dir, "trusted.overlay.opaque", new TextEncoder().encode("y"));
    return;
  }
  for (const child of readdirSync(dir)) {
    const host = join(dir, child);
    if (!writtenInLayer.has(host)) removeTree(host);
    else if (lstatSync(host).isDirectory()) applyOpaque(host, format, writtenInLayer);
  }
}

/** True for an overlay whiteout: a character device with device number 0:0. */
export function isOverlayWhiteout(st: { isCharacterDevice(): boolean; rdev: number }): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

/** True for a directory overlayfs treats as opaque (`trusted.overlay.opaque=y`). */
export function isOpaqueDir(path: string): boolean {
  const v = lgetxattr(path, "trusted.overlay.opaque");
  return v !== undefined && v.length === 1 && v[0] === 0x79;
}
