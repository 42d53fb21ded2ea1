/**
 * The runtime's own libc calls (common/ffi.ts binds them): fifos, blocking fds, the console
 * socket, window sizes and bpf(2). Bound on first use, because dlopen costs a few milliseconds of
 * start-up (`state` and `list` never need it). libseccomp has its own binding (seccomp/libseccomp.ts).
 */
import { errnoName } from "../../../common/errors.ts";
import { closeFd, cString, errno, ffi, ioctl, libcSymbols } from "../../../common/ffi.ts";

const libc = libcSymbols({
  fcntl: { args: ["i32", "i32", "i32"], returns: "i32" },
  mkfifo: { args: ["ptr", "u32"], returns: "i32" },
  socket: { args: ["i32", "i32", "i32"], returns: "i32" },
  bind: { args: ["i32", "ptr", "u32"], returns: "i32" },
  listen: { args: ["i32", "i32"], returns: "i32" },
  accept4: { args: ["i32", "ptr", "ptr", "i32"], returns: "i32" },
  recvmsg: { args: ["i32", "ptr", "i32"], returns: "i64" },
  syscall: { args: ["i64", "i64", "ptr", "u64"], returns: "i64" },
} as const);

const F_GETFL = 3;
const F_SETFL = 4;
const O_NONBLOCK = 0o4000;

/** Makes fd blocking (Bun hands out its extra stdio sockets non-blocking). */
export function setBlocking(fd: number): void {
  const flags = libc().fcntl(fd, F_GETFL, 0);
  if (flags < 0 || libc().fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) throw new Error(`fcntl(${fd}, F_SETFL) failed`);
}

/** mkfifo(3); a failure throws an error whose `code` is the errno name, like node:fs errors. */
export function mkfifo(path: string, mode: number): void {
  if (libc().mkfifo(cString(path), mode) !== 0) throw errnoError(`mkfifo ${path}`);
}

function errnoError(what: string): Error {
  const n = errno();
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
  const c = libc();
  const fd = c.socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw errnoError("socket(AF_UNIX)");
  const addr = Buffer.alloc(110); // struct sockaddr_un
  addr.writeUInt16LE(AF_UNIX, 0);
  if (Buffer.byteLength(path) > 107) throw new Error(`socket path too long: ${path}`);
  addr.write(path, 2);
  if (c.bind(fd, addr, addr.length) !== 0 || c.listen(fd, 1) !== 0) {
    const err = errnoError(`bind/listen ${path}`);
    closeFd(fd);
    throw err;
  }
  return fd;
}

/**
 * Accepts one connection on a listening socket and receives one fd sent with SCM_RIGHTS
 * (how the helper hands over a pty master, runc's console-socket protocol). Blocks.
 */
export function acceptFd(listenFd: number): number {
  const { ptr } = ffi();
  const c = libc();
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
    closeFd(conn);
  }
}

/** TIOCSWINSZ: sets a terminal's size. */
export function setWindowSize(fd: number, rows: number, cols: number): void {
  ioctl(fd, 0x5414n, new Uint16Array([rows, cols, 0, 0]));
}

/**
 * syscall(2) for a call libc does not wrap, with a command, a buffer and its length (bpf(2)):
 * the result, and the errno name when it is negative.
 */
export function bufferSyscall(nr: number, cmd: number, buf: Uint8Array): { ret: number; errno?: string } {
  const ret = Number(libc().syscall(nr, cmd, buf, buf.byteLength));
  if (ret >= 0) return { ret };
  return { ret, errno: errnoName(errno()) };
}

/** The address of a buffer, for kernel structures that point at other memory. */
export function addressOf(buf: Uint8Array | Uint32Array): bigint {
  return BigInt(ffi().ptr(buf));
}
