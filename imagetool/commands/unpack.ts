/** `unpack IMAGE DIR [overrides]`: like umoci unpack: DIR/rootfs as a plain directory plus DIR/config.json. */
import type { Globals } from "./globals.ts";
import { unpackToDir } from "../lib/bundle/unpack-dir.ts";
import { OVERRIDE_FLAGS, overridesFrom, splitCommand } from "./bundle-flags.ts";
import { parseFlags, type CommandSpec } from "./flags.ts";
import { writeStdout } from "../../common/stdio.ts";

const SPEC: CommandSpec = {
  name: "bocker-imagetool unpack",
  usage: ["IMAGE DIR [flags] [-- COMMAND ARGS…]"],
  flags: OVERRIDE_FLAGS,
  positionals: { min: 2, max: 2, message: "unpack needs IMAGE and DIR" },
};

export async function run(all: string[], globals: Globals): Promise<number> {
  const { args, command } = splitCommand(all);
  const parsed = parseFlags(args, SPEC);
  if (parsed === undefined) return 0;
  const [image, dir] = parsed.positionals as [string, string];
  const r = await unpackToDir({ root: globals.root, image, dir, overrides: overridesFrom(parsed.flags, command) });
  if (!globals.quiet) writeStdout(`${r.bundleDir}\n`);
  return 0;
}
