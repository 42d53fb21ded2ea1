/**
 * `events ID [--stats] [--interval SECONDS]`: resource statistics as runc prints them, one JSON
 * object per line ({"type":"stats","id":…,"data":…}); --stats prints one and exits, otherwise
 * every interval (default 5 s) until the container stops.
 */
import { boolFlag, parseArgs, requireId, stringFlag } from "../lib/args.ts";
import type { CommandMain } from "../lib/context.ts";
import { RuntimeError } from "../lib/errors.ts";
import { statsOf } from "../lib/container-cgroup.ts";
import { containerDir, readRecord, status } from "../lib/state.ts";

const events: CommandMain = async (argv, ctx) => {
  const { flags, positionals } = parseArgs(argv, { stats: { kind: "bool" }, interval: { kind: "string" } });
  const id = requireId(positionals, "events");
  const interval = Number((stringFlag(flags, "interval") ?? "5").replace(/s$/, ""));
  if (!(interval > 0)) throw new RuntimeError("USAGE", "--interval: expected a positive number of seconds");
  const dir = containerDir(ctx.root, id);
  for (;;) {
    const rec = readRecord(dir);
    if (status(dir, rec) === "stopped") throw new RuntimeError("BAD_STATUS", `container ${id} is stopped`);
    if (!rec.cgroup) throw new RuntimeError("STATE_CORRUPT", `container ${id} has no recorded cgroup`);
    process.stdout.write(JSON.stringify({ type: "stats", id, data: statsOf(rec.cgroup) }) + "\n");
    if (boolFlag(flags, "stats")) return 0;
    await Bun.sleep(interval * 1000);
  }
};

export default events;
