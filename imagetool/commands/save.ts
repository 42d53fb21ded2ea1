/** `save [IMAGE...] -o FILE`: images (all if none given) as an OCI archive. */
import yargs from "yargs";
import type { Globals } from "../main.ts";
import { storeForRoot } from "../lib/content/store.ts";
import { saveArchive } from "../lib/image/archive.ts";
import { writeStdout } from "../../runtime/lib/stdio.ts";

export async function run(args: string[], globals: Globals): Promise<number> {
  const argv = yargs(args)
    .scriptName("bocker-imagetool save")
    .usage("$0 [IMAGE...] -o FILE")
    .option("output", { alias: "o", type: "string", demandOption: true, describe: "archive to write (replaced only when complete)" })
    .strictOptions()
    .help()
    .parseSync();
  const roots = await saveArchive(storeForRoot(globals.root), argv._.map(String), argv.output);
  if (!globals.quiet) writeStdout(`Saved ${roots.length} image(s) to ${argv.output}\n`);
  return 0;
}
