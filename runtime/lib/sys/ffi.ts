/**
 * The runtime's libc binding (bun:ffi): the calls Node's fs has no binding for. Loaded lazily, on
 * first use, because dlopen costs a few milliseconds of start-up (`state` and `list` never need
 * it). libseccomp has its own binding (seccomp/libseccomp.ts).
 */
import type { Library } from "bun:ffi";
import { errnoName } from "./errno.ts";

const SYMBOLS = {
  flock: { args: ["i32", "i32"], returns: "i32" },
  fcntl: { args: ["i32", "i32", "i32"], returns: "i32" },
  mkfifo: { args: ["ptr", "u32"], returns: "i32" },
  __errno_location: { args: [], returns: "ptr" },
  socket: { args: ["i32", "i32", "i32"], returns: "i32" },
  bind: { args: ["i32", "ptr", "u32"], returns: "i32" },
  listen: { args: ["i32", "i32"], returns: "i32" },
  accept4: { args: ["i32", "ptr", "ptr", "i32"], returns: "i32" },
  recvmsg: { args: ["i32", "ptr", "i32"], returns: "i64" },
  ioctl: { args: ["i32", "u64", "ptr"], returns: "i32" },
  close: { args: ["i32"], returns: "i32" },
  syscall: { args: ["i64", "i64", "ptr", "u64"], returns: "i64" },
} as const;

let lib: Library<typeof SYMBOLS> | undefined;

function libc(): Library<typeof SYMBOLS> {
  if (!lib) {
    const { dlopen } = require("bun:ffi") as typeof import("bun:ffi");
    lib = dlopen("libc.so.6", SYMBOLS);
  }
  return lib;
}

export const LOCK_EX = 2;
export const LOCK_NB = 4;

/** flock(2); returns false if LOCK_NB was given and the lock is held elsewhere. */
export function flock(fd: number, op: number): boolean {
  return libc().symbols.flock(fd, op) === 0;
}

const F_GETFL = 3;
const F_SETFL = 4;
const O_NONBLOCK = 0o4000;

/** Makes fd blocking (Bun hands out its extra stdio sockets non-blocking). */
export function setBlocking(fd: number): void {
  const flags = libc().symbols.fcntl(fd, F_GETFL, 0);
  if (flags < 0 || libc().symbols.fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) throw new Error(`fcntl(${fd}, F_SETFL) failed`);
}

/** mkfifo(3); a failure throws an error whose `code` is the errno name, like node:fs errors. */
export function mkfifo(path: string, mode: number): void {
  if (libc().symbols.mkfifo(Buffer.from(`${path}\0`), mode) !== 0) throw errnoError(`mkfifo ${path}`);
}

function errnoError(what: string): Error {
  const { read } = require("bun:ffi") as typeof import("bun:ffi");
  const n = read.i32(libc().symbols.__errno_location()!, 0);
  const err = new Error(`${what}: ${errnoName(n)}`) as Error & { code?: string; errno?: number };
  err.code = errnoName(n);
  err.errno = n;
  return err;
}

const AF_UNIX = 1;
const SOCK_STREAM = 1;
const SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1;
const SCM_RIGHTS = 1;

/** socket(AF_UNIX, SOCK_STREAM) bound to path and listening; returns the fd. */
export function listenUnix(path: string): number {
  const c = libc().symbols;
  const fd = c.socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw errnoError("socket(AF_UNIX)");
  const addr = Buffer.alloc(110); // struct sockaddr_un
  addr.writeUInt16LE(AF_UNIX, 0);
  if (Buffer.byteLength(path) > 107) throw new Error(`socket path too long: ${path}`);
  addr.write(path, 2);
  if (c.bind(fd, addr, addr.length) !== 0 || c.listen(fd, 1) !== 0) {
    const err = errnoError(`bind/listen ${path}`);
    c.close(fd);
    throw err;
  }
  return fd;
}

/**
 * Accepts one connection on a listening socket and receives one fd sent with SCM_RIGHTS
 * (how the helper hands over a pty master, runc's console-socket protocol). Blocks.
 */
export function acceptFd(listenFd: number): number {
  const { ptr } = require("bun:ffi") as typeof import("bun:ffi");
  const c = libc().symbols;
  const conn = c.accept4(listenFd, null, null, SOCK_CLOEXEC);
  if (conn < 0) throw errnoError("accept");
  try {
    const data = Buffer.alloc(64);
    const iov = new BigUint64Array([BigInt(ptr(data)), BigInt(data.length)]);
    const control = new BigUint64Array(3); // CMSG_SPACE(sizeof(int)) = 24 bytes, 8-aligned
    const msg = new BigUint64Array(7); // struct msghdr on LP64
    msg[2] = BigInt(ptr(iov));
    msg[3] = 1n;
    msg[4] = BigInt(ptr(control));
    msg[5] = 24n;
    if (Number(c.recvmsg(conn, msg, 0)) < 0) throw errnoError("recvmsg");
    const view = new DataView(control.buffer);
    if (view.getInt32(8, true) !== SOL_SOCKET || view.getInt32(12, true) !== SCM_RIGHTS) throw new Error("no file descriptor received on the console socket");
    return view.getInt32(16, true);
  } finally {
    c.close(conn);
  }
}

/** TIOCSWINSZ: sets a terminal's size. */
export function setWindowSize(fd: number, rows: number, cols: number): void {
  const ws = new Uint16Array([rows, cols, 0, 0]);
  libc().symbols.ioctl(fd, 0x5414n, ws);
}

export function closeFd(fd: number): void {
  libc().symbols.close(fd);
}

/**
 * syscall(2) for a call libc does not wrap, with a command, a buffer and its length (bpf(2)):
 * the result, and the errno name when it is negative.
 */
export function bufferSyscall(nr: number, cmd: number, buf: Uint8Array): { ret: number; errno?: string } {
  const ret = Number(libc().symbols.syscall(nr, cmd, buf, buf.byteLength));
  if (ret >= 0) return { ret };
  const { read } = require("bun:ffi") as typeof import("bun:ffi");
  return { ret, errno: errnoName(read.i32(libc().symbols.__errno_location()!, 0)) };
}

/** The address of a buffer, for kernel structures that point at other memory. */
export function addressOf(buf: Uint8Array | Uint32Array): bigint {
  return BigInt((require("bun:ffi") as typeof import("bun:ffi")).ptr(buf));
}
