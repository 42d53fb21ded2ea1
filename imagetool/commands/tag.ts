/** `tag SOURCE TARGET...`: more names for a stored image (no registry involved). */
import type { Globals } from "./globals.ts";
import { storeForRoot } from "../lib/content/store.ts";
import { tagImage } from "../lib/image/tag.ts";
import { writeStdout } from "../../common/stdio.ts";
import { parseFlags, type CommandSpec } from "./flags.ts";

const SPEC: CommandSpec = {
  name: "bocker-imagetool tag",
  usage: ["SOURCE TARGET..."],
  flags: {},
  positionals: { min: 2, max: Infinity, message: "tag needs SOURCE and at least one TARGET" },
};

export async function run(args: string[], globals: Globals): Promise<number> {
  const parsed = parseFlags(args, SPEC);
  if (parsed === undefined) return 0;
  const [source, ...targets] = parsed.positionals;
  const store = storeForRoot(globals.root);
  for (const target of targets) {
    const name = await tagImage(store, source!, target);
    if (!globals.quiet) writeStdout(`Tagged ${name}\n`);
  }
  return 0;
}
