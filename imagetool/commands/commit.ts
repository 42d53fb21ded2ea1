/** `commit BUNDLE_DIR NAME [-m MESSAGE] [--author A] [--compression gzip|zstd]`: the bundle's container changes as a new image. */
import type { Globals } from "./globals.ts";
import { commitBundle } from "../lib/bundle/commit.ts";
import { parseWriteCompression } from "../lib/layer/decompress.ts";
import { writeStdout } from "../../common/stdio.ts";
import { parseFlags, type CommandSpec } from "./flags.ts";

const SPEC: CommandSpec = {
  name: "bocker-imagetool commit",
  usage: ["BUNDLE_DIR NAME"],
  flags: {
    message: { kind: "string", alias: "m", describe: "history comment" },
    author: { kind: "string", describe: "the image config's author" },
    compression: { kind: "string", describe: "the new layer's compression: gzip (default) or zstd" },
  },
  positionals: { min: 2, max: 2, message: "commit needs BUNDLE_DIR and NAME" },
};

export async function run(args: string[], globals: Globals): Promise<number> {
  const parsed = parseFlags(args, SPEC);
  if (parsed === undefined) return 0;
  const argv = parsed.flags as { message?: string; author?: string; compression?: string };
  const img = await commitBundle({
    bundleDir: parsed.positionals[0]!,
    name: parsed.positionals[1]!,
    ...(argv.message ? { message: argv.message } : {}),
    ...(argv.author ? { author: argv.author } : {}),
    compression: parseWriteCompression(argv.compression),
  });
  writeStdout(globals.quiet ? `${img.configDigest}\n` : `${img.name} ${img.configDigest}\n`);
  return 0;
}
