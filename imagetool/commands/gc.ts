/**
 * `gc [--dry-run]`: deletes layer snapshots no named image uses (imagetool/lib/gc/snapshots.ts),
 * then blobs no image references and temp files of dead processes, then partial downloads
 * nobody continued for a day (content/partial.ts).
 */
import type { Globals } from "./globals.ts";
import { storeForRoot } from "../lib/content/store.ts";
import { gcContent } from "../lib/gc/blobs.ts";
import { gcPartials } from "../lib/content/partial.ts";
import { pruneUnusedSnapshots } from "../lib/gc/snapshots.ts";
import { formatBytes } from "./progress.ts";
import { writeStdout } from "../../common/stdio.ts";
import { parseFlags, type CommandSpec } from "./flags.ts";

const SPEC: CommandSpec = {
  name: "bocker-imagetool gc",
  usage: [""],
  flags: { "dry-run": { kind: "boolean", describe: "list the blobs that would be removed, remove nothing" } },
  positionals: { min: 0, max: 0, message: "gc takes no arguments" },
};

export async function run(args: string[], globals: Globals): Promise<number> {
  const parsed = parseFlags(args, SPEC);
  if (parsed === undefined) return 0;
  const dryRun = parsed.flags["dry-run"] === true;
  const store = storeForRoot(globals.root);
  let snapshots = 0;
  if (!dryRun) {
    const pruned = await pruneUnusedSnapshots(globals.root, store);
    snapshots = pruned.removed.length;
    if (!globals.quiet) for (const s of pruned.removed) writeStdout(`Deleted snapshot: ${s.snapshotter}/${s.key}\n`);
  }
  const result = await gcContent(store, { dryRun });
  const partials = gcPartials(store, { dryRun });
  if (!globals.quiet) {
    for (const digest of result.removed) writeStdout(`${dryRun ? "Would delete" : "Deleted"}: ${digest}\n`);
    for (const name of partials.removed) writeStdout(`${dryRun ? "Would delete" : "Deleted"} partial download: ${name}\n`);
    writeStdout(`blobs: ${result.removed.length} removed (${formatBytes(result.freedBytes)}), ${result.kept} kept\n`);
    writeStdout(`partial downloads older than a day: ${partials.removed.length} removed (${formatBytes(partials.freedBytes)})\n`);
    if (!dryRun) writeStdout(`snapshots: ${snapshots} removed\n`);
  }
  return 0;
}
