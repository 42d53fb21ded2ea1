/**
 * `bundle IMAGE DIR [--snapshotter overlay|btrfs|copy] [overrides] [-- CMD ARGS…]`: a runnable OCI
 * bundle whose rootfs is a container snapshot mounted on DIR/rootfs.
 * `bundle --remove DIR`: unmount DIR/rootfs, release the snapshot, remove DIR.
 */
import yargs from "yargs";
import type { Globals } from "../main.ts";
import { createBundle, removeBundle } from "../lib/bundle/create.ts";
import { SNAPSHOTTERS } from "../lib/snapshot/detect.ts";
import type { SnapshotterName } from "../lib/snapshot/snapshotter.ts";
import { overridesFrom, splitCommand, withOverrideFlags } from "./bundle-flags.ts";

export async function run(all: string[], globals: Globals): Promise<number> {
  const { args, command } = splitCommand(all);
  const argv = withOverrideFlags(
    yargs(args)
      .scriptName("bocker-imagetool bundle")
      .usage("$0 IMAGE DIR [flags] [-- COMMAND ARGS…]\n$0 --remove DIR")
      
      .option("snapshotter", { type: "string", choices: SNAPSHOTTERS as string[], describe: "default: detected from the storage root's filesystem" })
      .option("remove", { type: "boolean", describe: "tear down the bundle DIR" })
      .demandCommand(1, 2, "bundle needs IMAGE and DIR (or --remove DIR)"),
  )
    .strictOptions()
    .help()
    .parseSync();
  const pos = argv._.map(String);
  if (argv.remove) {
    if (pos.length !== 1) throw new Error("bundle --remove needs exactly one DIR");
    await removeBundle(pos[0]!);
    return 0;
  }
  if (pos.length !== 2) throw new Error("bundle needs IMAGE and DIR");
  const b = await createBundle({
    root: globals.root,
    image: pos[0]!,
    dir: pos[1]!,
    ...(argv.snapshotter ? { snapshotter: argv.snapshotter as SnapshotterName } : {}),
    overrides: overridesFrom(argv, command),
  });
  if (!globals.quiet) process.stdout.write(`${b.bundleDir} (${b.record.snapshotter} snapshot ${b.record.key})\n`);
  return 0;
}
