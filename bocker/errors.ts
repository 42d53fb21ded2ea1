/**
 * The wrapper's one error type (common/errors.ts underneath). Its message is what the user reads
 * (the original bocker's words where it had some, e.g. "No image named 'x' exists"); `cause`
 * keeps the underlying failure.
 */
import { CodedError } from "../common/errors.ts";

export type BockerErrorCode = "NO_IMAGE" | "NO_CONTAINER" | "FAILED";

export class BockerError extends CodedError<BockerErrorCode> {
  constructor(message: string, options?: { cause?: unknown; code?: BockerErrorCode }) {
    super(options?.code ?? "FAILED", message, {}, options?.cause);
    this.name = "BockerError";
  }
}

export const noImage = (id: string) => new BockerError(`No image named '${id}' exists`, { code: "NO_IMAGE" });
export const noContainer = (id: string) => new BockerError(`No container named '${id}' exists`, { code: "NO_CONTAINER" });
