/**
 * One layer blob, from its bytes to a tree: size- and digest-checked compressed stream, the
 * decompressor its media type names, the diffID checked on the uncompressed stream (image-spec
 * config.md rootfs.diff_ids), then entry-by-entry application.
 */
import { layerApplier, type ApplyOptions } from "./apply.ts";
import { labelOf, plainTar, type LayerDescriptor } from "./plain-tar.ts";
import { TarParser } from "../tar/reader.ts";
import { ImagetoolError } from "../errors.ts";
import { errnoOf } from "../../../common/errors.ts";

export type { LayerDescriptor };

/**
 * Applies a verified tar stream and returns its number of entries. The whole stream is read even
 * after the end-of-archive blocks (padding may follow), so both digests are always checked; the
 * caller trusts the tree only once this returns.
 */
async function applyTar(tar: AsyncIterable<Uint8Array>, label: string, opts: Omit<ApplyOptions, "label">): Promise<number> {
  const applier = layerApplier({ ...opts, label });
  const parser = new TarParser(applier.onEntry);
  try {
    for await (const chunk of tar) parser.push(chunk);
    parser.end();
  } catch (e) {
    applier.abort();
    if ((e as Error).message.startsWith(label)) throw e;
    throw new ImagetoolError(ImagetoolError.is(e) ? e.code : "LAYER_FAILED", `${label}: ${(e as Error).message}`, { cause: e, context: { layer: label, errno: errnoOf(e) } });
  }
  applier.finish();
  return applier.entries;
}

/** Applies a layer given as a stream of its blob's bytes. */
export function applyLayerBlob(blob: AsyncIterable<Uint8Array>, desc: LayerDescriptor, diffID: string | undefined, opts: Omit<ApplyOptions, "label">): Promise<number> {
  return applyTar(plainTar(blob, desc, diffID), labelOf(desc), opts);
}
