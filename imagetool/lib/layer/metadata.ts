/** Ownership, mode, xattrs and times of one unpacked entry, applied in the order the kernel requires. */
import { chmodSync, fchmodSync, fchownSync, futimesSync, lchownSync, lutimesSync, utimesSync } from "node:fs";
import { lsetxattr } from "../sys/libc.ts";
import type { TarHeader } from "../tar/header.ts";
import { errnoOf } from "../../../common/errors.ts";

/**
 * chown first: it clears setuid/setgid, so the mode (with those bits) must come after it.
 * Symlinks have no mode of their own on Linux. security.capability is also cleared by chown,
 * so xattrs come last. `chown` false: the inode is new and already has the wanted owner.
 */
export function applyMetadata(host: string, h: TarHeader, chown = true): void {
  if (chown) lchownSync(host, h.uid, h.gid);
  if (h.type !== "symlink") chmodSync(host, h.mode);
  setXattrs(host, h);
  if (h.type !== "dir") setTimes(host, h);
}

/**
 * The same for a regular file we just created and still hold open: the fd calls save a path
 * lookup each (~8,000 files in a large image) and cannot be redirected by anything at the path.
 */
export function applyFileMetadata(fd: number, host: string, h: TarHeader, chown = true): void {
  if (chown) fchownSync(fd, h.uid, h.gid);
  fchmodSync(fd, h.mode);
  setXattrs(host, h);
  futimesSync(fd, h.mtime, h.mtime);
}

function setXattrs(host: string, h: TarHeader): void {
  for (const [name, value] of h.xattrs) {
    try {
      lsetxattr(host, name, value);
    } catch (e) {
      // user.* xattrs are not permitted on symlinks and device nodes (xattr(7)); umoci and
      // containerd skip those rather than failing the whole layer. A filesystem without user xattrs
      // says ENOTSUP, whose number (95) Linux shares with EOPNOTSUPP, the name errno 95 is given.
      const code = errnoOf(e);
      if (name.startsWith("user.") && (code === "EPERM" || code === "ENOTSUP" || code === "EOPNOTSUPP")) continue;
      throw e;
    }
  }
}

export function setTimes(host: string, h: Pick<TarHeader, "mtime" | "type">): void {
  if (h.type === "symlink") lutimesSync(host, h.mtime, h.mtime);
  else utimesSync(host, h.mtime, h.mtime);
}
