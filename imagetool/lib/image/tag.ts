/** Naming and un-naming stored images (the index.json side of `tag` and `rmi`). */
import { ImagetoolError } from "../errors.ts";
import type { ContentStore } from "../content/store.ts";
import { parseReference, storageName } from "../reference.ts";
import { findByName, listImages, removeImageRef, resolveImage, setImageRef } from "./refs.ts";

/** Gives the image `source` the name `target` (normalized); returns the stored name. */
export async function tagImage(store: ContentStore, source: string, target: string): Promise<string> {
  const ref = parseReference(target);
  if (ref.digest !== undefined) throw new ImagetoolError("INVALID_REFERENCE", `cannot tag with a digest ('${target}'): a tag names content, a digest is the content`);
  const name = storageName(ref);
  // A name keeps its index.json entry (an index stays an index); a digest or id names the manifest.
  const entry = findByName(listImages(store), source);
  const descriptor = entry?.descriptor ?? (await resolveImage(store, source)).manifestDescriptor;
  await setImageRef(store, name, descriptor);
  return name;
}

/**
 * Removes names. A name removes just that name; a digest or id removes every name of that image,
 * but only with `force` when there is more than one (Docker's rule). Returns the names removed.
 */
export async function untagImage(store: ContentStore, query: string, force: boolean): Promise<string[]> {
  const entries = listImages(store);
  const entry = findByName(entries, query);
  if (entry?.name !== undefined) {
    await removeImageRef(store, entry.name);
    return [entry.name];
  }
  const image = await resolveImage(store, query);
  const names: string[] = [];
  for (const e of entries) {
    if (e.name === undefined) continue;
    const other = await resolveImage(store, e.name).catch(() => undefined);
    if (other && (other.manifestDescriptor.digest === image.manifestDescriptor.digest || e.descriptor.digest === image.manifestDescriptor.digest)) names.push(e.name);
  }
  if (names.length > 1 && !force) {
    throw new ImagetoolError("AMBIGUOUS", `image '${query}' has ${names.length} names (${names.join(", ")}): remove them by name, or use --force`);
  }
  for (const name of names) await removeImageRef(store, name);
  return names;
}
