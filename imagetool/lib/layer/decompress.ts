/**
 * Layer (de)compression by media type (image-spec layer.md; Docker image manifest v2.2). Which
 * media types exist and what they compress with is image/mediatype.ts's table; here are the streams.
 *
 * node:zlib and node:stream are required on first use only: loading them costs a compiled command
 * ~5 ms, which a pull of small gzip layers (inflated whole by libdeflate.ts) never needs.
 */
import type { Readable } from "node:stream";
import { layerCompression, OCI_LAYER, OCI_LAYER_GZIP, OCI_LAYER_ZSTD, type Compression } from "../image/mediatype.ts";
import { gunzipWhole } from "./libdeflate.ts";
import { decompressOnPool } from "./pool-decoder.ts";
import { invalidArgument } from "../errors.ts";

export type { Compression };

/** Compression of a layer media type; unknown types are an error (never a guess). */
export const compressionOf = layerCompression;

export const LAYER_MEDIA_TYPE: Record<Compression, string> = { none: OCI_LAYER, gzip: OCI_LAYER_GZIP, zstd: OCI_LAYER_ZSTD };

/**
 * Gzip blobs up to this size are read whole and inflated in one call, into at most
 * WHOLE_MAX_OUTPUT bytes (a layer that inflates to more is streamed instead). Larger blobs stream,
 * so that their unpack overlaps their download and memory stays flat.
 */
const WHOLE_MAX_INPUT = 4 << 20;
const WHOLE_MAX_OUTPUT = 64 << 20;

function throughNode(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, transform: NodeJS.ReadWriteStream): AsyncIterable<Uint8Array> {
  const stream = require("node:stream") as typeof import("node:stream");
  const input = stream.Readable.from(source, { objectMode: false });
  input.on("error", (e) => (transform as unknown as Readable).destroy(e));
  return input.pipe(transform) as unknown as AsyncIterable<Uint8Array>;
}

const zlib = () => require("node:zlib") as typeof import("node:zlib");

async function* once(chunk: Uint8Array): AsyncGenerator<Uint8Array> {
  yield chunk;
}

async function* gunzipSmall(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const chunks: Uint8Array[] = [];
  // Copies (new Uint8Array: a Buffer's slice() is a view): a source may read into the same buffer for the next chunk.
  for await (const chunk of source) chunks.push(new Uint8Array(chunk));
  const gz = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  // A gzip stream ends with its last member's length (ISIZE, mod 2^32): when that alone exceeds
  // the bound, inflating up to the bound first would be wasted work. (It may lie; the bound holds.)
  const isize = gz.length >= 18 ? new DataView(gz.buffer, gz.byteOffset + gz.length - 4, 4).getUint32(0, true) : 0;
  const whole = isize <= WHOLE_MAX_OUTPUT ? gunzipWhole(gz, WHOLE_MAX_OUTPUT) : undefined;
  if (whole !== undefined) yield whole;
  else yield* decompressOnPool(once(gz), "gzip");
}

/** The decompressed stream; `size` is the blob's size when known (small gzip blobs are inflated whole). */
export function decompress(source: AsyncIterable<Uint8Array>, c: Compression, size?: number): AsyncIterable<Uint8Array> {
  if (c === "none") return source;
  if (c === "gzip" && size !== undefined && size <= WHOLE_MAX_INPUT) return gunzipSmall(source);
  return decompressOnPool(source, c);
}

/** What `commit` and `push --compression` may write: gzip (the default, what every client reads) or zstd. */
export type WriteCompression = Exclude<Compression, "none">;

/** The `--compression` flag's value, checked (undefined: gzip). */
export function parseWriteCompression(value: string | undefined): WriteCompression {
  if (value === undefined || value === "gzip" || value === "zstd") return value ?? "gzip";
  throw invalidArgument(`--compression: expected gzip or zstd, got ${JSON.stringify(value)}`);
}

/**
 * zstd is written by node:zlib's streaming ZstdCompress (level 3), not Bun.zstdCompress: that one
 * takes the whole tar in memory and was slower (712 MB tar: 5.0–7.3 s streaming vs 7.3–9.3 s;
 * gzip level 6 took 13.7–15.3 s for a 7% larger result).
 */
export function compress(source: AsyncIterable<Uint8Array>, c: Compression): AsyncIterable<Uint8Array> {
  if (c === "none") return source;
  return throughNode(source, c === "gzip" ? zlib().createGzip({ level: 6 }) : zlib().createZstdCompress());
}
