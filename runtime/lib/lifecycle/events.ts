/**
 * runc events: the container's cgroup statistics every interval (or once), and one "oom" event per
 * task the kernel OOM-kills in it, until the container is deleted (runc exits on a signal; a
 * deleted container has nothing left to report, so bocker's events ends then). Events go to the
 * caller's `emit` in the shape of schemas/runtime/events.json.
 */
import { existsSync } from "node:fs";
import { dirname } from "node:path";
import type { Event } from "../../../schemas/generated/types/runtime-events.ts";
import { cgroupStats, oomEvents, type CgroupPlacement } from "../cgroups/index.ts";
import { RuntimeError } from "../errors.ts";
import { containerDir, readRecord, status } from "../state.ts";

/** How often deletion and the OOM counters are looked at, whatever the stats interval. */
const POLL_MS = 100;

export interface EventsOptions {
  /** --stats: one stats event, then return. */
  once: boolean;
  intervalMs: number;
  emit: (event: Event) => void;
  /** A failed stats read while the container still exists (runc logs it and keeps going). */
  onError: (message: string) => void;
}

export async function watchEvents(root: string, id: string, opts: EventsOptions): Promise<void> {
  if (!(opts.intervalMs > 0)) throw new RuntimeError("USAGE", "duration interval must be greater than 0");
  const dir = containerDir(root, id);
  const rec = readRecord(dir);
  if (status(dir, rec) === "stopped") throw new RuntimeError("BAD_STATUS", `container ${id} is not running`);
  if (!rec.cgroup) throw new RuntimeError("STATE_CORRUPT", `container ${id} has no recorded cgroup`);
  const cgroup = rec.cgroup;
  // runc adds intel_rdt to the cgroup statistics when the container is in a resctrl group.
  const rdt = rec.resctrl;
  const rdtStats = rdt ? (await import("../linux/resctrl-stats.ts")).resctrlStats : undefined;
  const stats = () => {
    const data = cgroupStats(cgroup);
    if (rdt && rdtStats) data.intel_rdt = rdtStats(rdt, dirname(rdt.closDir));
    return data;
  };
  if (opts.once) {
    opts.emit({ type: "stats", id, data: stats() });
    return;
  }
  const deleted = () => !existsSync(dir);
  const done = new AbortController();
  const ooms = watchOom(cgroup, id, done.signal, opts.emit);
  while (!deleted()) {
    try {
      opts.emit({ type: "stats", id, data: stats() });
    } catch (err) {
      if (deleted()) break;
      opts.onError((err as Error).message);
    }
    for (let waited = 0; waited < opts.intervalMs && !deleted(); waited += POLL_MS) await Bun.sleep(Math.min(POLL_MS, opts.intervalMs - waited));
  }
  done.abort();
  await ooms;
}

async function watchOom(p: CgroupPlacement, id: string, signal: AbortSignal, emit: (event: Event) => void): Promise<void> {
  for await (const _ of oomEvents(p, { intervalMs: POLL_MS, signal })) emit({ type: "oom", id });
}
