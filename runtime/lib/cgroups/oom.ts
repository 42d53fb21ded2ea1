/**
 * OOM notifications by polling counters, which never blocks the event loop: v1 memory.oom_control
 * ("oom_kill N", and "under_oom 1" while the OOM killer is disabled and the group is stuck), v2
 * memory.events ("oom_kill N"). runc uses an eventfd (v1) or inotify (v2) for the same signal; a
 * poll every interval reports the same events with at most one interval of delay.
 */
import { posix } from "node:path";
import { detectCgroups } from "./detect.ts";
import { leafFor, placementLeaves, readCgroupFile } from "./fs.ts";
import { keyValues } from "./stats.ts";
import type { CgroupPlacement } from "./types.ts";

interface OomCounters {
  kills: number;
  underOom: boolean;
}

/** undefined when the container has no memory cgroup or it is gone. */
export function oomCounters(p: CgroupPlacement): OomCounters | undefined {
  const leaf = leafFor(placementLeaves(p.procsFiles, detectCgroups()), "memory");
  if (!leaf) return undefined;
  const file = leaf.hierarchy.version === 1 ? "memory.oom_control" : "memory.events";
  const text = readCgroupFile(posix.join(leaf.dir, file));
  if (text === undefined) return undefined;
  const kv = keyValues(text);
  return { kills: kv.oom_kill ?? 0, underOom: kv.under_oom === 1 };
}

/** How many processes the kernel OOM-killed in the container so far. */
export function oomKillCount(p: CgroupPlacement): number {
  return oomCounters(p)?.kills ?? 0;
}

export interface OomWatchOptions {
  intervalMs?: number;
  signal?: AbortSignal;
}

/**
 * Yields once per OOM event (each new kill, each entry into under_oom) until aborted or the memory
 * cgroup disappears (container deleted).
 */
export async function* oomEvents(p: CgroupPlacement, opts: OomWatchOptions = {}): AsyncGenerator<"oom"> {
  const interval = opts.intervalMs ?? 200;
  let last = oomCounters(p);
  while (last && !opts.signal?.aborted) {
    await new Promise<void>((resolve) => {
      const onAbort = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        opts.signal?.removeEventListener("abort", onAbort);
        resolve();
      }, interval);
      opts.signal?.addEventListener("abort", onAbort, { once: true });
    });
    const now = oomCounters(p);
    if (!now) return;
    for (let i = last.kills; i < now.kills; i++) yield "oom";
    if (now.underOom && !last.underOom) yield "oom";
    last = now;
  }
}
