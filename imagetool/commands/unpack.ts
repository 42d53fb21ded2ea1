/** `unpack IMAGE DIR [overrides]`: like umoci unpack: DIR/rootfs as a plain directory plus DIR/config.json. */
import yargs from "yargs";
import type { Globals } from "../main.ts";
import { unpackToDir } from "../lib/bundle/unpack-dir.ts";
import { overridesFrom, splitCommand, withOverrideFlags } from "./bundle-flags.ts";

export async function run(all: string[], globals: Globals): Promise<number> {
  const { args, command } = splitCommand(all);
  const argv = withOverrideFlags(
    yargs(args).scriptName("bocker-imagetool unpack").usage("$0 IMAGE DIR [flags] [-- COMMAND ARGS…]").demandCommand(2, 2, "unpack needs IMAGE and DIR"),
  )
    .strictOptions()
    .help()
    .parseSync();
  const pos = argv._.map(String);
  if (pos.length !== 2) throw new Error("unpack needs IMAGE and DIR");
  const r = await unpackToDir({ root: globals.root, image: pos[0]!, dir: pos[1]!, overrides: overridesFrom(argv, command) });
  if (!globals.quiet) process.stdout.write(`${r.bundleDir}\n`);
  return 0;
}
