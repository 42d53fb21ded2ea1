/**
 * Content garbage collection: deletes blobs no index.json entry reaches, and temp files left in
 * ingest/ by processes that died. Runs under the index lock so no name is added meanwhile; a pull
 * in progress holds a lease (ingest/lease.<pid>), and blobs written since the oldest live lease
 * began are kept, since its manifest is not named yet (cf. containerd leases).
 */
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ContentStore } from "./store.ts";
import { withFileLock } from "./lock.ts";
import { listImages } from "../image/refs.ts";
import { collectReachable } from "../image/walk.ts";

export interface GcResult {
  removed: string[];
  freedBytes: number;
  kept: number;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === "EPERM";
  }
}

/** Marks a pull or load as in progress until the returned release is called. */
export function takeLease(store: ContentStore): () => void {
  store.ensureLayout();
  const path = join(store.ingestDir, `lease.${process.pid}.${crypto.randomUUID()}`);
  writeFileSync(path, String(process.pid));
  return () => rmSync(path, { force: true });
}

/** Time (ms) the oldest live lease began, or Infinity; removes leases of dead processes. */
export function oldestLiveLease(store: ContentStore): number {
  let oldest = Infinity;
  if (!existsSync(store.ingestDir)) return oldest;
  for (const name of readdirSync(store.ingestDir)) {
    const lease = /^lease\.(\d+)\./.exec(name);
    const temp = /\.(\d+)\.\d+\.[a-z0-9]+\.tmp$/.exec(name);
    if (!lease && !temp) continue;
    const pid = Number((lease ?? temp)![1]);
    const path = join(store.ingestDir, name);
    if (!pidAlive(pid)) {
      rmSync(path, { force: true }); // a dead process's lease or half-written temp file
      continue;
    }
    if (lease) oldest = Math.min(oldest, statSync(path).mtimeMs);
  }
  return oldest;
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
