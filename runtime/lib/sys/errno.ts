/** Linux errno numbers (asm-generic/errno-base.h, errno.h) → names, for helper error lines. */
const NAMES: Record<number, string> = {
  1: "EPERM", 2: "ENOENT", 3: "ESRCH", 4: "EINTR", 5: "EIO", 6: "ENXIO", 7: "E2BIG", 8: "ENOEXEC", 9: "EBADF", 10: "ECHILD",
  11: "EAGAIN", 12: "ENOMEM", 13: "EACCES", 14: "EFAULT", 15: "ENOTBLK", 16: "EBUSY", 17: "EEXIST", 18: "EXDEV", 19: "ENODEV",
  20: "ENOTDIR", 21: "EISDIR", 22: "EINVAL", 23: "ENFILE", 24: "EMFILE", 25: "ENOTTY", 26: "ETXTBSY", 27: "EFBIG", 28: "ENOSPC",
  29: "ESPIPE", 30: "EROFS", 31: "EMLINK", 32: "EPIPE", 33: "EDOM", 34: "ERANGE", 36: "ENAMETOOLONG", 38: "ENOSYS", 39: "ENOTEMPTY",
  40: "ELOOP", 61: "ENODATA", 62: "ETIME", 71: "EPROTO", 75: "EOVERFLOW", 95: "EOPNOTSUPP", 110: "ETIMEDOUT", 111: "ECONNREFUSED",
  122: "EDQUOT",
};

export function errnoName(n: number): string {
  return NAMES[n] ?? `errno ${n}`;
}

const TEXT: Record<string, string> = {
  EPERM: "operation not permitted", ENOENT: "no such file or directory", ESRCH: "no such process", EIO: "input/output error",
  ENOEXEC: "exec format error", EBADF: "bad file descriptor", EAGAIN: "resource temporarily unavailable", ENOMEM: "cannot allocate memory",
  EACCES: "permission denied", EBUSY: "device or resource busy", EEXIST: "file exists", ENODEV: "no such device",
  ENOTDIR: "not a directory", EISDIR: "is a directory", EINVAL: "invalid argument", ENOSPC: "no space left on device",
  EROFS: "read-only file system", ENAMETOOLONG: "file name too long", ENOSYS: "function not implemented", ELOOP: "too many levels of symbolic links",
  ETXTBSY: "text file busy", EDQUOT: "disk quota exceeded", EOPNOTSUPP: "operation not supported",
};

/** "ENOENT (no such file or directory)": the name scripts match on and the words podman/people match on. */
export function errnoDescription(n: number): string {
  const name = errnoName(n);
  return TEXT[name] ? `${name} (${TEXT[name]})` : name;
}
