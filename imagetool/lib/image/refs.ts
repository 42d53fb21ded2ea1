/**
 * Image names. An image is an entry of the layout's index.json whose descriptor carries the
 * `org.opencontainers.image.ref.name` annotation (image-spec annotations.md) holding the full
 * normalized reference (docker.io/library/busybox:latest), which is also what skopeo and umoci
 * take after `oci:<dir>:`. index.json is rewritten whole (temp + rename) under a lock, so readers
 * never see a partial file and concurrent writers don't lose each other's names.
 */
import { closeSync, fdatasyncSync, fsyncSync, openSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { ImagetoolError } from "../errors.ts";
import { errnoOf } from "../../../common/errors.ts";
import { parseReference, storageName } from "../reference.ts";
import { ContentStore } from "../content/store.ts";
import { withFileLock } from "../content/lock.ts";
import { parseDigest } from "../content/digest.ts";
import { checkDescriptor, OCI_INDEX } from "./mediatype.ts";
import { loadImageManifest } from "./manifest.ts";
import type { Descriptor, ImageConfig, ImageIndex, ImageManifest, Platform } from "./types.ts";

export const REF_NAME_ANNOTATION = "org.opencontainers.image.ref.name";

export interface ImageEntry {
  /** The ref.name annotation, if the entry has one. */
  name?: string;
  /** The index.json entry (a manifest, or an index for multi-platform images). */
  descriptor: Descriptor;
}

export interface ResolvedImage {
  name?: string;
  /** The image manifest's descriptor (the platform's manifest when the entry is an index). */
  manifestDescriptor: Descriptor;
  manifest: ImageManifest;
  configDescriptor: Descriptor;
  config: ImageConfig;
}

/** Reads index.json; a store without one has no images. */
export function readIndex(store: ContentStore): ImageIndex {
  let text: string;
  try {
    text = readFileSync(store.indexPath, "utf8");
  } catch (err) {
    if (errnoOf(err) === "ENOENT") return { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] };
    throw err;
  }
  let index: ImageIndex;
  try {
    index = JSON.parse(text) as ImageIndex;
  } catch (err) {
    throw new ImagetoolError("INVALID_MANIFEST", `${store.indexPath}: not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (!Array.isArray(index.manifests)) throw new ImagetoolError("INVALID_MANIFEST", `${store.indexPath}/manifests: expected an array`);
  index.manifests.forEach((d, i) => checkDescriptor(d, `${store.indexPath}/manifests/${i}`));
  return index;
}

export function listImages(store: ContentStore): ImageEntry[] {
  return readIndex(store).manifests.map((descriptor) => {
    const name = descriptor.annotations?.[REF_NAME_ANNOTATION];
    return name !== undefined ? { name, descriptor } : { descriptor };
  });
}

/** Applies `change` to index.json under the store's lock and writes it atomically. */
export async function updateIndex(store: ContentStore, change: (index: ImageIndex) => void): Promise<void> {
  store.ensureLayout();
  await withFileLock(join(store.ingestDir, "index.json.lock"), async () => {
    const index = readIndex(store);
    change(index);
    const tmp = store.tempPath("index");
    writeDurably(tmp, JSON.stringify({ ...index, schemaVersion: 2, mediaType: OCI_INDEX }, null, 2));
    renameSync(tmp, store.indexPath);
    syncDirectory(dirname(store.indexPath));
  });
}

/**
 * The names must survive a crash as surely as the blobs they point at (which the store fsyncs
 * before their rename): the new index is flushed before it replaces the old one, and the
 * directory after, so neither an empty index.json nor a lost rename can follow a power cut.
 */
function writeDurably(path: string, text: string): void {
  const fd = openSync(path, "w", 0o644);
  try {
    writeFileSync(fd, text);
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function syncDirectory(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Names `descriptor` `name` (replacing whatever had that name). */
export async function setImageRef(store: ContentStore, name: string, descriptor: Descriptor): Promise<void> {
  const entry: Descriptor = {
    mediaType: descriptor.mediaType,
    digest: descriptor.digest,
    size: descriptor.size,
    ...(descriptor.platform ? { platform: descriptor.platform } : {}),
    annotations: { ...descriptor.annotations, [REF_NAME_ANNOTATION]: name },
  };
  await updateIndex(store, (index) => {
    index.manifests = index.manifests.filter((d) => d.annotations?.[REF_NAME_ANNOTATION] !== name);
    index.manifests.push(entry);
  });
}

/** Removes the name; returns false if no image had it. */
export async function removeImageRef(store: ContentStore, name: string): Promise<boolean> {
  let removed = false;
  await updateIndex(store, (index) => {
    const before = index.manifests.length;
    index.manifests = index.manifests.filter((d) => d.annotations?.[REF_NAME_ANNOTATION] !== name);
    removed = index.manifests.length !== before;
  });
  return removed;
}

/** The stored name a user's input refers to: exact, else normalized (busybox → docker.io/library/busybox:latest). */
export function findByName(entries: ImageEntry[], input: string): ImageEntry | undefined {
  const exact = entries.find((e) => e.name === input);
  if (exact) return exact;
  let normalized: string;
  try {
    normalized = storageName(parseReference(input));
  } catch {
    return undefined;
  }
  return entries.find((e) => e.name === normalized);
}

async function resolveEntry(store: ContentStore, entry: ImageEntry, platform?: Platform): Promise<ResolvedImage> {
  const loaded = await loadImageManifest(store, entry.descriptor, entry.name ?? entry.descriptor.digest, platform);
  return { ...(entry.name !== undefined ? { name: entry.name } : {}), ...loaded };
}

/** The stored entry a name or the digest of what it names (manifest or index) refers to. */
export function findEntry(entries: ImageEntry[], query: string): ImageEntry | undefined {
  const hexQuery = query.startsWith("sha256:") ? query.slice(7) : query;
  return findByName(entries, query) ?? entries.find((e) => e.descriptor.digest === `sha256:${hexQuery}`);
}

/**
 * Finds an image by full or short name, by manifest or config digest, or by a unique prefix
 * (at least 4 hex digits) of its id (the config digest, as Docker shows it).
 */
export async function resolveImage(store: ContentStore, query: string, platform?: Platform): Promise<ResolvedImage> {
  const entries = listImages(store);
  const found = findEntry(entries, query);
  if (found) return resolveEntry(store, found, platform);

  const hexQuery = query.startsWith("sha256:") ? query.slice(7) : query;
  if (/^[a-f0-9]{4,64}$/.test(hexQuery)) {
    const matches = new Map<string, ResolvedImage>();
    for (const entry of entries) {
      const image = await resolveEntry(store, entry, platform).catch(() => undefined);
      if (!image) continue;
      const ids = [image.configDescriptor.digest, image.manifestDescriptor.digest].map((d) => parseDigest(d).hex);
      if (ids.some((hex) => hex.startsWith(hexQuery))) matches.set(image.configDescriptor.digest, image);
    }
    if (matches.size === 1) return [...matches.values()][0]!;
    if (matches.size > 1) throw new ImagetoolError("AMBIGUOUS", `'${query}' matches ${matches.size} images; give more of the id or a name`);
  }
  throw new ImagetoolError("IMAGE_NOT_FOUND", `No image named '${query}' in ${store.root} (see 'bocker-imagetool images')`);
}
