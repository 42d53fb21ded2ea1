/** `init DIR [--name NAME]`: an image made of DIR's tree (one layer), Cmd /bin/sh, stored and named. */
import { basename, resolve } from "node:path";
import type { Globals } from "./globals.ts";
import { initImage } from "../lib/bundle/init-image.ts";
import { writeStdout } from "../../common/stdio.ts";
import { parseFlags, type CommandSpec } from "./flags.ts";

const SPEC: CommandSpec = {
  name: "bocker-imagetool init",
  usage: ["DIR [--name NAME]"],
  flags: { name: { kind: "string", alias: "n", describe: "image name (default: the directory's name, tag latest)" } },
  positionals: { min: 1, max: 1, message: "init needs exactly one DIR" },
};

export async function run(args: string[], globals: Globals): Promise<number> {
  const parsed = parseFlags(args, SPEC);
  if (parsed === undefined) return 0;
  const dir = parsed.positionals[0]!;
  const name = (parsed.flags.name as string | undefined) ?? basename(resolve(dir)).toLowerCase().replace(/[^a-z0-9._-]/g, "-");
  const img = await initImage({ root: globals.root, dir, name });
  writeStdout(globals.quiet ? `${img.configDigest}\n` : `${img.name} ${img.configDigest}\n`);
  return 0;
}
