/**
 * One layer blob, from its bytes to a tree: size- and digest-checked compressed stream, the
 * decompressor its media type names, the diffID checked on the uncompressed stream (image-spec
 * config.md rootfs.diff_ids), then entry-by-entry application.
 */
import { applyLayer, type ApplyOptions } from "./apply.ts";
import { compressionOf, decompress } from "./decompress.ts";
import { readTar } from "./tar-reader.ts";
import { verified } from "./verify.ts";

export interface LayerDescriptor {
  mediaType: string;
  digest: string;
  size: number;
}

export async function applyLayerBlob(
  blob: AsyncIterable<Uint8Array>,
  desc: LayerDescriptor,
  diffID: string | undefined,
  opts: Omit<ApplyOptions, "label">,
): Promise<number> {
  const label = `layer ${desc.digest}`;
  const compressed = verified(blob, { digest: desc.digest, size: desc.size, what: `${label} (blob)` });
  const plain = decompress(compressed, compressionOf(desc.mediaType));
  const tarStream = diffID === undefined ? plain : verified(plain, { digest: diffID, what: `${label} (uncompressed, diffID)` });
  const iterator = tarStream[Symbol.asyncIterator]();
  // readTar must not close the stream when it meets the end-of-archive blocks: the rest (padding)
  // still has to be read so both digests can be checked.
  const unclosable: AsyncIterable<Uint8Array> = { [Symbol.asyncIterator]: () => ({ next: () => iterator.next() }) };
  let entries: number;
  try {
    entries = await applyLayer(readTar(unclosable), { ...opts, label });
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) void r;
  } catch (e) {
    await iterator.return?.(undefined).catch(() => {});
    if ((e as Error).message.startsWith(label)) throw e;
    throw new Error(`${label}: ${(e as Error).message}`, { cause: e });
  }
  return entries;
}
