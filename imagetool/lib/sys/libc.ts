/**
 * The image tool's libc calls that Node's fs lacks, for whichever part needs them: device nodes
 * and xattrs on links (security.capability, trusted.overlay.*) for layers, statfs, mount/umount
 * and the ext4 top-directory flag for snapshotters, and isatty for the commands' progress display,
 * because Bun's own answer (process.stderr.isTTY, node:tty) costs 7–13 ms of start-up.
 * Bound through common/ffi.ts on first use, so commands that never touch a rootfs do not pay for
 * dlopen (~0.7 ms).
 */
import type { FFIType } from "bun:ffi";
import { constants } from "node:os";
import { cString, errno, ioctl, libcSymbols } from "../../../common/ffi.ts";
import { SyscallError } from "../errors.ts";

// FFIType.i64_fast and u64_fast, which take and give plain numbers (BigInt conversions made openat2
// cost ~17 µs a call); bun:ffi accepts no string name for them, and its enum exists only at run time.
const I64_FAST = 15 as FFIType.i64_fast;
const U64_FAST = 16 as FFIType.u64_fast;

const libc = libcSymbols({
  mknod: { args: ["ptr", "i32", "u64"], returns: "i32" },
  lsetxattr: { args: ["ptr", "ptr", "ptr", "u64", "i32"], returns: "i32" },
  lgetxattr: { args: ["ptr", "ptr", "ptr", "u64"], returns: "i64" },
  llistxattr: { args: ["ptr", "ptr", "u64"], returns: "i64" },
  lremovexattr: { args: ["ptr", "ptr"], returns: "i32" },
  statfs: { args: ["ptr", "ptr"], returns: "i32" },
  mount: { args: ["ptr", "ptr", "ptr", "u64", "ptr"], returns: "i32" },
  umount2: { args: ["ptr", "i32"], returns: "i32" },
  utimensat: { args: ["i32", "ptr", "ptr", "i32"], returns: "i32" },
  futimens: { args: ["i32", "ptr"], returns: "i32" },
  fsetxattr: { args: ["i32", "ptr", "ptr", "u64", "i32"], returns: "i32" },
  syscall: { args: [I64_FAST, "i32", "ptr", "ptr", U64_FAST], returns: I64_FAST },
} as const);

/** On its own: the progress display of every pull asks it, and binds nothing else. */
const tty = libcSymbols({ isatty: { args: ["i32"], returns: "i32" } } as const);

function check(rc: number | bigint, syscall: string, path: string): number {
  if (Number(rc) < 0) throw new SyscallError(syscall, path, errno());
  return Number(rc);
}

/** makedev as glibc encodes it (sys/sysmacros.h). */
export function makedev(major: number, minor: number): bigint {
  const ma = BigInt(major);
  const mi = BigInt(minor);
  return ((ma & 0xfffn) << 8n) | ((ma & ~0xfffn) << 32n) | (mi & 0xffn) | ((mi & ~0xffn) << 12n);
}

export function mknod(path: string, mode: number, major = 0, minor = 0): void {
  check(libc().mknod(cString(path), mode, makedev(major, minor)), "mknod", path);
}

export function isatty(fd: number): boolean {
  return tty().isatty(fd) === 1;
}

export function lsetxattr(path: string, name: string, value: Uint8Array): void {
  const v = value.length === 0 ? Buffer.alloc(1) : value;
  check(libc().lsetxattr(cString(path), cString(name), v, BigInt(value.length), 0), `lsetxattr(${name})`, path);
}

export function fsetxattr(fd: number, path: string, name: string, value: Uint8Array): void {
  const v = value.length === 0 ? Buffer.alloc(1) : value;
  check(libc().fsetxattr(fd, cString(name), v, BigInt(value.length), 0), `fsetxattr(${name})`, path);
}

const NS_PER_S = 1_000_000_000n;
const AT_FDCWD = -100;
const AT_SYMLINK_NOFOLLOW = 0x100;

/** struct timespec[2] {atime, mtime} from nanoseconds since the epoch (tv_nsec is never negative). */
function timespecs(atimeNs: bigint, mtimeNs: bigint): BigInt64Array {
  const floorDiv = (ns: bigint) => (ns >= 0n || ns % NS_PER_S === 0n ? ns / NS_PER_S : ns / NS_PER_S - 1n);
  const a = floorDiv(atimeNs);
  const m = floorDiv(mtimeNs);
  return BigInt64Array.of(a, atimeNs - a * NS_PER_S, m, mtimeNs - m * NS_PER_S);
}

/**
 * Sets atime and mtime to the nanosecond (utimensat(2) with AT_SYMLINK_NOFOLLOW: a symlink's own
 * times, never its target's). Node's utimes takes seconds as a double, which loses the last digits.
 */
export function lutimensNs(path: string, atimeNs: bigint, mtimeNs: bigint): void {
  check(libc().utimensat(AT_FDCWD, cString(path), timespecs(atimeNs, mtimeNs), AT_SYMLINK_NOFOLLOW), "utimensat", path);
}

/** The same through an open fd (futimens(3)); `path` only names it in errors. */
export function futimensNs(fd: number, path: string, atimeNs: bigint, mtimeNs: bigint): void {
  check(libc().futimens(fd, timespecs(atimeNs, mtimeNs)), "futimens", path);
}

const SYS_openat2 = 437; // x86_64 and aarch64 (include/uapi/asm-generic/unistd.h)
export const RESOLVE_NO_MAGICLINKS = 0x02n;
export const RESOLVE_NO_SYMLINKS = 0x04n;
export const RESOLVE_IN_ROOT = 0x10n;

/**
 * openat2(2): opens `path` relative to `dirfd` under `resolve` constraints. Returns the fd, or the
 * errno (negative) when the caller asked to see it (`quiet`) instead of an error.
 */
export function openat2(dirfd: number, path: string, flags: number, resolve: bigint, quiet = false): number {
  const how = BigUint64Array.of(BigInt(flags), 0n, resolve);
  const rc = Number(libc().syscall(SYS_openat2, dirfd, cString(path), how, how.byteLength));
  if (rc >= 0) return rc;
  if (quiet) return -errno();
  throw new SyscallError("openat2", path, errno());
}

export function lremovexattr(path: string, name: string): void {
  check(libc().lremovexattr(cString(path), cString(name)), `lremovexattr(${name})`, path);
}

/** Value of one xattr, or undefined when the file does not have it (ENODATA). */
export function lgetxattr(path: string, name: string): Uint8Array | undefined {
  const p = cString(path);
  const n = cString(name);
  for (let size = 256; ; size *= 4) {
    const buf = Buffer.alloc(size);
    const rc = Number(libc().lgetxattr(p, n, buf, BigInt(size)));
    if (rc >= 0) return buf.subarray(0, rc);
    const e = errno();
    if (e === constants.errno.ENODATA || e === constants.errno.ENOTSUP) return undefined;
    if (e !== constants.errno.ERANGE || size > 1 << 20) throw new SyscallError(`lgetxattr(${name})`, path, e);
  }
}

export function llistxattr(path: string): string[] {
  const p = cString(path);
  const size = Number(libc().llistxattr(p, null, 0n));
  if (size < 0) {
    const e = errno();
    if (e === constants.errno.ENOTSUP) return [];
    throw new SyscallError("llistxattr", path, e);
  }
  if (size === 0) return [];
  const buf = Buffer.alloc(size);
  const got = check(libc().llistxattr(p, buf, BigInt(size)), "llistxattr", path);
  return buf.subarray(0, got).toString("latin1").split("\0").filter((s) => s.length > 0);
}

/** Every xattr of a file, names sorted, values raw. */
export function readXattrs(path: string): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const name of llistxattr(path).sort()) {
    const v = lgetxattr(path, name);
    if (v !== undefined) out.set(name, v);
  }
  return out;
}

/** statfs(2) f_type: the filesystem magic number (linux/magic.h). */
export function statfsType(path: string): number {
  const buf = Buffer.alloc(128);
  check(libc().statfs(cString(path), buf), "statfs", path);
  return Number(buf.readBigInt64LE(0));
}

export const MS_RDONLY = 1n;
export const MS_BIND = 4096n;
export const MS_REC = 16384n;

export function mount(source: string, target: string, fstype: string, flags: bigint, data: string): void {
  check(libc().mount(cString(source), cString(target), cString(fstype), flags, data === "" ? null : cString(data)), `mount(${fstype})`, target);
}

export const MNT_DETACH = 2;

export function umount(target: string, flags = 0): void {
  check(libc().umount2(cString(target), flags), "umount2", target);
}

const FS_IOC_GETFLAGS = 0x80086601n;
const FS_IOC_SETFLAGS = 0x40086602n;
/** chattr +T (ext2/3/4 "top of directory hierarchy", include/uapi/linux/fs.h FS_TOPDIR_FL). */
const FS_TOPDIR_FL = 0x00020000;

/**
 * Marks a directory as the top of directory hierarchies for ext4's Orlov allocator (chattr +T),
 * so each of its subdirectories is placed in a block group of its own choosing, with free inodes
 * and few directories, instead of next to its parent. Returns false where the filesystem has no
 * such flag (btrfs, tmpfs, xfs): it is a placement hint, never required.
 */
export function markTopDir(path: string): boolean {
  const { openSync, closeSync, constants: c } = require("node:fs") as typeof import("node:fs");
  const fd = openSync(path, c.O_RDONLY | c.O_DIRECTORY | c.O_NOFOLLOW);
  try {
    const flags = new Int32Array(2);
    if (ioctl(fd, FS_IOC_GETFLAGS, flags) < 0) return false;
    if ((flags[0]! & FS_TOPDIR_FL) !== 0) return true;
    flags[0] = flags[0]! | FS_TOPDIR_FL;
    return ioctl(fd, FS_IOC_SETFLAGS, flags) === 0;
  } finally {
    closeSync(fd);
  }
}
