/**
 * Pull: resolve the reference, pick the platform's manifest from an index, then fetch config and
 * layers (bounded parallelism, blobs already stored are skipped), store the manifest last and name
 * it, so a name never points at content that is not all there.
 */
import { ImagetoolError } from "../errors.ts";
import { SyncBatch, type ContentStore } from "../content/store.ts";
import { storageName, familiarName, type Reference } from "../reference.ts";
import { parseManifestBody, layerCompression, CONFIG_TYPES } from "../image/mediatype.ts";
import { hostPlatform, selectPlatformManifest } from "../image/platform.ts";
import { checkConfig } from "../image/manifest.ts";
import { setImageRef } from "../image/refs.ts";
import { forEachConcurrent } from "../image/concurrency.ts";
import { discardUnreferenced, takeLease } from "../content/gc.ts";
import type { Descriptor, ImageManifest, Platform } from "../image/types.ts";
import { openRepository, type RepositoryOptions, type Repository } from "./repository.ts";
import { fetchManifestByRef, MAX_MANIFEST_SIZE, resolve } from "./resolver.ts";
import { fetchBlob } from "./fetcher.ts";

/** Progress events; the command decides how to show them (bars on a TTY, lines otherwise). */
export interface PullProgress {
  resolved?(name: string, manifest: Descriptor): void;
  blobStart?(descriptor: Descriptor, kind: "config" | "layer"): void;
  blobBytes?(descriptor: Descriptor, bytes: number): void;
  blobDone?(descriptor: Descriptor, how: "transferred" | "exists" | "mounted"): void;
}

export interface PullOptions extends RepositoryOptions {
  platform?: Platform;
  /** Layers downloaded at once (Docker uses 3). */
  concurrency?: number;
  progress?: PullProgress;
}

export interface PullResult {
  name: string;
  manifest: Descriptor;
  config: Descriptor;
  layers: Descriptor[];
  /** Bytes actually downloaded (blobs already stored are not counted). */
  downloaded: number;
}

async function fetchBlobInto(store: ContentStore, repo: Repository, d: Descriptor, kind: "config" | "layer", written: Set<string>, progress?: PullProgress, batch?: SyncBatch): Promise<number> {
  progress?.blobStart?.(d, kind);
  if (store.has(d.digest)) {
    progress?.blobDone?.(d, "exists");
    return 0;
  }
  written.add(d.digest);
  await store.ingest(fetchBlob(repo, d), d, (n) => progress?.blobBytes?.(d, n), batch);
  progress?.blobDone?.(d, "transferred");
  return d.size;
}

/** Follows indexes down to the platform's image manifest; returns its descriptor and parsed body. */
async function platformManifest(repo: Repository, top: Descriptor, body: Uint8Array, platform: Platform, name: string) {
  let descriptor = top;
  let bytes = body;
  for (let depth = 0; depth < 4; depth++) {
    const parsed = parseManifestBody(bytes, descriptor.mediaType, `manifest ${descriptor.digest} of '${name}'`);
    if (parsed.kind === "manifest") return { descriptor, bytes, manifest: parsed.manifest };
    const chosen = selectPlatformManifest(parsed.index.manifests, platform, name);
    // Never read more than the index says the manifest has.
    const fetched = await fetchManifestByRef(repo, chosen.digest, Math.min(chosen.size, MAX_MANIFEST_SIZE));
    if (fetched.descriptor.size !== chosen.size) {
      throw new ImagetoolError("SIZE_MISMATCH", `manifest ${chosen.digest} of '${name}': index says ${chosen.size} bytes, got ${fetched.descriptor.size}`);
    }
    descriptor = chosen; // the index's descriptor, not the Content-Type, decides the type
    bytes = fetched.body;
  }
  throw new ImagetoolError("INVALID_MANIFEST", `'${name}': indexes nested too deep`);
}

function checkLayers(manifest: ImageManifest, name: string): void {
  if (!CONFIG_TYPES.includes(manifest.config.mediaType)) {
    throw new ImagetoolError("UNSUPPORTED", `'${name}' is not a container image: config media type '${manifest.config.mediaType}'`);
  }
  manifest.layers.forEach((l, i) => {
    try {
      layerCompression(l.mediaType);
    } catch (err) {
      throw new ImagetoolError("UNSUPPORTED", `'${name}' layer ${i} (${l.digest}): ${(err as Error).message}`);
    }
  });
}

export async function pullImage(store: ContentStore, ref: Reference, options: PullOptions = {}): Promise<PullResult> {
  const repo = openRepository(ref, options);
  const name = storageName(ref);
  const shown = familiarName(ref);
  const top = await resolve(repo);
  const { descriptor, bytes, manifest } = await platformManifest(repo, top.descriptor, top.body, options.platform ?? hostPlatform(), shown);
  checkLayers(manifest, shown);
  options.progress?.resolved?.(shown, descriptor);

  const releaseLease = takeLease(store);
  const written = new Set<string>();
  try {
    return await fetchAndName(store, repo, name, shown, descriptor, bytes, manifest, written, options);
  } catch (err) {
    releaseLease();
    await discardUnreferenced(store, written);
    throw err;
  } finally {
    releaseLease();
  }
}

async function fetchAndName(
  store: ContentStore, repo: Repository, name: string, shown: string,
  descriptor: Descriptor, bytes: Uint8Array, manifest: ImageManifest, written: Set<string>, options: PullOptions,
): Promise<PullResult> {
  let downloaded = await fetchBlobInto(store, repo, manifest.config, "config", written, options.progress);
  checkConfig(await store.readJSON(manifest.config.digest), manifest, `config ${manifest.config.digest} of '${shown}'`);
  // Layers are flushed together once all are verified, then renamed into place (store.ts SyncBatch).
  const batch = new SyncBatch();
  try {
    await forEachConcurrent(manifest.layers, options.concurrency ?? 4, async (layer) => {
      downloaded += await fetchBlobInto(store, repo, layer, "layer", written, options.progress, batch);
    });
    await batch.commit();
  } finally {
    batch.discard();
  }

  if (!store.has(descriptor.digest)) written.add(descriptor.digest);
  const stored = await store.writeBlob(bytes, { digest: descriptor.digest, size: descriptor.size });
  const manifestDescriptor: Descriptor = { mediaType: descriptor.mediaType, digest: stored.digest, size: stored.size };
  await setImageRef(store, name, manifestDescriptor);
  return { name, manifest: manifestDescriptor, config: manifest.config, layers: manifest.layers, downloaded };
}
