/**
 * Pull: resolve the reference, pick the platform's manifest from an index, then fetch config and
 * layers (bounded parallelism, blobs already stored are skipped), store the manifest last and name
 * it, so a name never points at content that is not all there. It sits above registry/ (which
 * only talks to registries) and snapshot/, as containerd's client/pull.go sits above
 * core/remotes/docker and core/unpack, which import neither.
 *
 * With `unpackInto`, the layers are also unpacked into that snapshotter while they download (as
 * `ctr pull` and `docker pull` do): the unpacker follows layer i's file as it is written
 * (content/growing-file.ts) once layer i-1 is applied, and commits the snapshot only when both
 * the blob digest and the diffID check out, so a later `bundle` finds the snapshots ready.
 */
import { ImagetoolError } from "./errors.ts";
import type { ContentStore } from "./content/store.ts";
import { SyncBatch } from "./content/sync-batch.ts";
import { followFile, GrowingFile } from "./content/growing-file.ts";
import { storageName, familiarName, type Reference } from "./reference.ts";
import { layerCompression, CONFIG_TYPES } from "./image/mediatype.ts";
import { hostPlatform } from "./image/platform.ts";
import { checkConfig } from "./image/manifest.ts";
import { setImageRef } from "./image/refs.ts";
import { forEachConcurrent } from "./image/concurrency.ts";
import { takeLease } from "./content/lease.ts";
import { ingestResumable } from "./content/partial.ts";
import { discardUnreferenced } from "./gc/blobs.ts";
import type { Descriptor, ImageManifest, Platform } from "./image/types.ts";
import type { RepositoryOptions, Repository } from "./registry/repository.ts";
import { platformManifest } from "./registry/resolver.ts";
import { resolvePullSource } from "./registry/pull-source.ts";
import { fetchBlob } from "./registry/fetcher.ts";
import { unpackImage } from "./snapshot/unpack-image.ts";
import type { TransferProgress } from "./transfer-progress.ts";
import type { Snapshotter } from "./snapshot/snapshotter.ts";
import { discardCommitted } from "./gc/snapshots.ts";
import { trace } from "./trace.ts";

export interface PullOptions extends RepositoryOptions {
  platform?: Platform;
  /** Layers downloaded at once (Docker uses 3). */
  concurrency?: number;
  progress?: TransferProgress;
  /**
   * Unpack the layers during the pull into the snapshotter this opens (see the top comment); it is
   * called while the manifest request is in flight (a first use probes overlay with a mount).
   */
  unpackInto?: () => Snapshotter;
}

export interface PullResult {
  name: string;
  manifest: Descriptor;
  config: Descriptor;
  layers: Descriptor[];
  /** Bytes actually downloaded (blobs already stored are not counted). */
  downloaded: number;
}

/**
 * Fetches a blob unless stored; returns the bytes downloaded and where the verified content is.
 * `growing` (layers) is settled here: finished with the verified content, or failed.
 */
async function fetchBlobInto(
  store: ContentStore, repo: Repository, d: Descriptor, kind: "config" | "layer", written: Set<string>,
  progress: TransferProgress | undefined, batch: SyncBatch, growing?: GrowingFile,
): Promise<{ bytes: number; path: string }> {
  try {
    progress?.blobStart?.(d, kind);
    if (store.has(d.digest)) {
      progress?.blobDone?.(d, "exists");
      growing?.finish(store.blobPath(d.digest), d.size);
      return { bytes: 0, path: store.blobPath(d.digest) };
    }
    written.add(d.digest);
    // A partial left by an earlier pull of this blob is continued with a Range request (content/partial.ts).
    const source = (offset: number, onStart: (start: number) => void) => fetchBlob(repo, d, { offset, onStart });
    const path = await ingestResumable(store, source, d, { onProgress: (n) => progress?.blobBytes?.(d, n), batch, growing });
    growing?.finish(path, d.size);
    progress?.blobDone?.(d, "transferred");
    trace(`pull: ${kind} ${d.digest} fetched (${d.size} bytes)`);
    return { bytes: d.size, path };
  } catch (err) {
    growing?.fail(err);
    throw err;
  }
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
  const name = storageName(ref);
  const shown = familiarName(ref);
  const resolving = resolvePullSource(ref, options);
  resolving.catch(() => {}); // awaited below: the snapshotter and the store are readied meanwhile
  const sn = options.unpackInto?.();
  if (sn) trace(`pull: ${sn.name} snapshotter open`);
  // The lease creates the store's layout on a first pull (~3 ms of mkdirs and small files here),
  // so it is taken while the manifest request is in flight rather than after it.
  const releaseLease = takeLease(store);
  const written = new Set<string>();
  const committed: string[] = [];
  try {
    const { repo, top } = await resolving;
    trace(`pull: resolved ${top.descriptor.digest}`);
    const { descriptor, bytes, manifest } = await platformManifest(repo, top.descriptor, top.body, options.platform ?? hostPlatform(), shown);
    checkLayers(manifest, shown);
    options.progress?.resolved?.(shown, descriptor);
    return await fetchAndName(store, repo, name, shown, descriptor, bytes, manifest, written, options, sn, committed);
  } catch (err) {
    releaseLease();
    // Nothing of a failed pull stays: neither its blobs nor the layers it had unpacked.
    await discardUnreferenced(store, written);
    if (sn) await discardCommitted(sn, committed, store);
    throw err;
  } finally {
    releaseLease();
  }
}

async function fetchAndName(
  store: ContentStore, repo: Repository, name: string, shown: string,
  descriptor: Descriptor, bytes: Uint8Array, manifest: ImageManifest, written: Set<string>, options: PullOptions,
  sn: Snapshotter | undefined, committed: string[],
): Promise<PullResult> {
  let downloaded = 0;
  // Layers are flushed together once all are verified, then renamed into place (store.ts SyncBatch);
  // until then the unpacker reads each verified layer from its temp file.
  const batch = new SyncBatch();
  try {
    // The config is fetched alongside the layers (as containerd's fetch handlers do: one round trip
    // less) and checked as soon as it is here; a bad config stops layer downloads not yet started.
    let stop: { error: unknown } | undefined;
    const halt = (error: unknown) => {
      stop ??= { error };
      throw error;
    };
    const config = (async () => {
      // In the batch too: its flush is not waited for before the unpack can start.
      const { bytes, path } = await fetchBlobInto(store, repo, manifest.config, "config", written, options.progress, batch);
      downloaded += bytes; // not `downloaded += await …`: that reads `downloaded` before the await
      return checkConfig(await store.readJSON(manifest.config.digest, path), manifest, `config ${manifest.config.digest} of '${shown}'`);
    })().catch(halt);
    // Each layer is unpacked while it downloads (growing-file.ts); the unpacker follows the file.
    const layerFiles = manifest.layers.map(() => new GrowingFile());
    const layers = forEachConcurrent(manifest.layers, options.concurrency ?? 4, async (layer, i) => {
      if (stop) throw stop.error;
      // Followed only when unpacking (a followed partial cannot be retried whole: partial.ts).
      const { bytes } = await fetchBlobInto(store, repo, layer, "layer", written, options.progress, batch, sn ? layerFiles[i] : undefined);
      downloaded += bytes;
    }).finally(() => {
      for (const f of layerFiles) f.fail(new ImagetoolError("DOWNLOAD_INCOMPLETE", "the download of this layer did not complete"));
    });
    const unpacked = sn === undefined ? undefined : config.then((c) => unpackImage(sn, {
      layers: manifest.layers,
      diffIDs: c.rootfs.diff_ids,
      blob: async (i) => followFile(layerFiles[i]!),
    }, {
      committed,
      onLayer: (i, event) => options.progress?.layer?.(manifest.layers[i]!, event),
    })).catch(halt);
    // Everything settles before anything is cleaned up: a download still running must not outlive
    // discard(). The first failure in this order is reported (an unpack waiting for a layer that
    // failed to download fails too, but the download's error is the one that says why).
    const failed = (await Promise.allSettled([config, layers, unpacked])).find((r) => r.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
    if (!store.has(descriptor.digest)) written.add(descriptor.digest);
    trace("pull: every blob verified and every layer unpacked");
    await store.writeBlob(bytes, { digest: descriptor.digest, size: descriptor.size }, batch);
    await batch.commit();
    trace("pull: blobs flushed");
  } finally {
    batch.discard();
  }

  const manifestDescriptor: Descriptor = { mediaType: descriptor.mediaType, digest: descriptor.digest, size: descriptor.size };
  await setImageRef(store, name, manifestDescriptor);
  trace(`pull: named ${name}`);
  return { name, manifest: manifestDescriptor, config: manifest.config, layers: manifest.layers, downloaded };
}
