/**
 * An image with its layers in another compression, as `skopeo copy --dest-compress-format` makes
 * it for a push: each layer stored in a different compression is decompressed and compressed
 * again into the store, and must come out as the config's diff_id (diff_ids name the uncompressed
 * tar, so the config does not change). Layers already in that compression keep their bytes.
 * The new manifest is OCI, since a Docker manifest has no zstd media type; it is stored as a blob
 * but not named (what gets a name is the pushed reference). Non-distributable layers are kept as
 * they are: they are not pushed with the image's content.
 */
import type { ContentStore } from "./content/store.ts";
import { compressionOf, LAYER_MEDIA_TYPE, decompress, type Compression } from "./layer/decompress.ts";
import { storeLayer } from "./layer/store-layer.ts";
import { CONFIG_TYPES, DOCKER_LAYER_FOREIGN_GZIP, DOCKER_LAYER_GZIP, OCI_CONFIG, OCI_LAYER_NONDIST, OCI_LAYER_NONDIST_GZIP, OCI_LAYER_NONDIST_ZSTD, OCI_MANIFEST } from "./image/mediatype.ts";
import type { ResolvedImage } from "./image/refs.ts";
import type { Descriptor, ImageManifest } from "./image/types.ts";
import { ImagetoolError } from "./errors.ts";

const NON_DISTRIBUTABLE = new Set([OCI_LAYER_NONDIST, OCI_LAYER_NONDIST_GZIP, OCI_LAYER_NONDIST_ZSTD, DOCKER_LAYER_FOREIGN_GZIP]);

async function* blobChunks(store: ContentStore, digest: string): AsyncGenerator<Uint8Array> {
  yield* store.readChunks(digest);
}

/** decompress() yields views into one reused buffer; the compressor's stream queues chunks, so it gets copies. */
async function* copies(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) yield new Uint8Array(chunk);
}

async function convertLayer(store: ContentStore, layer: Descriptor, diffID: string, to: Compression): Promise<Descriptor> {
  if (NON_DISTRIBUTABLE.has(layer.mediaType)) return layer;
  const from = compressionOf(layer.mediaType);
  if (from === to) return layer.mediaType === DOCKER_LAYER_GZIP ? { ...layer, mediaType: LAYER_MEDIA_TYPE[to] } : layer;
  const stored = await storeLayer(store, copies(decompress(blobChunks(store, layer.digest), from, layer.size)), to);
  if (stored.diffID !== diffID) {
    throw new ImagetoolError("DIGEST_MISMATCH", `layer ${layer.digest} decompresses to ${stored.diffID}, but the image config's diff_id is ${diffID}`);
  }
  return stored.descriptor;
}

/** `image` with every distributable layer in `to`; the same image (same digest) when nothing changes. */
export async function recompressImage(store: ContentStore, image: ResolvedImage, to: Exclude<Compression, "none">): Promise<ResolvedImage> {
  const diffIDs = image.config.rootfs.diff_ids;
  const layers: Descriptor[] = [];
  for (const [i, l] of image.manifest.layers.entries()) layers.push(await convertLayer(store, l, diffIDs[i]!, to));
  const changed = layers.some((l, i) => l !== image.manifest.layers[i]);
  if (!changed && image.manifestDescriptor.mediaType === OCI_MANIFEST) return image;
  const configDescriptor: Descriptor = CONFIG_TYPES.includes(image.configDescriptor.mediaType)
    ? { ...image.configDescriptor, mediaType: OCI_CONFIG }
    : image.configDescriptor;
  const manifest: ImageManifest = { ...image.manifest, mediaType: OCI_MANIFEST, config: configDescriptor, layers };
  const blob = await store.writeBlob(JSON.stringify(manifest));
  return { ...image, manifest, configDescriptor, manifestDescriptor: { mediaType: OCI_MANIFEST, digest: blob.digest, size: blob.size } };
}
