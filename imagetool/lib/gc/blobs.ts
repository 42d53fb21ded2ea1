/**
 * Blob garbage collection: deletes blobs no index.json entry reaches, and temp files left in
 * ingest/ by processes that died. Runs under the index lock so no name is added meanwhile; a pull
 * in progress holds a lease (content/lease.ts), and blobs written since the oldest live lease
 * began are kept, since its manifest is not named yet (cf. containerd leases). It sits above
 * the store and the image index it reads, not in content/: what is garbage is what no image names.
 */
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import type { ContentStore } from "../content/store.ts";
import { withFileLock } from "../content/lock.ts";
import { oldestLiveLease } from "../content/lease.ts";
import { listImages } from "../image/refs.ts";
import { collectReachable } from "../image/walk.ts";

export interface GcResult {
  removed: string[];
  freedBytes: number;
  kept: number;
}

export async function gcContent(store: ContentStore, options: { dryRun?: boolean } = {}): Promise<GcResult> {
  if (!existsSync(store.indexPath)) return { removed: [], freedBytes: 0, kept: 0 };
  return withFileLock(join(store.ingestDir, "index.json.lock"), async () => {
    const leaseStart = oldestLiveLease(store);
    const reachable = await collectReachable(store, listImages(store).map((e) => e.descriptor));
    const removed: string[] = [];
    let freedBytes = 0;
    let kept = 0;
    for (const digest of store.listBlobs()) {
      if (reachable.has(digest)) {
        kept++;
        continue;
      }
      const st = statSync(store.blobPath(digest));
      if (st.mtimeMs >= leaseStart) {
        kept++;
        continue;
      }
      if (!options.dryRun) await store.deleteBlob(digest);
      removed.push(digest);
      freedBytes += st.size;
    }
    return { removed, freedBytes, kept };
  });
}

/**
 * After a failed pull or load (its own lease already released): deletes the blobs it wrote that
 * no image references, so a failed command leaves nothing behind. Blobs another image shares stay,
 * and so do blobs a concurrent pull (a live lease) may be about to name.
 */
export async function discardUnreferenced(store: ContentStore, written: Iterable<string>): Promise<void> {
  const candidates = [...written];
  if (candidates.length === 0 || !existsSync(store.indexPath)) return;
  await withFileLock(join(store.ingestDir, "index.json.lock"), async () => {
    const leaseStart = oldestLiveLease(store);
    const reachable = await collectReachable(store, listImages(store).map((e) => e.descriptor));
    for (const digest of candidates) {
      if (reachable.has(digest) || !store.has(digest) || statSync(store.blobPath(digest)).mtimeMs >= leaseStart) continue;
      await store.deleteBlob(digest);
    }
  });
}
