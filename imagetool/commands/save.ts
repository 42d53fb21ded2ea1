/** `save [IMAGE...] -o FILE`: images (all if none given) as an OCI archive. */
import type { Globals } from "./globals.ts";
import { storeForRoot } from "../lib/content/store.ts";
import { saveArchive } from "../lib/archive/save.ts";
import { writeStdout } from "../../common/stdio.ts";
import { parseFlags, type CommandSpec } from "./flags.ts";

const SPEC: CommandSpec = {
  name: "bocker-imagetool save",
  usage: ["[IMAGE...] -o FILE"],
  flags: { output: { kind: "string", alias: "o", required: true, describe: "archive to write (replaced only when complete)" } },
  positionals: { min: 0, max: Infinity, message: "save takes any number of IMAGEs" },
};

export async function run(args: string[], globals: Globals): Promise<number> {
  const parsed = parseFlags(args, SPEC);
  if (parsed === undefined) return 0;
  const output = parsed.flags.output as string;
  const roots = await saveArchive(storeForRoot(globals.root), parsed.positionals, output);
  if (!globals.quiet) writeStdout(`Saved ${roots.length} image(s) to ${output}\n`);
  return 0;
}
