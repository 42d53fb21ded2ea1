/**
 * Leases: a pull or load in progress marks itself with ingest/lease.<pid>.<uuid> until it has
 * named what it wrote (cf. containerd leases). The collectors (lib/gc/) keep every blob and
 * snapshot made since the oldest live lease began, since no name reaches them yet.
 */
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ContentStore } from "./store.ts";

/** Whether process `pid` exists (EPERM: it does, owned by another user). */
export function pidAlive(pid: number): boolean {
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
