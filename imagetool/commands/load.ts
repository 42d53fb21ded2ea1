/** `load -i FILE [--name NAME]`: images from an OCI archive, every blob verified. */
import type { Globals } from "./globals.ts";
import { storeForRoot } from "../lib/content/store.ts";
import { loadArchive } from "../lib/archive/load.ts";
import { writeStdout } from "../../common/stdio.ts";
import { parseFlags, type CommandSpec } from "./flags.ts";

const SPEC: CommandSpec = {
  name: "bocker-imagetool load",
  usage: ["-i FILE [--name NAME]"],
  flags: {
    input: { kind: "string", alias: "i", required: true, describe: "OCI archive (tar) to read" },
    name: { kind: "string", describe: "name for the image of a one-image archive (overrides its ref.name)" },
  },
  positionals: { min: 0, max: 0, message: "load takes no arguments besides its flags" },
};

export async function run(args: string[], globals: Globals): Promise<number> {
  const parsed = parseFlags(args, SPEC);
  if (parsed === undefined) return 0;
  const argv = parsed.flags as { input: string; name?: string };
  const names = await loadArchive(storeForRoot(globals.root), argv.input, argv.name);
  for (const name of names) writeStdout(globals.quiet ? `${name}\n` : `Loaded image: ${name}\n`);
  return 0;
}
