/**
 * `events ID [--stats] [--interval DURATION]` (runc events): one JSON object per line, in the
 * shape of schemas/runtime/events.json. --stats prints {"type":"stats","id":…,"data":…} once and
 * exits; otherwise stats every interval (Go duration syntax, default 5s) and {"type":"oom","id":…}
 * whenever the kernel OOM-kills a task of the container, until the container is deleted
 * (lib/lifecycle/events.ts).
 */
import { writeStdout } from "../../common/stdio.ts";
import { boolFlag, parseArgs, requireId, stringFlag } from "../lib/args.ts";
import { goDurationMs } from "../lib/cgroups/index.ts";
import type { CommandMain } from "../lib/context.ts";
import { watchEvents } from "../lib/lifecycle/events.ts";

const events: CommandMain = async (argv, ctx) => {
  const { flags, positionals } = parseArgs(argv, { stats: { kind: "bool" }, interval: { kind: "string" } });
  const id = requireId(positionals, "events");
  await watchEvents(ctx.root, id, {
    once: boolFlag(flags, "stats"),
    intervalMs: goDurationMs(stringFlag(flags, "interval") ?? "5s"),
    emit: (event) => writeStdout(`${JSON.stringify(event)}\n`),
    onError: (message) => ctx.log.error(message),
  });
  return 0;
};

export default events;
