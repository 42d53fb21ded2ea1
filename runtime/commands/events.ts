/**
 * `events ID [--stats] [--interval DURATION]` (runc events): one JSON object per line. --stats
 * prints {"type":"stats","id":…,"data":…} once and exits; otherwise stats every interval (Go
 * duration syntax, default 5s) and {"type":"oom","id":…} whenever the kernel OOM-kills a task of
 * the container, until the container is deleted (runc exits on a signal; a deleted container has
 * nothing left to report, so bocker's events ends then, with status 0). The lines' shape is
 * schemas/runtime/events.json.
 */
import { existsSync } from "node:fs";
import { writeStdout } from "../../common/stdio.ts";
import type { Event } from "../../schemas/generated/types/runtime-events.ts";
import { boolFlag, parseArgs, requireId, stringFlag } from "../lib/args.ts";
import type { CommandMain } from "../lib/context.ts";
import { RuntimeError } from "../lib/errors.ts";
import { cgroupStats, goDurationMs, oomEvents, type CgroupPlacement } from "../lib/cgroups/index.ts";
import { containerDir, readRecord, status } from "../lib/state.ts";

/** How often deletion and the OOM counters are looked at, whatever the stats interval. */
const POLL_MS = 100;

/** One line per event, in the shape of schemas/runtime/events.json. */
const emit = (event: Event) => writeStdout(`${JSON.stringify(event)}\n`);

const events: CommandMain = async (argv, ctx) => {
  const { flags, positionals } = parseArgs(argv, { stats: { kind: "bool" }, interval: { kind: "string" } });
  const id = requireId(positionals, "events");
  const intervalMs = goDurationMs(stringFlag(flags, "interval") ?? "5s");
  if (!(intervalMs > 0)) throw new RuntimeError("USAGE", "duration interval must be greater than 0");
  const dir = containerDir(ctx.root, id);
  const rec = readRecord(dir);
  if (status(dir, rec) === "stopped") throw new RuntimeError("BAD_STATUS", `container ${id} is not running`);
  if (!rec.cgroup) throw new RuntimeError("STATE_CORRUPT", `container ${id} has no recorded cgroup`);
  if (boolFlag(flags, "stats")) {
    emit({ type: "stats", id, data: cgroupStats(rec.cgroup) });
    return 0;
  }
  const deleted = () => !existsSync(dir);
  const done = new AbortController();
  const ooms = watchOom(rec.cgroup, id, done.signal);
  while (!deleted()) {
    try {
      emit({ type: "stats", id, data: cgroupStats(rec.cgroup) });
    } catch (err) {
      if (deleted()) break;
      ctx.log.error((err as Error).message); // runc logs a failed Stats and keeps going
    }
    for (let waited = 0; waited < intervalMs && !deleted(); waited += POLL_MS) await Bun.sleep(Math.min(POLL_MS, intervalMs - waited));
  }
  done.abort();
  await ooms;
  return 0;
};

async function watchOom(p: CgroupPlacement, id: string, signal: AbortSignal): Promise<void> {
  for await (const _ of oomEvents(p, { intervalMs: POLL_MS, signal })) emit({ type: "oom", id });
}

export default events;
