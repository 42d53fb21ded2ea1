/**
 * Layer (de)compression by media type (image-spec layer.md; Docker image manifest v2.2). Which
 * media types exist and what they compress with is image/mediatype.ts's table; here are the streams.
 */
import { Readable } from "node:stream";
import { createGunzip, createGzip, createZstdCompress, createZstdDecompress } from "node:zlib";
import { layerCompression, OCI_LAYER, OCI_LAYER_GZIP, OCI_LAYER_ZSTD, type Compression } from "../image/mediatype.ts";

export type { Compression };

/** Compression of a layer media type; unknown types are an error (never a guess). */
export const compressionOf = layerCompression;

export const LAYER_MEDIA_TYPE: Record<Compression, string> = { none: OCI_LAYER, gzip: OCI_LAYER_GZIP, zstd: OCI_LAYER_ZSTD };

function throughNode(source: AsyncIterable<Uint8Array>, transform: NodeJS.ReadWriteStream): AsyncIterable<Uint8Array> {
  const input = Readable.from(source, { objectMode: false });
  input.on("error", (e) => (transform as unknown as Readable).destroy(e));
  return input.pipe(transform) as unknown as AsyncIterable<Uint8Array>;
}

export function decompress(source: AsyncIterable<Uint8Array>, c: Compression): AsyncIterable<Uint8Array> {
  if (c === "none") return source;
  // Large output chunks: fewer iterations and write(2) calls per layer (3.0 s instead of 5.0 s for 310 MB).
  return throughNode(source, c === "gzip" ? createGunzip({ chunkSize: 1 << 20 }) : createZstdDecompress({ chunkSize: 1 << 20 }));
}

export function compress(source: AsyncIterable<Uint8Array>, c: Compression): AsyncIterable<Uint8Array> {
  if (c === "none") return source;
  return throughNode(source, c === "gzip" ? createGzip({ level: 6 }) : createZstdCompress());
}
