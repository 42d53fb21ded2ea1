/**
 * The descriptor graph below index.json: every blob an image needs (manifests, indexes, configs,
 * layers). Used by gc (what to keep), save (what to archive) and push (what to upload).
 * Children of an index that are not in the store (other platforms, not pulled) are skipped.
 */
import type { ContentStore } from "../content/store.ts";
import { isIndexType, isManifestType, parseManifestBody } from "./mediatype.ts";
import type { Descriptor } from "./types.ts";

/** Adds to `seen` every stored blob reachable from `roots` (digest → descriptor). */
export async function collectReachable(store: ContentStore, roots: Descriptor[], seen = new Map<string, Descriptor>()): Promise<Map<string, Descriptor>> {
  const stack = [...roots];
  while (stack.length > 0) {
    const d = stack.pop()!;
    if (seen.has(d.digest) || !store.has(d.digest)) continue;
    seen.set(d.digest, d);
    if (!isManifestType(d.mediaType) && !isIndexType(d.mediaType)) continue;
    const body = parseManifestBody(await store.readBlob(d.digest), d.mediaType, `blob ${d.digest}`);
    if (body.kind === "manifest") {
      stack.push(body.manifest.config, ...body.manifest.layers);
      if (body.manifest.subject) stack.push(body.manifest.subject);
    } else {
      stack.push(...body.index.manifests);
    }
  }
  return seen;
}

/**
 * The diff_ids of every stored image manifest reachable from index.json (each platform of an
 * index that was pulled), for snapshot gc: the snapshots to keep are their layer chains.
 */
export async function diffIdListsInUse(store: ContentStore, roots: Descriptor[]): Promise<string[][]> {
  const lists: string[][] = [];
  for (const d of (await collectReachable(store, roots)).values()) {
    if (!isManifestType(d.mediaType)) continue;
    const body = parseManifestBody(await store.readBlob(d.digest), d.mediaType, `blob ${d.digest}`);
    if (body.kind !== "manifest" || !store.has(body.manifest.config.digest)) continue;
    const config = await store.readJSON<{ rootfs?: { diff_ids?: unknown } }>(body.manifest.config.digest);
    const ids = config.rootfs?.diff_ids;
    if (Array.isArray(ids) && ids.every((x) => typeof x === "string")) lists.push(ids as string[]);
  }
  return lists;
}
