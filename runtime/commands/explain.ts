/**
 * `explain ID [--bundle DIR] [create flags]` (also `create --dry-run`): validates the bundle and
 * prints the plan create would run, with the config.json pointer of every step. Touches nothing:
 * no state dir, no cgroup, no process.
 */
import { writeStdout } from "../../common/stdio.ts";
import { join } from "node:path";
import { boolFlag, intFlag, parseArgs, requireId, stringFlag, type FlagValues } from "../lib/args.ts";
import type { CommandContext, CommandMain } from "../lib/context.ts";
import { prepareCreate } from "../lib/lifecycle/prepare.ts";
import { compileCreate } from "../lib/plan/compile.ts";
import { explainPlan } from "../lib/plan/explain.ts";
import { containerDir } from "../lib/state.ts";
import { CREATE_FLAGS, pathFlag } from "./create-flags.ts";

export async function explainMain(id: string, bundle: string, flags: FlagValues, ctx: CommandContext): Promise<number> {
  const prepared = await prepareCreate({
    bundle,
    stateDir: containerDir(ctx.root, id),
    consoleSocket: pathFlag(stringFlag(flags, "console-socket")),
    pidfdSocket: pathFlag(stringFlag(flags, "pidfd-socket")),
    noPivot: boolFlag(flags, "no-pivot"),
    preserveFds: intFlag(flags, "preserve-fds", 0),
    foreground: false,
  });
  const c = prepared.config;
  writeStdout(`plan for container ${id} from ${c.file} (rootfs ${c.rootfs}); cgroups are placed at create\n`);
  writeStdout(explainPlan(compileCreate(c.spec, prepared.facts), "config.json"));
  return 0;
}

const explain: CommandMain = async (argv, ctx) => {
  const { flags, positionals } = parseArgs(argv, CREATE_FLAGS);
  return explainMain(requireId(positionals, "explain"), stringFlag(flags, "bundle") ?? join("."), flags, ctx);
};

export default explain;
