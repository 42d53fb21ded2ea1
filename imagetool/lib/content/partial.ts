/**
 * Partial blobs: a download that stops part-way (connection lost, pull killed) keeps what it wrote
 * under ingest/, and the next pull of the same blob continues from there with a Range request
 * instead of starting over (containerd keeps ingests the same way: plugins/content/local/writer.go
 * with its `ref` and offset).
 *
 *   ingest/partial.<alg>-<hex>             the bytes, at rest (no process is writing them)
 *   ingest/partial.<alg>-<hex>.<pid>.<n>   the same file while process <pid> writes it
 *   ingest/partial.<alg>-<hex>.json        {digest, size, length}: the prefix known to be on disk
 *
 * A writer claims the file by renaming it to its own name (rename is atomic: one claimant wins),
 * or takes over the file of a writer that died. `length` is recorded only after an fdatasync of
 * that many bytes (every 4 MiB and every second while bytes come, and when the download stops),
 * so a prefix is never trusted past what reached the disk; the tail beyond it is cut off. The
 * hash state is not serialisable (Bun.CryptoHasher), so the prefix is hashed again on resume
 * (the time is traced). The final digest check covers the whole blob: a kept prefix that does
 * not verify is dropped and the blob downloaded whole once more. `gc` removes partials left
 * alone for a day (gcPartials).
 */
import { closeSync, existsSync, fdatasync, fdatasyncSync, ftruncateSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { errnoOf } from "../../../common/errors.ts";
import { ImagetoolError } from "../errors.ts";
import { newHasher, parseDigest, type DigestAlgorithm } from "./digest.ts";
import type { BlobInfo, ContentStore, IngestOptions } from "./store.ts";
import { trace } from "../trace.ts";
import { pidAlive } from "./lease.ts";
import { streamed } from "../sys/garbage.ts";

/** Opens the source at byte `offset`; `onStart` is told where its bytes really begin (0 when Range was ignored). */
export type ResumableSource = (offset: number, onStart: (start: number) => void) => ReadableStream<Uint8Array>;

const CHECKPOINT_BYTES = 4 << 20;
const CHECKPOINT_MS = 1000;
export const PARTIAL_MAX_AGE_MS = 24 * 60 * 60 * 1000;
let claims = 0;

function tryRename(from: string, to: string): boolean {
  try {
    renameSync(from, to);
    return true;
  } catch (err) {
    if (errnoOf(err) === "ENOENT") return false;
    throw err;
  }
}

/** The partial of `base` for this process: at rest or a dead writer's; a fresh one; or undefined while a live writer has it. */
function claim(dir: string, base: string): { path: string; kept: boolean } | undefined {
  const mine = join(dir, `${base}.${process.pid}.${++claims}`);
  if (tryRename(join(dir, base), mine)) return { path: mine, kept: true };
  const owned = readdirSync(dir).filter((f) => f.startsWith(`${base}.`) && /\.\d+\.\d+$/.test(f));
  for (const f of owned) {
    const pid = Number(f.split(".").at(-2));
    if (pidAlive(pid)) return undefined;
    if (tryRename(join(dir, f), mine)) return { path: mine, kept: true };
  }
  writeFileSync(mine, "", { flag: "wx", mode: 0o644 });
  return { path: mine, kept: false };
}

/** The record replaces the old one whole (a reader, or the next pull after a kill, never sees half of it). */
function writeRecord(metaPath: string, expected: BlobInfo, length: number): void {
  writeFileSync(`${metaPath}.tmp`, JSON.stringify({ digest: expected.digest, size: expected.size, length }));
  renameSync(`${metaPath}.tmp`, metaPath);
}

function recordedLength(metaPath: string, expected: BlobInfo, fileSize: number): number {
  try {
    const meta = JSON.parse(readFileSync(metaPath, "utf8")) as { digest?: unknown; size?: unknown; length?: unknown };
    if (meta.digest !== expected.digest || meta.size !== expected.size || typeof meta.length !== "number") return 0;
    return Number.isSafeInteger(meta.length) && meta.length >= 0 && meta.length <= Math.min(fileSize, expected.size) ? meta.length : 0;
  } catch {
    return 0; // no record (killed before the first checkpoint), or not ours: start over
  }
}

/** Hashes the first `length` bytes of the file at `fd`. */
function hashPrefix(fd: number, length: number, algorithm: DigestAlgorithm): ReturnType<typeof newHasher> {
  const hasher = newHasher(algorithm);
  const buf = Buffer.allocUnsafe(1 << 20);
  for (let pos = 0; pos < length; ) {
    const n = readSync(fd, buf, 0, Math.min(buf.length, length - pos), pos);
    if (n === 0) throw new ImagetoolError("CHANGED_WHILE_READING", `partial blob ended at ${pos} of ${length} bytes`);
    hasher.update(buf.subarray(0, n));
    pos += n;
  }
  return hasher;
}

/**
 * Streams a blob into the store as ContentStore.ingest does (verified, published by rename, in the
 * batch when given), continuing a partial left by an earlier download. When another live process
 * is writing the same partial, this download does not share it: it goes the ordinary way.
 */
export async function ingestResumable(store: ContentStore, open: ResumableSource, expected: BlobInfo, opts: IngestOptions = {}, retried = false): Promise<string> {
  if (store.has(expected.digest)) return store.blobPath(expected.digest);
  const { algorithm, hex } = parseDigest(expected.digest);
  store.ensureLayout();
  const base = `partial.${algorithm}-${hex}`;
  const metaPath = join(store.ingestDir, `${base}.json`);
  const claimed = claim(store.ingestDir, base);
  if (!claimed) return store.ingest(open(0, () => {}), expected, opts);
  const { path } = claimed;
  const fd = openSync(path, "r+");
  let closed = false;
  const closeOnce = () => {
    if (!closed) closeSync(fd);
    closed = true;
  };
  let written = claimed.kept ? recordedLength(metaPath, expected, statSync(path).size) : 0;
  ftruncateSync(fd, written); // nothing past the recorded prefix is trusted
  const t0 = performance.now();
  let hasher = hashPrefix(fd, written, algorithm as DigestAlgorithm);
  if (written > 0) trace(`ingest: ${expected.digest} resumes at ${written} of ${expected.size} bytes (prefix hashed in ${(performance.now() - t0).toFixed(1)} ms)`);
  const resumedFrom = written;

  // Checkpoints: the length is recorded only once that many bytes are flushed.
  let synced = written;
  let syncing = false;
  let lastCheckpoint = Date.now();
  let finished = false;
  const record = (length: number) => {
    if (!finished) writeRecord(metaPath, expected, length);
  };
  const checkpoint = () => {
    if (syncing || written === synced || closed) return;
    syncing = true;
    lastCheckpoint = Date.now();
    const length = written;
    fdatasync(fd, (err) => {
      syncing = false;
      if (err || finished) return;
      synced = length;
      record(length);
    });
  };
  const timer = setInterval(checkpoint, CHECKPOINT_MS);
  timer.unref?.();

  opts.growing?.opened(path);
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  try {
    const stream = written === expected.size ? undefined : open(written, (start) => {
      if (start === written) {
        if (written > 0) {
          opts.growing?.grew(written);
          opts.onProgress?.(written);
        }
        return;
      }
      // The registry ignored Range: the whole blob comes again, from byte 0.
      trace(`ingest: ${expected.digest}: Range not honoured (HTTP 200), downloading from the start`);
      written = 0;
      synced = 0;
      ftruncateSync(fd, 0);
      hasher = newHasher(algorithm as DigestAlgorithm);
    });
    if (stream === undefined) {
      opts.growing?.grew(written);
      opts.onProgress?.(written);
    }
    reader = stream?.getReader() as ReadableStreamDefaultReader<Uint8Array> | undefined;
    for (;;) {
      if (!reader) break;
      const { done, value } = await reader.read();
      if (done) break;
      if (written + value.length > expected.size) throw new ImagetoolError("SIZE_MISMATCH", `blob ${expected.digest}: source sent more than the expected ${expected.size} bytes; discarded`);
      hasher.update(value);
      for (let off = 0; off < value.length; ) off += writeSync(fd, value, off, value.length - off, written + off);
      written += value.length;
      opts.growing?.grew(value.length);
      opts.onProgress?.(value.length);
      streamed(value.length);
      if (written - synced >= CHECKPOINT_BYTES || Date.now() - lastCheckpoint >= CHECKPOINT_MS) checkpoint();
    }
    if (written !== expected.size) throw new ImagetoolError("SIZE_MISMATCH", `blob ${expected.digest}: expected ${expected.size} bytes, got ${written}; discarded`);
    const actual = hasher.digest();
    if (actual !== expected.digest) throw new ImagetoolError("DIGEST_MISMATCH", `blob ${expected.digest}: content has digest ${actual}; discarded`);
  } catch (err) {
    finished = true;
    clearInterval(timer);
    await reader?.cancel().catch(() => {});
    const bad = ImagetoolError.is(err, "DIGEST_MISMATCH") || ImagetoolError.is(err, "SIZE_MISMATCH");
    if (bad) {
      closeOnce();
      rmSync(path, { force: true });
      rmSync(metaPath, { force: true });
      // A kept prefix may be what was wrong (a machine crash can leave garbage past the last flush): once more,
      // whole. Not when a reader follows the file (an unpack during the pull): it has read the bad bytes already.
      if (resumedFrom > 0 && ImagetoolError.is(err, "DIGEST_MISMATCH")) {
        if (!retried && !opts.growing) {
          trace(`ingest: ${expected.digest}: resumed content does not verify; downloading it whole`);
          return ingestResumable(store, open, expected, opts, true);
        }
        throw new ImagetoolError("DIGEST_MISMATCH", `${err.message}: it continued ${resumedFrom} bytes kept by an earlier, interrupted pull, which are now discarded; pull again`, { cause: err });
      }
      throw err;
    }
    // Kept for the next pull: flushed, recorded, at rest.
    try {
      fdatasyncSync(fd);
      closeOnce();
      writeRecord(metaPath, expected, written);
      renameSync(path, join(store.ingestDir, base));
    } catch {
      closeOnce(); // cannot keep it: the next pull starts over
    }
    throw err;
  }
  finished = true;
  clearInterval(timer);
  rmSync(metaPath, { force: true });
  const blob = store.blobPath(expected.digest);
  const flushed = new Promise<void>((resolve, reject) => fdatasync(fd, (err) => {
    closeOnce();
    return err ? reject(err) : resolve();
  }));
  if (opts.batch) {
    // A pull that fails elsewhere keeps this verified blob as a complete partial for the next one.
    opts.batch.add(path, blob, flushed, () => {
      if (tryRename(path, join(store.ingestDir, base))) writeRecord(metaPath, expected, expected.size);
    });
    return path;
  }
  await flushed;
  renameSync(path, blob);
  return blob;
}

/** Removes partials nobody has written for `maxAgeMs` (and whose writer, if any, is dead). */
export function gcPartials(store: ContentStore, options: { dryRun?: boolean; maxAgeMs?: number; now?: number } = {}): { removed: string[]; freedBytes: number } {
  const removed: string[] = [];
  let freedBytes = 0;
  if (!existsSync(store.ingestDir)) return { removed, freedBytes };
  const cutoff = (options.now ?? Date.now()) - (options.maxAgeMs ?? PARTIAL_MAX_AGE_MS);
  for (const f of readdirSync(store.ingestDir)) {
    const m = /^partial\.([a-z0-9]+-[a-f0-9]+)(?:\.(\d+)\.\d+|\.json)?$/.exec(f);
    if (!m || !existsSync(join(store.ingestDir, f))) continue; // a record removed with its partial above
    if (m[2] !== undefined && pidAlive(Number(m[2]))) continue;
    const path = join(store.ingestDir, f);
    const st = statSync(path);
    if (st.mtimeMs >= cutoff) continue;
    if (f.endsWith(".json")) {
      // A record is removed with its partial, or alone once old (its partial was never kept).
      if (!options.dryRun) rmSync(path, { force: true });
      continue;
    }
    removed.push(f);
    freedBytes += st.size;
    if (options.dryRun) continue;
    rmSync(path, { force: true });
    rmSync(join(store.ingestDir, `partial.${m[1]}.json`), { force: true });
  }
  return { removed, freedBytes };
}
