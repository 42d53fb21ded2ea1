/** `create ID [--bundle DIR] [--pid-file F] [--console-socket S] [--pidfd-socket S] [--no-pivot] [--preserve-fds N] [--dry-run]` */
import { boolFlag, intFlag, parseArgs, requireId, stringFlag } from "../lib/args.ts";
import type { CommandMain } from "../lib/context.ts";
import { warmCgroupMigration } from "../lib/cgroups/index.ts";
import { CREATE_FLAGS, pathFlag } from "./create-flags.ts";

const create: CommandMain = async (argv, ctx) => {
  const { flags, positionals } = parseArgs(argv, CREATE_FLAGS);
  const id = requireId(positionals, "create");
  const bundle = stringFlag(flags, "bundle") ?? ".";
  if (boolFlag(flags, "dry-run")) {
    const { explainMain } = await import("./explain.ts");
    return explainMain(id, bundle, flags, ctx);
  }
  // Before the lifecycle modules load: the kernel's grace period starts now (migration-warmup.ts).
  warmCgroupMigration();
  const { createContainer } = await import("../lib/lifecycle/create.ts");
  const created = await createContainer({
    root: ctx.root,
    id,
    bundle,
    pidFile: pathFlag(stringFlag(flags, "pid-file")),
    consoleSocket: pathFlag(stringFlag(flags, "console-socket")),
    pidfdSocket: pathFlag(stringFlag(flags, "pidfd-socket")),
    noPivot: boolFlag(flags, "no-pivot"),
    preserveFds: intFlag(flags, "preserve-fds", 0),
    systemdCgroup: ctx.systemdCgroup,
    foreground: false,
    log: ctx.log,
  });
  created.lock.release();
  return 0;
};

export default create;
