/** Ownership, mode, xattrs and times of one unpacked entry, applied in the order the kernel requires. */
import { chmodSync, fchmodSync, fchownSync, futimesSync, lchownSync, lutimesSync } from "node:fs";
import { fsetxattr, futimensNs, lremovexattr, lsetxattr, lutimensNs } from "../sys/libc.ts";
import { isRootless } from "../sys/rootless.ts";
import { chownOrKeep, ROOTLESS_XATTR } from "./rootless-owner.ts";
import { trace } from "../trace.ts";
import type { TarHeader } from "../tar/header.ts";
import { errnoOf } from "../../../common/errors.ts";

type Times = Pick<TarHeader, "mtime" | "mtimeNs" | "atimeNs">;

/** The entry's mtime in nanoseconds: exact from PAX, else the ustar seconds. */
export function mtimeNsOf(h: Times): bigint {
  return h.mtimeNs ?? BigInt(Math.trunc(h.mtime)) * 1_000_000_000n;
}

/** The entry's atime: PAX `atime` when there is one, else its mtime (as umoci and containerd do). */
export function atimeNsOf(h: Times): bigint {
  return h.atimeNs ?? mtimeNsOf(h);
}

/**
 * Whole seconds (every ustar time, and PAX times without a fraction) are exact as a double, so
 * Node's own utimes does them: its native call costs a third of the libc binding's FFI call with
 * its path and timespec buffers (287 symlinks: 1.0–1.7 ms against 4.3–7.5 ms, cold).
 */
function wholeSeconds(h: Times): number | undefined {
  if (h.atimeNs !== undefined) return undefined;
  if (h.mtimeNs === undefined) return Number.isInteger(h.mtime) ? h.mtime : undefined;
  return h.mtimeNs % 1_000_000_000n === 0n ? Number(h.mtimeNs / 1_000_000_000n) : undefined;
}

/**
 * chown first: it clears setuid/setgid, so the mode (with those bits) must come after it.
 * Symlinks have no mode of their own on Linux. security.capability is also cleared by chown,
 * so xattrs come last. `chown` false: the inode is new and already has the wanted owner.
 * Called right after the entry was created at `host`, before any later entry could replace a
 * component of it; a directory's times wait for its contents (deferred-dirs.ts).
 */
export function applyMetadata(host: string, h: TarHeader, chown = true): void {
  if (chown) {
    chownOrKeep(h, () => lchownSync(host, h.uid, h.gid), (v) => {
      if (h.type === "symlink" || h.type === "fifo") return; // no user.* xattrs there (xattr(7), rootless-owner.ts)
      if (v !== undefined) lsetxattr(host, ROOTLESS_XATTR, v);
      else removeKeptOwner(host);
    });
  }
  if (h.type !== "symlink") chmodSync(host, h.mode);
  setXattrs(h, (name, value) => lsetxattr(host, name, value));
  if (h.type === "dir") return;
  const s = wholeSeconds(h);
  if (s !== undefined) lutimesSync(host, s, s);
  else lutimensNs(host, atimeNsOf(h), mtimeNsOf(h));
}

/** A merged directory now owned by root:root inside keeps no owner from an older layer. */
function removeKeptOwner(host: string): void {
  try {
    lremovexattr(host, ROOTLESS_XATTR);
  } catch (e) {
    if (errnoOf(e) !== "ENODATA") throw e;
  }
}

/**
 * The same for a regular file we just created and still hold open: the fd calls save a path
 * lookup each (~8,000 files in a large image) and cannot be redirected by anything at the path.
 */
export function applyFileMetadata(fd: number, host: string, h: TarHeader, chown = true): void {
  if (chown) {
    chownOrKeep(h, () => fchownSync(fd, h.uid, h.gid), (v) => {
      // the file is a new inode (O_EXCL): there is no kept owner to remove
      if (v !== undefined) fsetxattr(fd, host, ROOTLESS_XATTR, v);
    });
  }
  fchmodSync(fd, h.mode);
  setXattrs(h, (name, value) => fsetxattr(fd, host, name, value));
  const s = wholeSeconds(h);
  if (s !== undefined) futimesSync(fd, s, s);
  else futimensNs(fd, host, atimeNsOf(h), mtimeNsOf(h));
}

function setXattrs(h: TarHeader, set: (name: string, value: Uint8Array) => void): void {
  for (const [name, value] of h.xattrs) {
    try {
      set(name, value);
    } catch (e) {
      // user.* xattrs are not permitted on symlinks and device nodes (xattr(7)); umoci and
      // containerd skip those rather than failing the whole layer. A filesystem without user xattrs
      // says ENOTSUP, whose number (95) Linux shares with EOPNOTSUPP, the name errno 95 is given.
      const code = errnoOf(e);
      if (name.startsWith("user.") && (code === "EPERM" || code === "ENOTSUP" || code === "EOPNOTSUPP")) continue;
      // Rootless: security.* and trusted.* need privileges the user lacks (umoci `unpack --rootless`
      // ignores the same EPERM). In a user namespace security.capability is written, as a v3
      // capability of that namespace's root.
      if (code === "EPERM" && isRootless()) {
        trace(`rootless: xattr ${name} not set on ${h.name} (EPERM)`);
        continue;
      }
      throw e;
    }
  }
}
