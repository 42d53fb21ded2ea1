/**
 * A blob being downloaded, readable while it grows: the store's ingest reports where its temp file
 * is and how many bytes are written; `followFile` reads those bytes as they come and ends only
 * once the writer has verified the whole blob. A pull unpacks a layer this way while it is still
 * downloading (as containerd's unpack-during-fetch does) instead of after: download and unpack of
 * a large layer overlap completely (a small gzip layer is read whole and inflated in one call once
 * complete, layer/decompress.ts). Reading back from the file, rather than handing chunks over in
 * memory, keeps memory flat when the unpacker is behind (it applies layers in order; downloads
 * run in parallel).
 */
import { closeSync, openSync, readSync } from "node:fs";
import { ImagetoolError } from "../errors.ts";

export class GrowingFile {
  /** The file holding the bytes: the temp file while downloading, or the blob once stored. */
  path: string | undefined;
  /** Bytes written so far; all of them are readable at `path`. */
  length = 0;
  private outcome: { ok: true } | { ok: false; error: unknown } | undefined;
  private wakers: Array<() => void> = [];

  /** The writer created the file. */
  opened(path: string): void {
    this.path = path;
    this.wake();
  }

  /** The writer appended `n` bytes. */
  grew(n: number): void {
    this.length += n;
    this.wake();
  }

  /** The content is complete and verified at `path` (`length` bytes). */
  finish(path: string, length: number): void {
    if (this.outcome) return;
    this.path = path;
    this.length = length;
    this.outcome = { ok: true };
    this.wake();
  }

  /** The download failed: readers fail with `error`. A file already settled keeps its outcome. */
  fail(error: unknown): void {
    if (this.outcome) return;
    this.outcome = { ok: false, error };
    this.wake();
  }

  get settled(): boolean {
    return this.outcome !== undefined;
  }

  /** Resolves at the next change (opened, grew, settled). */
  changed(): Promise<void> {
    return new Promise((resolve) => this.wakers.push(resolve));
  }

  /** Throws the download's error, if it failed. */
  check(): void {
    if (this.outcome && !this.outcome.ok) throw this.outcome.error;
  }

  private wake(): void {
    for (const w of this.wakers.splice(0)) w();
  }
}

/**
 * The file's bytes as they are written, in chunks of at most `chunkSize`, each a view into one
 * buffer that is read into again for the next chunk (valid until the next is asked for: no
 * garbage per chunk for the collector to catch up with); ends once the writer
 * finished (verified), throws if it failed. Reads by offset (pread), so a rename of the temp file
 * into the blob path changes nothing for a reader that already has it open. A reader that caught
 * up waits for `minChunk` new bytes (or the end) rather than taking each network chunk on its
 * own: every chunk costs a trip through the decompressor's stream machinery.
 */
export async function* followFile(file: GrowingFile, chunkSize = 256 << 10, minChunk = 256 << 10): AsyncGenerator<Uint8Array> {
  let fd: number | undefined;
  let pos = 0;
  const buf = Buffer.allocUnsafe(chunkSize);
  try {
    for (;;) {
      file.check();
      if (fd === undefined && file.path !== undefined) fd = openSync(file.path, "r");
      if (fd !== undefined && pos < file.length && (file.length - pos >= minChunk || file.settled)) {
        const want = Math.min(chunkSize, file.length - pos);
        const n = readSync(fd, buf, 0, want, pos);
        if (n === 0) throw new ImagetoolError("CHANGED_WHILE_READING", `${file.path}: ended at ${pos} bytes, ${file.length} were written`, { context: { path: file.path } });
        pos += n;
        yield buf.subarray(0, n);
        continue;
      }
      if (file.settled) return; // finished (check() passed) and everything read
      await file.changed();
    }
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
