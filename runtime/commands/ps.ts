/** `ps ID [--format table|json] [-- ps options]`: the container's processes, from its cgroups (runc ps). */
import { writeStdout } from "../../common/stdio.ts";
import { parseArgs, requireId, stringFlag } from "../lib/args.ts";
import type { CommandMain } from "../lib/context.ts";
import { RuntimeError } from "../lib/errors.ts";
import { containerPids, psTable } from "../lib/lifecycle/ps.ts";

const ps: CommandMain = async (argv, ctx) => {
  const { flags, positionals } = parseArgs(argv, { format: { kind: "string", alias: "f" } }, { stopAfterPositionals: 1 });
  const pids = containerPids(ctx.root, requireId(positionals, "ps"));
  const format = stringFlag(flags, "format") ?? "table";
  if (format === "json") writeStdout(JSON.stringify(pids) + "\n");
  else if (format === "table") writeStdout(psTable(pids, positionals.slice(1)));
  else throw new RuntimeError("USAGE", `--format: expected table or json, got ${format}`);
  return 0;
};

export default ps;
