/** `start ID` */
import { parseArgs, requireId } from "../lib/args.ts";
import type { CommandMain } from "../lib/context.ts";
import { startContainer } from "../lib/lifecycle/start.ts";

const start: CommandMain = async (argv, ctx) => {
  const { positionals } = parseArgs(argv, {});
  startContainer(ctx.root, requireId(positionals, "start"), ctx.log);
  return 0;
};

export default start;
