/** `tag SOURCE TARGET...`: more names for a stored image (no registry involved). */
import yargs from "yargs";
import type { Globals } from "../main.ts";
import { storeForRoot } from "../lib/content/store.ts";
import { tagImage } from "../lib/image/tag.ts";
import { writeStdout } from "../../runtime/lib/stdio.ts";

export async function run(args: string[], globals: Globals): Promise<number> {
  const argv = yargs(args)
    .scriptName("bocker-imagetool tag")
    .usage("$0 SOURCE TARGET...")
    .demandCommand(2, "tag needs SOURCE and at least one TARGET")
    .strictOptions()
    .help()
    .parseSync();
  const [source, ...targets] = argv._.map(String);
  const store = storeForRoot(globals.root);
  for (const target of targets) {
    const name = await tagImage(store, source!, target);
    if (!globals.quiet) writeStdout(`Tagged ${name}\n`);
  }
  return 0;
}
