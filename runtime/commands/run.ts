/**
 * `run ID [-d] [--bundle DIR] [--pid-file F] [--console-socket S] [--pidfd-socket S] [--no-pivot] [--preserve-fds N]`:
 * create + start; in the foreground it forwards signals to the container, exits with the
 * container's status (128+signal when killed) and deletes the container afterwards, like runc.
 */
import { boolFlag, intFlag, parseArgs, requireId, stringFlag } from "../lib/args.ts";
import type { CommandMain } from "../lib/context.ts";
import { warmCgroupMigration } from "../lib/cgroups/index.ts";
import { CREATE_FLAGS, pathFlag } from "./create-flags.ts";

const run: CommandMain = async (argv, ctx) => {
  const { flags, positionals } = parseArgs(argv, { ...CREATE_FLAGS, detach: { kind: "bool", alias: "d" }, "keep": { kind: "bool" } });
  const id = requireId(positionals, "run");
  const detach = boolFlag(flags, "detach");
  // Before the lifecycle modules load: the kernel's grace period starts now (migration-warmup.ts).
  warmCgroupMigration();
  const [{ createContainer }, { startContainer }, { deleteContainer }, { forwardSignals }] = await Promise.all([
    import("../lib/lifecycle/create.ts"),
    import("../lib/lifecycle/start.ts"),
    import("../lib/lifecycle/delete.ts"),
    import("../lib/process/forward.ts"),
  ]);
  const created = await createContainer({
    root: ctx.root,
    id,
    bundle: stringFlag(flags, "bundle") ?? ".",
    pidFile: pathFlag(stringFlag(flags, "pid-file")),
    consoleSocket: pathFlag(stringFlag(flags, "console-socket")),
    pidfdSocket: pathFlag(stringFlag(flags, "pidfd-socket")),
    noPivot: boolFlag(flags, "no-pivot"),
    preserveFds: intFlag(flags, "preserve-fds", 0),
    systemdCgroup: ctx.systemdCgroup,
    foreground: !detach,
    allocateTerminal: !detach,
    log: ctx.log,
  });
  const relay = created.consoleMaster === undefined ? undefined : (await import("../lib/process/console.ts")).relayConsole(created.consoleMaster);
  const stopForwarding = detach ? () => {} : forwardSignals(created.record.pid);
  try {
    startContainer(ctx.root, id, ctx.log, created.lock);
  } catch (err) {
    stopForwarding();
    await relay?.stop();
    await deleteContainer(ctx.root, id, true, ctx.systemdCgroup, ctx.log);
    throw err;
  }
  if (detach) return 0;
  const proc = created.session.proc;
  await proc.exited;
  stopForwarding();
  await relay?.stop();
  const code = proc.exitCode ?? 128 + (proc.signalCode ? (await import("../lib/signals.ts")).SIGNALS[proc.signalCode] ?? 0 : 0);
  if (!boolFlag(flags, "keep")) await deleteContainer(ctx.root, id, true, ctx.systemdCgroup, ctx.log);
  return code;
};

export default run;
