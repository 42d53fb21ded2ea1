/**
 * Progress events of a transfer, shared by pull.ts and push.ts and shown by the commands
 * (commands/progress.ts): a module of its own so that push need not import pull.
 */
import type { Descriptor } from "./image/types.ts";
import type { UnpackHooks } from "./snapshot/unpack-image.ts";

/** What a pull or push reports as it goes; the command decides how to show it (bars on a TTY, lines otherwise). */
export interface TransferProgress {
  resolved?(name: string, manifest: Descriptor): void;
  blobStart?(descriptor: Descriptor, kind: "config" | "layer"): void;
  blobBytes?(descriptor: Descriptor, bytes: number): void;
  blobDone?(descriptor: Descriptor, how: "transferred" | "exists" | "mounted"): void;
  /** Where a layer's unpack is, when the pull unpacks (see UnpackHooks). */
  layer?(descriptor: Descriptor, event: Parameters<NonNullable<UnpackHooks["onLayer"]>>[1]): void;
}
