/**
 * Snapshot garbage collection for `gc`: removes committed layer snapshots that no image needs
 * any more, in every snapshotter under `<root>/snapshots`. Snapshots with children (a container's
 * active snapshot, another image's layer) are kept, as are containers themselves; active
 * `extract-*` snapshots and temp directories left by a crashed unpack are removed once they are
 * older than `staleMs`.
 *
 * A pull names its image only once every layer is unpacked, so until then its layer snapshots
 * look unwanted. As for blobs (gc/blobs.ts), nothing created since the oldest live lease began
 * (`since`: a pull or load in progress) is removed: a concurrent gc used to delete a pull's first
 * layers under it (the next layer's parent was then missing), and the overlay probe's directory
 * while the probe ran (which then recorded "copy" for good).
 */
import { existsSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import type { ContentStore } from "../content/store.ts";
import { oldestLiveLease } from "../content/lease.ts";
import { listImages } from "../image/refs.ts";
import { diffIdListsInUse } from "../image/walk.ts";
import { openSnapshotter, PROBE_DIR_PREFIX, SNAPSHOTTERS } from "../snapshot/detect.ts";
import type { SnapshotInfo, Snapshotter } from "../snapshot/snapshotter.ts";
import { chainIDs } from "../snapshot/unpack-image.ts";
import { ImagetoolError } from "../errors.ts";

export interface PruneResult {
  removed: Array<{ snapshotter: string; key: string }>;
}

export interface PruneOptions {
  /** Keep everything created at or after this time (ms since the epoch): the oldest live lease's start. */
  since?: number;
  /** Age after which an unfinished unpack's leftovers are removed. */
  staleMs?: number;
}

/** Removes the directories in `dir` whose names start with `prefix`, once stale and older than `since`. */
function removeStaleDirs(dir: string, prefix: string, since: number, staleMs: number): void {
  const now = Date.now();
  for (const entry of existsSync(dir) ? readdirSync(dir) : []) {
    if (!entry.startsWith(prefix)) continue;
    const path = join(dir, entry);
    const mtime = statSync(path, { throwIfNoEntry: false })?.mtimeMs;
    if (mtime !== undefined && mtime < since && now - mtime > staleMs) rmSync(path, { recursive: true, force: true });
  }
}

/** `keep`: the chain IDs of every layer of every image still named (see chainIDs in unpack-image.ts). */
export async function pruneSnapshots(root: string, keep: Set<string>, options: PruneOptions = {}): Promise<PruneResult> {
  const since = options.since ?? Infinity;
  const staleMs = options.staleMs ?? 60 * 60 * 1000;
  const removed: PruneResult["removed"] = [];
  for (const name of SNAPSHOTTERS) {
    const dir = join(root, "snapshots", name);
    if (!existsSync(join(dir, "metadata.json"))) continue;
    const sn = openSnapshotter(root, name);
    const all: SnapshotInfo[] = [];
    await sn.walk((i) => void all.push(i));
    const now = Date.now();
    const unwanted = (i: SnapshotInfo) => {
      const created = Date.parse(i.created);
      if (created >= since) return false;
      return (i.kind === "committed" && !keep.has(i.key)) || (i.kind === "active" && i.key.startsWith("extract-") && now - created > staleMs);
    };
    // Children before parents (higher ids were created later), so a removed child frees its parent.
    for (const info of all.filter(unwanted).sort((a, b) => b.id - a.id)) {
      try {
        await sn.remove(info.key);
        removed.push({ snapshotter: name, key: info.key });
      } catch (e) {
        if (!ImagetoolError.is(e, "SNAPSHOT_IN_USE")) throw e;
      }
    }
    // Snapshots whose creation was interrupted (never renamed into place); a young one may be
    // a snapshot being built right now.
    removeStaleDirs(dir, "tmp-", since, staleMs);
  }
  // The overlay probe's directories (detect.ts) sit in <root>/snapshots itself.
  removeStaleDirs(join(root, "snapshots"), PROBE_DIR_PREFIX, since, staleMs);
  return { removed };
}

/** The chain IDs of every layer of every named image. */
async function chainIDsInUse(store: ContentStore): Promise<Set<string>> {
  const keep = new Set<string>();
  for (const diffIds of await diffIdListsInUse(store, listImages(store).map((e) => e.descriptor))) {
    for (const id of chainIDs(diffIds)) keep.add(id);
  }
  return keep;
}

/** What `gc` and `rmi` prune: the layers of no named image, minus what a pull in progress made. */
export async function pruneUnusedSnapshots(root: string, store: ContentStore): Promise<PruneResult> {
  return pruneSnapshots(root, await chainIDsInUse(store), { since: oldestLiveLease(store) });
}

/**
 * After a failed pull (its own lease released): removes the layer snapshots it committed, newest
 * first, unless a named image needs them, something builds on them, or a pull or load still in
 * progress may (they are newer than its lease), as discardUnreferenced does for its blobs.
 */
export async function discardCommitted(sn: Snapshotter, names: string[], store: ContentStore): Promise<void> {
  if (names.length === 0) return;
  const keep = await chainIDsInUse(store);
  const since = oldestLiveLease(store);
  for (const name of [...names].reverse()) {
    if (keep.has(name)) continue;
    try {
      if (Date.parse((await sn.stat(name)).created) >= since) continue;
      await sn.remove(name);
    } catch {
      // Has a child now (another pull or a container builds on it), is gone already, or cannot
      // go now: it stays for gc, and the pull's own error is the one reported.
    }
  }
}
