/** `resume ID` */
import { parseArgs, requireId } from "../lib/args.ts";
import type { CommandMain } from "../lib/context.ts";
import { setPaused } from "../lib/lifecycle/pause.ts";

const resume: CommandMain = async (argv, ctx) => {
  setPaused(ctx.root, requireId(parseArgs(argv, {}).positionals, "resume"), false);
  return 0;
};

export default resume;
