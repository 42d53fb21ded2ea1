/** `kill ID [SIGNAL] [--all]`: SIGNAL as KILL, SIGKILL or 9; default SIGTERM. */
import { boolFlag, parseArgs, requireId } from "../lib/args.ts";
import type { CommandMain } from "../lib/context.ts";
import { killContainer } from "../lib/lifecycle/kill.ts";
import { parseSignal } from "../lib/signals.ts";

const kill: CommandMain = async (argv, ctx) => {
  const { flags, positionals } = parseArgs(argv, { all: { kind: "bool", alias: "a" } });
  const id = requireId(positionals, "kill");
  await killContainer(ctx.root, id, parseSignal(positionals[1] ?? "SIGTERM"), boolFlag(flags, "all"));
  return 0;
};

export default kill;
