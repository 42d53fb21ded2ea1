/**
 * `checkpoint [--image-path DIR] [--work-path DIR] [--leave-running] [--tcp-established]
 * [--ext-unix-sk] [--shell-job] [--file-locks] [--pre-dump] [--parent-path DIR]
 * [--manage-cgroups-mode soft|full|strict|ignore] [--tcp-skip-in-flight] [--link-remap]
 * [--auto-dedup] ID` (runc checkpoint.go: the image path defaults to ./checkpoint, the work path
 * to the image path).
 */
import { boolFlag, parseArgs, requireId, stringFlag } from "../lib/args.ts";
import type { CommandMain } from "../lib/context.ts";
import { CRIU_FLAGS, criuCommonOptions, criuUsage } from "./criu-flags.ts";

const checkpoint: CommandMain = async (argv, ctx) => {
  const { flags, positionals } = parseArgs(argv, {
    ...CRIU_FLAGS,
    "leave-running": { kind: "bool" },
    "pre-dump": { kind: "bool" },
    "parent-path": { kind: "string" },
    "tcp-skip-in-flight": { kind: "bool" },
    "link-remap": { kind: "bool" },
    "auto-dedup": { kind: "bool" },
  });
  if (criuUsage(flags, "checkpoint [--image-path DIR] [--work-path DIR] [--leave-running] [--tcp-established] [--ext-unix-sk] [--shell-job] [--file-locks] [--pre-dump] [--parent-path DIR] [--manage-cgroups-mode soft|full|strict|ignore] [--tcp-skip-in-flight] [--link-remap] [--auto-dedup] ID")) return 0;
  const id = requireId(positionals, "checkpoint");
  const { checkpointContainer } = await import("../lib/lifecycle/checkpoint.ts");
  const common = criuCommonOptions(flags);
  await checkpointContainer({
    ...common,
    root: ctx.root,
    id,
    leaveRunning: boolFlag(flags, "leave-running"),
    preDump: boolFlag(flags, "pre-dump"),
    parentPath: stringFlag(flags, "parent-path"),
    tcpSkipInFlight: boolFlag(flags, "tcp-skip-in-flight"),
    linkRemap: boolFlag(flags, "link-remap"),
    autoDedup: boolFlag(flags, "auto-dedup"),
    criu: ctx.criu ?? "criu",
  });
  return 0;
};

export default checkpoint;
