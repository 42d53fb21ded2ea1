/**
 * One errors module for the image tool (cf. undici lib/core/errors.js): every failure a user can
 * act on is an ImagetoolError with a stable `code`, a message that names the thing involved
 * (reference, digest, file, URL) and the original error kept as `cause`.
 */
export type ErrorCode =
  | "INVALID_REFERENCE"
  | "IMAGE_NOT_FOUND"
  | "BLOB_NOT_FOUND"
  | "UNAUTHORIZED"
  | "DENIED"
  | "UNREACHABLE"
  | "REGISTRY_ERROR"
  | "DIGEST_MISMATCH"
  | "SIZE_MISMATCH"
  | "INVALID_DIGEST"
  | "INVALID_MANIFEST"
  | "INVALID_ARCHIVE"
  | "MEDIA_TYPE_MISMATCH"
  | "UNSUPPORTED"
  | "NO_MATCHING_PLATFORM"
  | "AMBIGUOUS"
  | "LOCKED"
  | "INVALID_ARGUMENT";

const BRAND = Symbol.for("bocker.imagetool.error");

export class ImagetoolError extends Error {
  readonly code: ErrorCode;
  readonly [BRAND] = true;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = "ImagetoolError";
  }

  /** Brand check instead of instanceof, so two bundled copies of this module still agree. */
  static is(err: unknown, code?: ErrorCode): err is ImagetoolError {
    return typeof err === "object" && err !== null && (err as Record<symbol, unknown>)[BRAND] === true &&
      (code === undefined || (err as ImagetoolError).code === code);
  }
}

export function invalidArgument(message: string): ImagetoolError {
  return new ImagetoolError("INVALID_ARGUMENT", message);
}

/** errno name of a node:fs error (ENOENT, EEXIST…), or undefined. */
export function errnoCode(err: unknown): string | undefined {
  return typeof err === "object" && err !== null && typeof (err as { code?: unknown }).code === "string"
    ? (err as { code: string }).code
    : undefined;
}
