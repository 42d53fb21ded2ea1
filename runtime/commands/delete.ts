/** `delete ID [--force]` */
import { boolFlag, parseArgs, requireId } from "../lib/args.ts";
import type { CommandMain } from "../lib/context.ts";
import { deleteContainer } from "../lib/lifecycle/delete.ts";

const del: CommandMain = async (argv, ctx) => {
  const { flags, positionals } = parseArgs(argv, { force: { kind: "bool", alias: "f" } });
  await deleteContainer(ctx.root, requireId(positionals, "delete"), boolFlag(flags, "force"), ctx.systemdCgroup, ctx.log);
  return 0;
};

export default del;
