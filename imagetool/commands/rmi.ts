/** `rmi IMAGE... [--force] [--no-prune]`: removes names, then the layer snapshots and blobs nothing needs any more. */
import type { Globals } from "./globals.ts";
import { storeForRoot } from "../lib/content/store.ts";
import { untagImage } from "../lib/image/tag.ts";
import { gcContent } from "../lib/gc/blobs.ts";
import { pruneUnusedSnapshots } from "../lib/gc/snapshots.ts";
import { writeStdout } from "../../common/stdio.ts";
import { parseFlags, type CommandSpec } from "./flags.ts";

const SPEC: CommandSpec = {
  name: "bocker-imagetool rmi",
  usage: ["IMAGE...  (name, digest or id prefix)"],
  flags: {
    force: { kind: "boolean", alias: "f", describe: "remove every name of an image given by id" },
    prune: { kind: "boolean", describe: "--no-prune: keep the now unreferenced layer snapshots and blobs (default: prune)" },
  },
  positionals: { min: 1, max: Infinity, message: "rmi needs at least one IMAGE" },
};

export async function run(args: string[], globals: Globals): Promise<number> {
  const parsed = parseFlags(args, SPEC);
  if (parsed === undefined) return 0;
  const argv = parsed.flags as { force?: boolean; prune?: boolean };
  const store = storeForRoot(globals.root);
  for (const query of parsed.positionals) {
    for (const name of await untagImage(store, query, argv.force ?? false)) {
      if (!globals.quiet) writeStdout(`Untagged: ${name}\n`);
    }
  }
  if (argv.prune ?? true) {
    // The unpacked layers go too (as with docker rmi), then the blobs.
    const pruned = await pruneUnusedSnapshots(globals.root, store);
    if (!globals.quiet) for (const s of pruned.removed) writeStdout(`Deleted snapshot: ${s.snapshotter}/${s.key}\n`);
    const { removed } = await gcContent(store);
    if (!globals.quiet) for (const digest of removed) writeStdout(`Deleted: ${digest}\n`);
  }
  return 0;
}
