/**
 * Verified blobs being flushed, renamed into place together once all are flushed. A pull of many
 * layers defers the store's renames to this one point: each verified temp file starts its
 * fdatasync (on the thread pool) as soon as it is complete and stays under ingest/ until the batch
 * commits, which waits for all the flushes and only then renames the files into place. So the
 * store's never-partial guarantee is the same, and the flushes overlap the other downloads and the
 * unpack instead of stalling each layer's stream.
 */
import { rmSync } from "node:fs";
import { rename } from "node:fs/promises";

export class SyncBatch {
  private readonly pending: Array<{ tmp: string; path: string; flushed: Promise<void>; discard?: () => void }> = [];

  /**
   * `flushed`: the temp file's fdatasync, already started (commit waits for it, discard does not).
   * `discard`: what a discard does with it instead of removing it (a partial blob keeps it: partial.ts).
   */
  add(tmp: string, path: string, flushed: Promise<void>, discard?: () => void): void {
    flushed.catch(() => {}); // reported by commit; after a discard nobody waits for it
    this.pending.push({ tmp, path, flushed, ...(discard ? { discard } : {}) });
  }

  /** Waits for every pending flush, then renames each temp file to its blob path. */
  async commit(): Promise<void> {
    await Promise.all(this.pending.map((p) => p.flushed));
    for (const { tmp, path } of this.pending.splice(0)) await rename(tmp, path);
  }

  /** Removes every pending temp file (the pull failed). */
  discard(): void {
    for (const { tmp, discard } of this.pending.splice(0)) {
      if (discard) discard();
      else rmSync(tmp, { force: true });
    }
  }
}
