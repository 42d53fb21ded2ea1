/** `load -i FILE [--name NAME]`: images from an OCI archive, every blob verified. */
import yargs from "yargs";
import type { Globals } from "../main.ts";
import { storeForRoot } from "../lib/content/store.ts";
import { loadArchive } from "../lib/image/archive.ts";
import { writeStdout } from "../../runtime/lib/stdio.ts";

export async function run(args: string[], globals: Globals): Promise<number> {
  const argv = yargs(args)
    .scriptName("bocker-imagetool load")
    .usage("$0 -i FILE [--name NAME]")
    .option("input", { alias: "i", type: "string", demandOption: true, describe: "OCI archive (tar) to read" })
    .option("name", { type: "string", describe: "name for the image of a one-image archive (overrides its ref.name)" })
    .strictOptions()
    .help()
    .parseSync();
  const names = await loadArchive(storeForRoot(globals.root), argv.input, argv.name);
  for (const name of names) writeStdout(globals.quiet ? `${name}\n` : `Loaded image: ${name}\n`);
  return 0;
}
