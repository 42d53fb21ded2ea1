/**
 * Streaming gzip and zstd decompression on Bun's thread pool, into two buffers reused for the whole
 * layer, while the main thread applies what the previous call produced.
 *
 * It drives the native decoder that node:zlib's streams are built on (NativeZlib, NativeZstd: the
 * same handle interface as node's internal zlib binding, which lib/zlib.js drives the same way):
 * `init(…, writeState, onDone)`, then `write(flush, in, inOff, inLen, out, outOff, outLen)` runs
 * on the pool and calls onDone with [availOut, availIn] in writeState, or `onerror`. Not through a
 * Transform stream, because:
 * - every output chunk of a stream is a new buffer the collector frees late: a 110 MiB layer
 *   peaked at 72 MiB RSS decompressing alone, 35–38 MiB this way;
 * - a stream hands each chunk over through its own machinery (0.37–0.43 s for that layer; here
 *   0.28–0.30 s, and most of it off the main thread, which the tar applier needs).
 * It is not a documented API: package.json pins the Bun version, and the unit tests
 * (test/unit/imagetool/lib/layer/decompress.test.ts) fail loudly if an upgrade changes it.
 */
import type { Compression } from "../image/mediatype.ts";

interface NativeDecoder {
  init(...args: unknown[]): void;
  write(flush: number, input: Uint8Array, inOff: number, inLen: number, out: Uint8Array, outOff: number, outLen: number): void;
  close(): void;
  onerror: (message: string, errno: number, code?: string) => void;
}
type NativeDecoderClass = new (mode: number) => NativeDecoder;

/** Each of the two output buffers (256 KiB: 1 MiB measured no faster, and 1.5 MiB more RSS). */
const OUT_CHUNK = 256 << 10;
const EMPTY = new Uint8Array(0);

const zlib = () => require("node:zlib") as typeof import("node:zlib");

const classes = new Map<Compression, NativeDecoderClass>();

/** The handle class behind node:zlib's gunzip or zstd streams (from a throw-away stream, closed at once). */
function decoderClass(c: Exclude<Compression, "none">): NativeDecoderClass {
  const known = classes.get(c);
  if (known) return known;
  const z = zlib();
  const stream = c === "gzip" ? z.createGunzip() : z.createZstdDecompress();
  const handle = (stream as unknown as { _handle?: NativeDecoder })._handle;
  stream.close();
  const cls = handle?.constructor as NativeDecoderClass | undefined;
  if (typeof cls !== "function" || typeof cls.prototype?.write !== "function" || typeof cls.prototype?.init !== "function") {
    throw new Error("this Bun's node:zlib has no native decoder handle (layer/pool-decoder.ts relies on it; package.json pins the Bun it was written for)");
  }
  classes.set(c, cls);
  return cls;
}

interface Decoder {
  handle: NativeDecoder;
  /** [availOut, availIn] after each write. */
  state: Uint32Array;
  more: number;
  end: number;
  /** The outcome of the write in flight. */
  next(): Promise<void>;
}

function openDecoder(c: Exclude<Compression, "none">): Decoder {
  const k = zlib().constants;
  const handle = new (decoderClass(c))(c === "gzip" ? k.GUNZIP : k.ZSTD_DECOMPRESS);
  const state = new Uint32Array(2);
  let settle: { resolve(): void; reject(e: Error): void } | undefined;
  const next = () => new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  const onDone = () => settle?.resolve();
  handle.onerror = (message, errno, code) => settle?.reject(Object.assign(new Error(message), { errno, code }));
  if (c === "gzip") {
    handle.init(k.Z_DEFAULT_WINDOWBITS, k.Z_DEFAULT_COMPRESSION, k.Z_DEFAULT_MEMLEVEL, k.Z_DEFAULT_STRATEGY, state, onDone, undefined);
    return { handle, state, more: k.Z_NO_FLUSH, end: k.Z_FINISH, next };
  }
  // As lib/zlib.js: one slot per ZSTD_d_* parameter, all unset (-1).
  const params = new Uint32Array(Math.max(...Object.entries(k).filter(([n]) => n.startsWith("ZSTD_d_")).map(([, v]) => v as number)) + 1).fill(-1);
  handle.init(params, undefined, state, onDone, undefined);
  return { handle, state, more: k.ZSTD_e_continue, end: k.ZSTD_e_end, next };
}

/**
 * The decompressed bytes of `source`. Each chunk is a view into one of two buffers, valid until the
 * next chunk is asked for: the pool fills one while the consumer reads the other. Concatenated gzip
 * members (and zstd frames) are decompressed one after another, and bytes after the last gzip
 * member are treated as node does (the handle does both). The input chunk is not read after the
 * call that consumed it returns, so the source may reuse its buffer.
 */
export async function* decompressOnPool(source: AsyncIterable<Uint8Array>, c: Exclude<Compression, "none">): AsyncGenerator<Uint8Array> {
  const d = openDecoder(c);
  const outs = [Buffer.allocUnsafe(OUT_CHUNK), Buffer.allocUnsafe(OUT_CHUNK)] as const;
  let which = 0;
  let inflight: Promise<void> | undefined;
  const start = (input: Uint8Array, inOff: number, inLen: number, flush: number) => {
    which ^= 1;
    inflight = d.next();
    d.handle.write(flush, input, inOff, inLen, outs[which]!, 0, OUT_CHUNK);
  };
  /** Runs one input chunk through; each finished call's output is yielded while the next runs. */
  async function* pass(input: Uint8Array, flush: number): AsyncGenerator<Uint8Array> {
    let inOff = 0;
    let inLen = input.length;
    start(input, inOff, inLen, flush);
    for (;;) {
      await inflight;
      inflight = undefined;
      const [availOut, availIn] = d.state as unknown as [number, number];
      inOff += inLen - availIn;
      inLen = availIn;
      const produced = outs[which]!.subarray(0, OUT_CHUNK - availOut);
      // Output full: there is more for this input, so the pool starts on it (into the other
      // buffer) before the consumer sees this chunk. Otherwise the input is used up (or the stream
      // ended) and the next input chunk starts the next call.
      const full = availOut === 0;
      if (full) start(input, inOff, inLen, flush);
      if (produced.length > 0) yield produced;
      if (!full) return;
    }
  }
  try {
    for await (const chunk of source) yield* pass(chunk, d.more);
    yield* pass(EMPTY, d.end);
  } finally {
    // A write still on the pool owns its buffers until it is done; the handle closes after it.
    await inflight?.catch(() => {});
    d.handle.close();
  }
}
