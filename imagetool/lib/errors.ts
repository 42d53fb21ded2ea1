/**
 * One errors module for the image tool (cf. undici lib/core/errors.js): everything the image tool
 * throws is an ImagetoolError with a stable `code`, a message that names the thing involved
 * (reference, digest, file, URL), structured `context` where a caller may act on a field (the
 * errno of a failed syscall, the tar entry of a failed layer) and the original error as `cause`.
 * The subclasses below are the errors some caller tells apart; all other failures are an
 * ImagetoolError with their own code.
 */
import { CodedError, errnoName, errnoOf } from "../../common/errors.ts";

export type ErrorCode =
  | "INVALID_REFERENCE"
  | "IMAGE_NOT_FOUND"
  | "BLOB_NOT_FOUND"
  | "UNAUTHORIZED"
  | "DENIED"
  | "UNREACHABLE"
  /** The TLS handshake with a registry failed (its certificate, or ours, was refused): not retried. */
  | "TLS_FAILED"
  /** A registry connection ended early; the fetcher resumes with a Range request. */
  | "CONNECTION_CLOSED"
  | "REGISTRY_ERROR"
  | "DIGEST_MISMATCH"
  | "SIZE_MISMATCH"
  | "INVALID_DIGEST"
  | "INVALID_MANIFEST"
  /** Manifest, config and layers that do not fit together (layer and diff_id counts, no command). */
  | "INVALID_IMAGE"
  | "INVALID_ARCHIVE"
  | "INVALID_TAR"
  | "INVALID_BUNDLE"
  | "MEDIA_TYPE_MISMATCH"
  | "UNSUPPORTED"
  | "NO_MATCHING_PLATFORM"
  | "AMBIGUOUS"
  | "LOCKED"
  | "INVALID_ARGUMENT"
  | "USAGE"
  | "USER_NOT_FOUND"
  | "UNSAFE_PATH"
  | "LAYER_FAILED"
  | "SNAPSHOT_NOT_FOUND"
  | "SNAPSHOT_EXISTS"
  /** The snapshot is not in the state the operation needs (active, committed, without children). */
  | "SNAPSHOT_STATE"
  | "SNAPSHOT_IN_USE"
  | "INVALID_METADATA"
  | "SYSCALL_FAILED"
  | "COMMAND_FAILED"
  /** A file changed or ended under us while being read (a running container's upper dir, a layer being written). */
  | "CHANGED_WHILE_READING"
  | "DOWNLOAD_INCOMPLETE";

export type ErrorContext = Readonly<Record<string, string | number | undefined>>;

const BRAND = Symbol.for("bocker.imagetool.error");

export class ImagetoolError extends CodedError<ErrorCode, ErrorContext> {
  readonly [BRAND] = true;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; context?: ErrorContext }) {
    super(code, message, options?.context ?? {}, options?.cause);
    this.name = "ImagetoolError";
  }

  /** Brand check instead of instanceof, so two bundled copies of this module still agree. */
  static is(err: unknown, code?: ErrorCode): err is ImagetoolError {
    return typeof err === "object" && err !== null && (err as Record<symbol, unknown>)[BRAND] === true &&
      (code === undefined || (err as ImagetoolError).code === code);
  }
}

/** A usage mistake on the command line; the message names the command and the flag. */
export class UsageError extends ImagetoolError {
  constructor(message: string) {
    super("USAGE", message);
    this.name = "UsageError";
  }
}

/** A malformed or truncated tar stream (a layer or an OCI archive). */
export class TarFormatError extends ImagetoolError {
  constructor(message: string) {
    super("INVALID_TAR", message);
    this.name = "TarFormatError";
  }
}

/** A layer entry that would leave the root or break it (traversal, whiteouts, hardlinks). */
export class UnsafePathError extends ImagetoolError {
  constructor(message: string) {
    super("UNSAFE_PATH", message);
    this.name = "UnsafePathError";
  }
}

/** Applying one tar entry of a layer failed; keeps the cause's code when it has one. */
export class LayerEntryError extends ImagetoolError {
  constructor(label: string, entry: string, cause: unknown) {
    super(ImagetoolError.is(cause) ? cause.code : "LAYER_FAILED", `${label}: entry ${JSON.stringify(entry)}: ${(cause as Error).message ?? String(cause)}`, {
      cause,
      context: { layer: label, entry, errno: errnoOf(cause) },
    });
    this.name = "LayerEntryError";
  }
}

export class SnapshotNotFoundError extends ImagetoolError {
  constructor(message: string) {
    super("SNAPSHOT_NOT_FOUND", message);
    this.name = "SnapshotNotFoundError";
  }
}

export class SnapshotExistsError extends ImagetoolError {
  constructor(message: string) {
    super("SNAPSHOT_EXISTS", message);
    this.name = "SnapshotExistsError";
  }
}

/**
 * A libc call that failed (lib/sys/libc.ts): its errno name is in `context.errno`, as Node's fs
 * errors carry it in `code`, so errnoOf() (common/errors.ts) reads both alike. `message` replaces the default
 * "<syscall> <path>: <ERRNO>" where a caller says more.
 */
export class SyscallError extends ImagetoolError {
  constructor(syscall: string, path: string, errno: number, message?: string) {
    const name = errnoName(errno);
    super("SYSCALL_FAILED", message ?? `${syscall} ${path}: ${name}`, { context: { syscall, path, errno: name } });
    this.name = "SyscallError";
  }
}

export function invalidArgument(message: string): ImagetoolError {
  return new ImagetoolError("INVALID_ARGUMENT", message);
}
