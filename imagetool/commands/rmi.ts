/** `rmi IMAGE... [--force] [--no-prune]`: removes names, then the layer snapshots and blobs nothing needs any more. */
import yargs from "yargs";
import type { Globals } from "../main.ts";
import { storeForRoot } from "../lib/content/store.ts";
import { untagImage } from "../lib/image/tag.ts";
import { gcContent } from "../lib/content/gc.ts";
import { pruneUnusedSnapshots } from "../lib/snapshot/prune.ts";
import { writeStdout } from "../../runtime/lib/stdio.ts";

export async function run(args: string[], globals: Globals): Promise<number> {
  const argv = yargs(args)
    .scriptName("bocker-imagetool rmi")
    .usage("$0 IMAGE...  (name, digest or id prefix)")
    .option("force", { alias: "f", type: "boolean", default: false, describe: "remove every name of an image given by id" })
    .option("prune", { type: "boolean", default: true, describe: "--no-prune: keep the now unreferenced layer snapshots and blobs" })
    .demandCommand(1, "rmi needs at least one IMAGE")
    .strictOptions()
    .help()
    .parseSync();
  const store = storeForRoot(globals.root);
  for (const query of argv._.map(String)) {
    for (const name of await untagImage(store, query, argv.force)) {
      if (!globals.quiet) writeStdout(`Untagged: ${name}\n`);
    }
  }
  if (argv.prune) {
    // The unpacked layers go too (as with docker rmi), then the blobs.
    const pruned = await pruneUnusedSnapshots(globals.root, store);
    if (!globals.quiet) for (const s of pruned.removed) writeStdout(`Deleted snapshot: ${s.snapshotter}/${s.key}\n`);
    const { removed } = await gcContent(store);
    if (!globals.quiet) for (const digest of removed) writeStdout(`Deleted: ${digest}\n`);
  }
  return 0;
}
