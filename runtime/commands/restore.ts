/**
 * `restore [--image-path DIR] [--work-path DIR] [--bundle DIR] [--detach] [--pid-file F]
 * [--console-socket S] [--tcp-established] [--ext-unix-sk] [--shell-job] [--file-locks]
 * [--manage-cgroups-mode M] [--no-subreaper] [--no-pivot] ID` (runc restore.go). Detached, it returns
 * once the container runs; in the foreground it forwards signals, waits for the restored init,
 * deletes the container and exits with the init's status, as `run` does.
 */
import { boolFlag, parseArgs, requireId, stringFlag } from "../lib/args.ts";
import type { CommandMain } from "../lib/context.ts";
import { RuntimeError } from "../lib/errors.ts";
import { pathFlag } from "./create-flags.ts";
import { CRIU_FLAGS, criuCommonOptions, criuUsage } from "./criu-flags.ts";

const restore: CommandMain = async (argv, ctx) => {
  const { flags, positionals } = parseArgs(argv, {
    ...CRIU_FLAGS,
    bundle: { kind: "string", alias: "b" },
    detach: { kind: "bool", alias: "d" },
    "pid-file": { kind: "string" },
    "console-socket": { kind: "string" },
    // runc's; criu rebuilds the mount namespace and the process tree itself, so neither applies.
    "no-subreaper": { kind: "bool" },
    "no-pivot": { kind: "bool" },
  });
  if (criuUsage(flags, "restore [--image-path DIR] [--work-path DIR] [--bundle DIR] [--detach] [--pid-file F] [--tcp-established] [--ext-unix-sk] [--shell-job] [--file-locks] [--manage-cgroups-mode M] ID")) return 0;
  const id = requireId(positionals, "restore");
  if (stringFlag(flags, "console-socket") !== undefined) {
    throw new RuntimeError("USAGE", "restore: --console-socket: a restored terminal's pty master comes back only through criu's RPC, which bocker-runtime does not use (restore containers without process.terminal)");
  }
  const [{ restoreContainer }, { waitChild }, { deleteContainer }, { forwardSignals }] = await Promise.all([
    import("../lib/lifecycle/restore.ts"),
    import("../lib/criu/run.ts"),
    import("../lib/lifecycle/delete.ts"),
    import("../lib/process/forward.ts"),
  ]);
  const restored = await restoreContainer({
    ...criuCommonOptions(flags),
    root: ctx.root,
    id,
    bundle: stringFlag(flags, "bundle") ?? ".",
    pidFile: pathFlag(stringFlag(flags, "pid-file")),
    systemdCgroup: ctx.systemdCgroup,
    criu: ctx.criu ?? "criu",
    log: ctx.log,
  });
  restored.lock.release();
  if (boolFlag(flags, "detach")) return 0;
  const stop = forwardSignals(restored.record.pid);
  const code = waitChild(restored.record.pid);
  stop();
  await deleteContainer(ctx.root, id, true, ctx.systemdCgroup, ctx.log);
  return code;
};

export default restore;
