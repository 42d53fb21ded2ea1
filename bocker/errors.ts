/**
 * The wrapper's one error type. Its message is what the user reads (the original bocker's words
 * where it had some, e.g. "No image named 'x' exists"); `cause` keeps the underlying failure.
 */
export class BockerError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "BockerError";
  }
}

export const noImage = (id: string) => new BockerError(`No image named '${id}' exists`);
export const noContainer = (id: string) => new BockerError(`No container named '${id}' exists`);
