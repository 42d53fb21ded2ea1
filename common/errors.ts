/**
 * The base of every tool's errors (cf. undici lib/core/errors.js, runc mountError): a stable
 * `code`, structured `context` a caller may act on (path, JSON pointer, errno name) and the
 * original error as `cause`. Each tool subclasses it with its own codes and messages
 * (runtime/lib/errors.ts, imagetool/lib/errors.ts, bocker/errors.ts); only the shape is shared.
 */
export class CodedError<Code extends string = string, Context extends object = Readonly<Record<string, unknown>>> extends Error {
  readonly code: Code;
  readonly context: Context;

  constructor(code: Code, message: string, context: Context, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
    this.context = context;
  }
}

const ERRNO_NAME = /^E[A-Z0-9]+$/;

/**
 * The errno name ("ENOENT") of a failed system call: a Node/Bun fs error carries it in `code`, a
 * CodedError that wraps one (a failed libc call, a failed file operation) in `context.errno`.
 * Anything else, including a CodedError's own code, has none.
 */
export function errnoOf(err: unknown): string | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const value = err instanceof CodedError ? (err.context as { errno?: unknown }).errno : (err as { code?: unknown }).code;
  return typeof value === "string" && ERRNO_NAME.test(value) ? value : undefined;
}

/** Linux errno numbers (asm-generic/errno-base.h, errno.h) → names, the ones our tools meet. */
const NAMES: Record<number, string> = {
  1: "EPERM", 2: "ENOENT", 3: "ESRCH", 4: "EINTR", 5: "EIO", 6: "ENXIO", 7: "E2BIG", 8: "ENOEXEC", 9: "EBADF", 10: "ECHILD",
  11: "EAGAIN", 12: "ENOMEM", 13: "EACCES", 14: "EFAULT", 15: "ENOTBLK", 16: "EBUSY", 17: "EEXIST", 18: "EXDEV", 19: "ENODEV",
  20: "ENOTDIR", 21: "EISDIR", 22: "EINVAL", 23: "ENFILE", 24: "EMFILE", 25: "ENOTTY", 26: "ETXTBSY", 27: "EFBIG", 28: "ENOSPC",
  29: "ESPIPE", 30: "EROFS", 31: "EMLINK", 32: "EPIPE", 33: "EDOM", 34: "ERANGE", 36: "ENAMETOOLONG", 38: "ENOSYS", 39: "ENOTEMPTY",
  40: "ELOOP", 61: "ENODATA", 62: "ETIME", 71: "EPROTO", 75: "EOVERFLOW", 95: "EOPNOTSUPP", 110: "ETIMEDOUT", 111: "ECONNREFUSED",
  122: "EDQUOT", 125: "ECANCELED",
};

let osNames: Map<number, string> | undefined;

/**
 * "ENOENT" for 2. The table above answers without loading anything; node:os, which knows every
 * number, is consulted only for one it lacks (start-up: this runs on error paths of every command).
 */
export function errnoName(n: number): string {
  const known = NAMES[n];
  if (known !== undefined) return known;
  const { constants } = require("node:os") as typeof import("node:os");
  osNames ??= new Map(Object.entries(constants.errno).map(([name, value]) => [value as number, name]));
  return osNames.get(n) ?? `errno ${n}`;
}
