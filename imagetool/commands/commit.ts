/** `commit BUNDLE_DIR NAME [-m MESSAGE] [--author A]`: the bundle's container changes as a new image. */
import yargs from "yargs";
import type { Globals } from "../main.ts";
import { commitBundle } from "../lib/bundle/commit.ts";
import { writeStdout } from "../../runtime/lib/stdio.ts";

export async function run(args: string[], globals: Globals): Promise<number> {
  const argv = yargs(args)
    .scriptName("bocker-imagetool commit")
    .usage("$0 BUNDLE_DIR NAME")
    .option("message", { alias: "m", type: "string", describe: "history comment" })
    .option("author", { type: "string" })
    .demandCommand(2, 2, "commit needs BUNDLE_DIR and NAME")
    .strictOptions()
    .help()
    .parseSync();
  const img = await commitBundle({
    bundleDir: String(argv._[0]),
    name: String(argv._[1]),
    ...(argv.message ? { message: argv.message } : {}),
    ...(argv.author ? { author: argv.author } : {}),
  });
  writeStdout(globals.quiet ? `${img.configDigest}\n` : `${img.name} ${img.configDigest}\n`);
  return 0;
}
