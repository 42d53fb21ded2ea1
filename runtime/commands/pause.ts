/** `pause ID` */
import { parseArgs, requireId } from "../lib/args.ts";
import type { CommandMain } from "../lib/context.ts";
import { setPaused } from "../lib/lifecycle/pause.ts";

const pause: CommandMain = async (argv, ctx) => {
  setPaused(ctx.root, requireId(parseArgs(argv, {}).positionals, "pause"), true);
  return 0;
};

export default pause;
