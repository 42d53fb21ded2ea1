/**
 * `bundle IMAGE DIR [--snapshotter overlay|btrfs|copy] [overrides] [-- CMD ARGS…]`: a runnable OCI
 * bundle whose rootfs is a container snapshot mounted on DIR/rootfs.
 * `bundle --remove DIR`: unmount DIR/rootfs, release the snapshot, remove DIR.
 */
import type { Globals } from "./globals.ts";
import { createBundle, removeBundle } from "../lib/bundle/create.ts";
import { SNAPSHOTTERS } from "../lib/snapshot/detect.ts";
import type { SnapshotterName } from "../lib/snapshot/snapshotter.ts";
import { OVERRIDE_FLAGS, overridesFrom, splitCommand } from "./bundle-flags.ts";
import { parseFlags, type CommandSpec } from "./flags.ts";
import { writeStdout } from "../../common/stdio.ts";
import { UsageError } from "../lib/errors.ts";

const SPEC: CommandSpec = {
  name: "bocker-imagetool bundle",
  usage: ["IMAGE DIR [flags] [-- COMMAND ARGS…]", "--remove DIR"],
  flags: {
    snapshotter: { kind: "string", choices: SNAPSHOTTERS, describe: "default: detected from the storage root's filesystem" },
    remove: { kind: "boolean", describe: "tear down the bundle DIR" },
    ...OVERRIDE_FLAGS,
  },
  positionals: { min: 1, max: 2, message: "bundle needs IMAGE and DIR (or --remove DIR)" },
};

export async function run(all: string[], globals: Globals): Promise<number> {
  const { args, command } = splitCommand(all);
  const parsed = parseFlags(args, SPEC);
  if (parsed === undefined) return 0;
  const { flags, positionals: pos } = parsed;
  if (flags.remove) {
    if (pos.length !== 1) throw new UsageError("bundle --remove needs exactly one DIR");
    await removeBundle(pos[0]!);
    return 0;
  }
  if (pos.length !== 2) throw new UsageError("bundle needs IMAGE and DIR");
  const b = await createBundle({
    root: globals.root,
    image: pos[0]!,
    dir: pos[1]!,
    ...(flags.snapshotter ? { snapshotter: flags.snapshotter as SnapshotterName } : {}),
    overrides: overridesFrom(flags, command),
  });
  if (!globals.quiet) writeStdout(`${b.bundleDir} (${b.record.snapshotter} snapshot ${b.record.key})\n`);
  return 0;
}
