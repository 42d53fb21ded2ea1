/**
 * The content store: an OCI image layout directory (image-spec image-layout.md) holding blobs by
 * digest under blobs/<alg>/<hex>, plus our own `ingest/` directory for temp files and locks.
 * skopeo and umoci read it as `oci:<dir>:<name>`, and we read theirs.
 *
 * Writes follow containerd plugins/content/local/writer.go `Commit`: write to a temp file under
 * ingest/, hash and count while writing, fsync, check digest and size, then rename into place.
 * A blob path therefore only ever holds complete, verified content.
 *
 * A pull of many layers defers the renames to one point (sync-batch.ts).
 */
import { close, closeSync, existsSync, fdatasync, linkSync, mkdirSync, openSync, readdirSync, readSync, rmSync, unlinkSync, writeFileSync, writeSync } from "node:fs";
import { readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { ImagetoolError } from "../errors.ts";
import { errnoOf } from "../../../common/errors.ts";
import { digestOf, newHasher, parseDigest, type DigestAlgorithm } from "./digest.ts";
import type { GrowingFile } from "./growing-file.ts";
import type { SyncBatch } from "./sync-batch.ts";

export const OCI_LAYOUT_VERSION = "1.0.0";
export const INDEX_FILE = "index.json";

export interface BlobInfo {
  digest: string;
  size: number;
}

let tempCounter = 0;

export class ContentStore {
  readonly root: string;
  readonly ingestDir: string;

  /** `root` is the layout directory itself (`<--root>/content`). Nothing is created until a write. */
  constructor(root: string) {
    this.root = root;
    this.ingestDir = join(root, "ingest");
  }

  get indexPath(): string {
    return join(this.root, INDEX_FILE);
  }

  /** Path of a blob; throws on a malformed digest, so the result is always inside blobs/. */
  blobPath(digest: string): string {
    const { algorithm, hex } = parseDigest(digest);
    return join(this.root, "blobs", algorithm, hex);
  }

  has(digest: string): boolean {
    return existsSync(this.blobPath(digest));
  }

  /**
   * Whole blob in memory, re-verified against its digest (for manifests and configs, not layers).
   * `path`: where it is if not yet at its blob path (a pull's batch keeps it in ingest/ until the commit).
   */
  async readBlob(digest: string, path = this.blobPath(digest)): Promise<Uint8Array> {
    let data: Uint8Array;
    try {
      data = new Uint8Array(await readFile(path));
    } catch (err) {
      if (errnoOf(err) === "ENOENT") throw new ImagetoolError("BLOB_NOT_FOUND", `blob ${digest} is not in the content store ${this.root}`, { cause: err });
      throw err;
    }
    const actual = digestOf(data, parseDigest(digest).algorithm);
    if (actual !== digest) throw new ImagetoolError("DIGEST_MISMATCH", `content store blob ${path} is corrupt: its digest is ${actual}`);
    return data;
  }

  async readJSON<T>(digest: string, path?: string): Promise<T> {
    const data = await this.readBlob(digest, path);
    try {
      return JSON.parse(new TextDecoder().decode(data)) as T;
    } catch (err) {
      throw new ImagetoolError("INVALID_MANIFEST", `blob ${digest}: not valid JSON: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Streams a blob from disk (not re-verified: it was verified when it was written). */
  openBlob(digest: string): ReadableStream<Uint8Array> {
    const path = this.blobPath(digest);
    if (!existsSync(path)) throw new ImagetoolError("BLOB_NOT_FOUND", `blob ${digest} is not in the content store ${this.root}`);
    return Bun.file(path).stream();
  }

  /**
   * A blob as 1 MiB chunks read with plain read(2) calls, for unpacking: Bun.file().stream() cost
   * ~5% of a large unpack in smaller reads and stream machinery. Not re-verified here either; the
   * unpacker checks size and diffID as it reads. Each chunk is valid until the next is asked for.
   */
  readChunks(digest: string, chunkSize = 1 << 20): AsyncGenerator<Uint8Array> {
    return readFileChunks(this.blobPath(digest), chunkSize, () => `blob ${digest} is not in the content store ${this.root}`);
  }

  /** Stores bytes already in memory; checks them against `expected` when given. With a batch, see commitTemp. */
  async writeBlob(data: Uint8Array | string, expected?: { digest?: string; size?: number }, batch?: SyncBatch): Promise<BlobInfo> {
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    const algorithm = expected?.digest ? parseDigest(expected.digest).algorithm : "sha256";
    const digest = digestOf(bytes, algorithm);
    if (expected?.size !== undefined && expected.size !== bytes.length) {
      throw new ImagetoolError("SIZE_MISMATCH", `blob ${expected.digest ?? digest}: expected ${expected.size} bytes, got ${bytes.length}`);
    }
    if (expected?.digest !== undefined && expected.digest !== digest) {
      throw new ImagetoolError("DIGEST_MISMATCH", `blob content does not match ${expected.digest}: its digest is ${digest}`);
    }
    if (this.has(digest)) return { digest, size: bytes.length };
    await this.commitTemp(digest, (fd) => writeAll(fd, bytes), batch);
    return { digest, size: bytes.length };
  }

  /**
   * Streams a blob into the store, verifying size and digest as it goes. Reads at most
   * `expected.size` bytes: a source that sends more is cut off (skopeo 1.9 reads all 256 MiB a
   * hostile registry sends for a 194-byte blob). An existing blob makes this a no-op. Returns
   * where the verified content is: the blob path, or with a batch its temp file until the commit.
   * With `growing`, readers can follow the bytes while they are written (growing-file.ts); it is
   * told the temp file and each write, and the caller settles it.
   */
  async ingest(stream: ReadableStream<Uint8Array>, expected: BlobInfo, opts: IngestOptions = {}): Promise<string> {
    const { algorithm } = parseDigest(expected.digest);
    if (!Number.isSafeInteger(expected.size) || expected.size < 0) {
      throw new ImagetoolError("INVALID_ARGUMENT", `blob ${expected.digest}: invalid expected size ${expected.size}`);
    }
    if (this.has(expected.digest)) {
      await stream.cancel().catch(() => {});
      return this.blobPath(expected.digest);
    }
    const reader = stream.getReader();
    try {
      return await this.commitTemp(expected.digest, async (fd, tmp) => {
        opts.growing?.opened(tmp);
        const hasher = newHasher(algorithm as DigestAlgorithm);
        let written = 0;
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          if (written + value.length > expected.size) {
            throw new ImagetoolError("SIZE_MISMATCH", `blob ${expected.digest}: source sent more than the expected ${expected.size} bytes; discarded`);
          }
          hasher.update(value);
          writeAll(fd, value);
          written += value.length;
          opts.growing?.grew(value.length);
          opts.onProgress?.(value.length);
        }
        if (written !== expected.size) {
          throw new ImagetoolError("SIZE_MISMATCH", `blob ${expected.digest}: expected ${expected.size} bytes, got ${written}; discarded`);
        }
        const actual = hasher.digest();
        if (actual !== expected.digest) {
          throw new ImagetoolError("DIGEST_MISMATCH", `blob ${expected.digest}: content has digest ${actual}; discarded`);
        }
      }, opts.batch);
    } catch (err) {
      await reader.cancel().catch(() => {});
      throw err;
    } finally {
      reader.releaseLock();
    }
  }

  /** Every blob digest in the store (for gc). */
  listBlobs(): string[] {
    const out: string[] = [];
    for (const algorithm of ["sha256", "sha512"]) {
      const dir = join(this.root, "blobs", algorithm);
      if (!existsSync(dir)) continue;
      for (const hex of readdirSync(dir)) {
        const digest = `${algorithm}:${hex}`;
        try {
          parseDigest(digest);
          out.push(digest);
        } catch {
          // Not a blob name (a stray file from another tool); gc leaves it alone.
        }
      }
    }
    return out;
  }

  async deleteBlob(digest: string): Promise<void> {
    await rm(this.blobPath(digest), { force: true });
  }

  /** Creates oci-layout, an empty index.json and blobs/sha256 if they are missing. */
  ensureLayout(): void {
    mkdirSync(join(this.root, "blobs", "sha256"), { recursive: true });
    mkdirSync(this.ingestDir, { recursive: true });
    const layoutFile = join(this.root, "oci-layout");
    if (!existsSync(layoutFile)) this.createOnce(layoutFile, JSON.stringify({ imageLayoutVersion: OCI_LAYOUT_VERSION }));
    if (!existsSync(this.indexPath)) this.createOnce(this.indexPath, JSON.stringify({ schemaVersion: 2, manifests: [] }));
  }

  /** A unique temp path under ingest/ (same filesystem as blobs/, so rename is atomic). */
  tempPath(label: string): string {
    return join(this.ingestDir, `${label}.${process.pid}.${++tempCounter}.${Date.now().toString(36)}.tmp`);
  }

  /** Creates `path` with `content` unless it exists, never exposing a partial file (link is atomic and fails on EEXIST). */
  private createOnce(path: string, content: string): void {
    const tmp = this.tempPath("layout");
    writeFileSync(tmp, content);
    try {
      linkSync(tmp, path);
    } catch (err) {
      if (errnoOf(err) !== "EEXIST") throw err;
    } finally {
      unlinkSync(tmp);
    }
  }

  /**
   * Writes a temp file with `fill`, flushes it and renames it to the blob path; removes it on
   * failure. With a batch, the flush and rename are left to `batch.commit()`. The data is written
   * with write(2) from this thread (a page-cache copy; an awaited write per network chunk cost a
   * thread-pool round trip each), the flush runs on the thread pool.
   */
  private async commitTemp(digest: string, fill: (fd: number, tmp: string) => Promise<void> | void, batch?: SyncBatch): Promise<string> {
    this.ensureLayout();
    const { algorithm, hex } = parseDigest(digest);
    mkdirSync(join(this.root, "blobs", algorithm), { recursive: true });
    const tmp = this.tempPath(hex);
    const fd = openSync(tmp, "wx", 0o644);
    let closed = false;
    const flushAndClose = () => {
      closed = true;
      return new Promise<void>((resolve, reject) => fdatasync(fd, (err) => {
        close(fd, () => (err ? reject(err) : resolve()));
      }));
    };
    try {
      await fill(fd, tmp);
      if (batch) {
        // The flush starts now, on the thread pool, and overlaps the other downloads and the unpack.
        batch.add(tmp, this.blobPath(digest), flushAndClose());
        return tmp;
      }
      await flushAndClose();
      await rename(tmp, this.blobPath(digest));
      return this.blobPath(digest);
    } catch (err) {
      if (!closed) closeSync(fd);
      rmSync(tmp, { force: true });
      throw err;
    }
  }
}

export interface IngestOptions {
  /** Bytes written so far, after each write. */
  onProgress?: (bytes: number) => void;
  /** Defer the flush and rename to the batch's commit (see SyncBatch). */
  batch?: SyncBatch;
  /** Lets readers follow the blob while it is written. */
  growing?: GrowingFile;
}

function writeAll(fd: number, data: Uint8Array): void {
  for (let off = 0; off < data.length; ) off += writeSync(fd, data, off);
}

/**
 * A file as chunks of `chunkSize` bytes, each a view into one buffer read into again for the next
 * (valid until the next chunk is asked for); a missing file is BLOB_NOT_FOUND with `missing()` as
 * the message.
 */
async function* readFileChunks(path: string, chunkSize = 1 << 20, missing = () => `${path} does not exist`): AsyncGenerator<Uint8Array> {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (err) {
    if (errnoOf(err) === "ENOENT") throw new ImagetoolError("BLOB_NOT_FOUND", missing(), { cause: err });
    throw err;
  }
  const buf = Buffer.allocUnsafe(chunkSize);
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, chunkSize, null);
      if (n === 0) return;
      yield buf.subarray(0, n);
    }
  } finally {
    closeSync(fd);
  }
}

/** The content store of a storage root (`--root`): `<root>/content`. */
export function storeForRoot(root: string): ContentStore {
  return new ContentStore(join(root, "content"));
}
