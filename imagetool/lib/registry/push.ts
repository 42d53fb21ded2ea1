/**
 * Push: a stored image to a registry reference. Config and layers first (bounded parallelism),
 * the manifest bytes unchanged (so the digest is the same everywhere) last.
 */
import { ImagetoolError } from "../errors.ts";
import type { ContentStore } from "../content/store.ts";
import { parseReference, registryHost, familiarName, type Reference } from "../reference.ts";
import { resolveImage } from "../image/refs.ts";
import { forEachConcurrent } from "../image/concurrency.ts";
import type { Descriptor, Platform } from "../image/types.ts";
import { openRepository, type RepositoryOptions } from "./repository.ts";
import { pushBlob, pushManifest, type PushOutcome } from "./pusher.ts";
import type { PullProgress } from "./pull.ts";

export interface PushOptions extends RepositoryOptions {
  platform?: Platform;
  concurrency?: number;
  chunkSize?: number;
  progress?: PullProgress;
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

export async function pushImage(store: ContentStore, source: string, dest: Reference, options: PushOptions = {}): Promise<PushResult> {
  const image = await resolveImage(store, source, options.platform);
  const repo = openRepository(dest, { ...options, push: true });
  const mountFrom = mountSource(image.name, dest);
  const outcomes: Record<string, PushOutcome> = {};
  const blobs = [image.configDescriptor, ...image.manifest.layers];
  await forEachConcurrent(blobs, options.concurrency ?? 4, async (d) => {
    options.progress?.blobStart?.(d, d === image.configDescriptor ? "config" : "layer");
    outcomes[d.digest] = await pushBlob(store, repo, d, {
      ...(mountFrom ? { mountFrom } : {}),
      ...(options.chunkSize ? { chunkSize: options.chunkSize } : {}),
      onBytes: (n) => options.progress?.blobBytes?.(d, n),
    });
    const outcome = outcomes[d.digest]!;
    options.progress?.blobDone?.(d, outcome === "uploaded" ? "transferred" : outcome);
  });
  const body = await store.readBlob(image.manifestDescriptor.digest);
  const target = dest.tag ?? dest.digest!;
  if (dest.tag === undefined && dest.digest !== image.manifestDescriptor.digest) {
    throw new ImagetoolError("DIGEST_MISMATCH", `cannot push '${source}' as ${familiarName(dest)}: the image's manifest digest is ${image.manifestDescriptor.digest}`);
  }
  const reported = await pushManifest(repo, target, body, image.manifestDescriptor.mediaType);
  if (reported && reported !== image.manifestDescriptor.digest) {
    throw new ImagetoolError("DIGEST_MISMATCH", `registry stored the manifest as ${reported}, expected ${image.manifestDescriptor.digest}`);
  }
  return { digest: image.manifestDescriptor.digest, outcomes };
}
