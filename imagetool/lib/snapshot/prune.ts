/**
 * Snapshot garbage collection for `gc`: removes committed layer snapshots that no image needs
 * any more, in every snapshotter under `<root>/snapshots`. Snapshots with children (a container's
 * active snapshot, another image's layer) are kept, as are containers themselves; active
 * `extract-*` snapshots left by a crashed unpack are removed once they are older than `staleMs`.
 */
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { openSnapshotter, SNAPSHOTTERS } from "./detect.ts";
import type { SnapshotInfo } from "./snapshotter.ts";

export interface PruneResult {
  removed: Array<{ snapshotter: string; key: string }>;
}

/** `keep`: the chain IDs of every layer of every image still named (see chainIDs in unpack-image.ts). */
export async function pruneSnapshots(root: string, keep: Set<string>, staleMs = 60 * 60 * 1000): Promise<PruneResult> {
  const removed: PruneResult["removed"] = [];
  for (const name of SNAPSHOTTERS) {
    const dir = join(root, "snapshots", name);
    if (!existsSync(join(dir, "metadata.json"))) continue;
    const sn = openSnapshotter(root, name);
    const all: SnapshotInfo[] = [];
    await sn.walk((i) => void all.push(i));
    const now = Date.now();
    const unwanted = (i: SnapshotInfo) =>
      (i.kind === "committed" && !keep.has(i.key)) ||
      (i.kind === "active" && i.key.startsWith("extract-") && now - Date.parse(i.created) > staleMs);
    // Children before parents (higher ids were created later), so a removed child frees its parent.
    for (const info of all.filter(unwanted).sort((a, b) => b.id - a.id)) {
      try {
        await sn.remove(info.key);
        removed.push({ snapshotter: name, key: info.key });
      } catch (e) {
        if (!/has a child/.test((e as Error).message)) throw e;
      }
    }
    // Temp dirs of snapshots whose creation was interrupted (never renamed into place).
    for (const entry of readdirSync(dir)) {
      if (entry.startsWith("tmp-") || entry.startsWith("overlay-check-")) rmSync(join(dir, entry), { recursive: true, force: true });
    }
  }
  return { removed };
}
