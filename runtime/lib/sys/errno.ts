/** The words for errno names in helper error lines; the names come from common/errors.ts. */
import { errnoName } from "../../../common/errors.ts";

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
