/**
 * Push: a stored image to a registry reference. Config and layers first (bounded parallelism),
 * the manifest bytes unchanged (so the digest is the same everywhere) last; with `all`, every
 * platform of a multi-platform image and then its index.
 */
import { ImagetoolError } from "./errors.ts";
import type { ContentStore } from "./content/store.ts";
import { parseReference, registryHost, familiarName, type Reference } from "./reference.ts";
import { findEntry, listImages, resolveImage, type ResolvedImage } from "./image/refs.ts";
import { formatPlatform } from "./image/platform.ts";
import { loadImageManifest } from "./image/manifest.ts";
import { INDEX_TYPES, parseManifestBody } from "./image/mediatype.ts";
import { forEachConcurrent } from "./image/concurrency.ts";
import type { Descriptor, Platform } from "./image/types.ts";
import { openRepository, type RepositoryOptions } from "./registry/repository.ts";
import { pushBlob, pushManifest, type PushOutcome } from "./registry/pusher.ts";
import type { TransferProgress } from "./transfer-progress.ts";
import { recompressImage } from "./recompress.ts";
import type { WriteCompression } from "./layer/decompress.ts";

export interface PushOptions extends RepositoryOptions {
  platform?: Platform;
  concurrency?: number;
  chunkSize?: number;
  progress?: TransferProgress;
  /** Layers in another compression are recompressed into the store first (recompress.ts). */
  compression?: WriteCompression;
}

export interface PushResult {
  digest: string;
  outcomes: Record<string, PushOutcome>;
}

/** The repository path the stored image came from, if it is on the same registry as `dest`. */
function mountSource(storedName: string | undefined, dest: Reference): string | undefined {
  if (!storedName) return undefined;
  try {
    const src = parseReference(storedName);
    return registryHost(src) === registryHost(dest) ? src.path : undefined;
  } catch {
    return undefined;
  }
}

interface PushTarget {
  repo: ReturnType<typeof openRepository>;
  mountFrom: string | undefined;
  outcomes: Record<string, PushOutcome>;
  options: PushOptions;
}

/** Config and layers (bounded parallelism), each blob once however many manifests share it. */
async function pushBlobs(store: ContentStore, t: PushTarget, blobs: Array<{ descriptor: Descriptor; kind: "config" | "layer" }>): Promise<void> {
  const unique = [...new Map(blobs.map((b) => [b.descriptor.digest, b])).values()].filter((b) => t.outcomes[b.descriptor.digest] === undefined);
  await forEachConcurrent(unique, t.options.concurrency ?? 4, async ({ descriptor: d, kind }) => {
    t.options.progress?.blobStart?.(d, kind);
    const outcome = await pushBlob(store, t.repo, d, {
      ...(t.mountFrom ? { mountFrom: t.mountFrom } : {}),
      ...(t.options.chunkSize ? { chunkSize: t.options.chunkSize } : {}),
      onBytes: (n) => t.options.progress?.blobBytes?.(d, n),
    });
    t.outcomes[d.digest] = outcome;
    t.options.progress?.blobDone?.(d, outcome === "uploaded" ? "transferred" : outcome);
  });
}

/** A manifest's bytes unchanged under `target` (tag or digest); the registry must agree on the digest. */
async function pushManifestBytes(store: ContentStore, t: PushTarget, d: Descriptor, target: string): Promise<void> {
  const reported = await pushManifest(t.repo, target, await store.readBlob(d.digest), d.mediaType);
  if (reported && reported !== d.digest) throw new ImagetoolError("DIGEST_MISMATCH", `registry stored the manifest as ${reported}, expected ${d.digest}`);
}

/**
 * With `all`, an image stored as an index (a multi-platform image loaded from an archive or
 * written by skopeo) is pushed whole, as `skopeo copy --all` does: every platform's blobs and
 * manifest, then the index. Without it, the platform's manifest alone (skopeo's default).
 */
export async function pushImage(store: ContentStore, source: string, dest: Reference, options: PushOptions & { all?: boolean } = {}): Promise<PushResult> {
  const top = options.all ? await resolveTop(store, source) : undefined;
  const resolved = top?.platforms ?? [await resolveImage(store, source, options.platform)];
  if (top && options.compression) throw new ImagetoolError("INVALID_ARGUMENT", "recompressing a whole multi-platform image (--all with --compression) is not supported: push one platform");
  const images = options.compression === undefined ? resolved : [await recompressImage(store, resolved[0]!, options.compression)];
  const pushed = top?.index ?? images[0]!.manifestDescriptor;
  if (dest.tag === undefined && dest.digest !== pushed.digest) {
    throw new ImagetoolError("DIGEST_MISMATCH", `cannot push '${source}' as ${familiarName(dest)}: the image's manifest digest is ${pushed.digest}`);
  }
  const t: PushTarget = { repo: openRepository(dest, { ...options, push: true }), mountFrom: mountSource(images[0]!.name, dest), outcomes: {}, options };
  await pushBlobs(store, t, images.flatMap((i) => [
    { descriptor: i.configDescriptor, kind: "config" as const },
    ...i.manifest.layers.map((l) => ({ descriptor: l, kind: "layer" as const })),
  ]));
  // The platforms' manifests by digest before the index that names them.
  if (top) for (const i of images) await pushManifestBytes(store, t, i.manifestDescriptor, i.manifestDescriptor.digest);
  await pushManifestBytes(store, t, pushed, dest.tag ?? dest.digest!);
  return { digest: pushed.digest, outcomes: t.outcomes };
}

/** For --all: the stored index and each of its platforms, all of whose blobs must be in the store. */
async function resolveTop(store: ContentStore, source: string): Promise<{ index: Descriptor; platforms: ResolvedImage[] } | undefined> {
  const entry = findEntry(listImages(store), source);
  if (entry === undefined) return undefined;
  const shown = entry.name ?? entry.descriptor.digest;
  const body = parseManifestBody(await store.readBlob(entry.descriptor.digest), entry.descriptor.mediaType, `manifest ${entry.descriptor.digest} of '${shown}'`);
  if (body.kind !== "index") return undefined;
  const platforms: ResolvedImage[] = [];
  for (const d of body.index.manifests) {
    const where = d.platform ? formatPlatform(d.platform) : d.digest;
    if (INDEX_TYPES.includes(d.mediaType)) throw new ImagetoolError("UNSUPPORTED", `cannot push all of '${shown}': ${where} is a nested index; push one platform without --all`);
    let image: ResolvedImage;
    try {
      image = { ...(entry.name ? { name: entry.name } : {}), ...(await loadImageManifest(store, d, shown)) };
    } catch (err) {
      throw new ImagetoolError("BLOB_NOT_FOUND", `cannot push all of '${shown}': platform ${where}: ${(err as Error).message}; push one platform without --all`, { cause: err });
    }
    const missing = [image.configDescriptor, ...image.manifest.layers].filter((b) => !store.has(b.digest)).map((b) => b.digest);
    if (missing.length > 0) {
      throw new ImagetoolError("BLOB_NOT_FOUND", `cannot push all of '${shown}': platform ${where} lacks ${missing.join(", ")} in this store (it was pulled for one platform?); push one platform without --all`);
    }
    platforms.push(image);
  }
  return { index: entry.descriptor, platforms };
}
