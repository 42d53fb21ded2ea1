/** `init DIR [--name NAME]`: an image made of DIR's tree (one layer), Cmd /bin/sh, stored and named. */
import { basename, resolve } from "node:path";
import yargs from "yargs";
import type { Globals } from "../main.ts";
import { initImage } from "../lib/bundle/init-image.ts";
import { writeStdout } from "../../runtime/lib/stdio.ts";

export async function run(args: string[], globals: Globals): Promise<number> {
  const argv = yargs(args)
    .scriptName("bocker-imagetool init")
    .usage("$0 DIR [--name NAME]")
    .option("name", { alias: "n", type: "string", describe: "image name (default: the directory's name, tag latest)" })
    .demandCommand(1, 1, "init needs exactly one DIR")
    .strictOptions()
    .help()
    .parseSync();
  const dir = String(argv._[0]);
  const name = argv.name ?? basename(resolve(dir)).toLowerCase().replace(/[^a-z0-9._-]/g, "-");
  const img = await initImage({ root: globals.root, dir, name });
  writeStdout(globals.quiet ? `${img.configDigest}\n` : `${img.name} ${img.configDigest}\n`);
  return 0;
}
