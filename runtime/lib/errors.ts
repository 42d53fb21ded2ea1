/**
 * One error type for the runtime, with a stable code and structured context (common/errors.ts;
 * cf. undici lib/core/errors.js, runc mountError). Commands print `message`; tests match on `code`.
 */
import { CodedError, errnoOf } from "../../common/errors.ts";

export type RuntimeErrorCode =
  | "USAGE" // bad command line
  | "CONFIG_INVALID" // config.json failed schema or semantic validation
  | "CONTAINER_EXISTS"
  | "CONTAINER_NOT_FOUND"
  | "BAD_STATUS" // the operation is not allowed in the container's current status
  | "HELPER_FAILED" // bocker-init reported a failing step
  | "HOOK_FAILED"
  | "STATE_CORRUPT"
  | "CRIU_FAILED" // criu(8) refused a checkpoint or restore (its log quoted)
  | "IO"; // a host file operation failed (errno in context)

export interface ErrorContext {
  path?: string;
  pointer?: string;
  errno?: string;
  [key: string]: unknown;
}

export class RuntimeError extends CodedError<RuntimeErrorCode, ErrorContext> {
  constructor(code: RuntimeErrorCode, message: string, context: ErrorContext = {}, cause?: unknown) {
    super(code, message, context, cause);
    this.name = "RuntimeError";
  }
}

const ERRNO_TEXT: Record<string, string> = {
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ENOENT: "no such file or directory",
  EEXIST: "file exists",
  EROFS: "read-only file system",
  ENOTDIR: "not a directory",
  EISDIR: "is a directory",
  EBUSY: "device or resource busy",
};

/** Wraps a failed host file operation: `write /run/x/state.json: ENOSPC (no space left on device)`. */
export function ioError(op: string, path: string, err: unknown): RuntimeError {
  if (err instanceof RuntimeError) return err;
  const errno = errnoOf(err);
  const detail = errno ? `${errno} (${ERRNO_TEXT[errno] ?? (err as Error).message})` : String((err as Error)?.message ?? err);
  return new RuntimeError("IO", `${op} ${path}: ${detail}`, { path, errno }, err);
}

/**
 * The exit status a failed command ends with: 1, unless the command chose another with
 * withExitStatus (runc exec.go: 255 for exec's own failures, so they differ from the process's).
 */
export function exitStatusOf(err: unknown): number {
  const status = (err as { exitStatus?: unknown } | null)?.exitStatus;
  return typeof status === "number" ? status : 1;
}

export function withExitStatus(err: unknown, status: number): Error {
  return Object.assign(err instanceof Error ? err : new Error(String(err)), { exitStatus: status });
}
