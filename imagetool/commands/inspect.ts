/** `inspect IMAGE [--manifest|--config]`: the image's manifest and config as JSON. */
import type { Globals } from "./globals.ts";
import { storeForRoot } from "../lib/content/store.ts";
import { resolveImage } from "../lib/image/refs.ts";
import { parsePlatform } from "../lib/image/platform.ts";
import { writeStdout } from "../../common/stdio.ts";
import { parseFlags, type CommandSpec } from "./flags.ts";

const SPEC: CommandSpec = {
  name: "bocker-imagetool inspect",
  usage: ["IMAGE  (name, digest or id prefix)"],
  flags: {
    manifest: { kind: "boolean", describe: "print only the manifest" },
    config: { kind: "boolean", describe: "print only the config" },
    platform: { kind: "string", describe: "os/arch[/variant] when IMAGE is multi-platform" },
  },
  conflicts: [["manifest", "config"]],
  positionals: { min: 1, max: 1, message: "inspect needs exactly one IMAGE" },
};

export async function run(args: string[], globals: Globals): Promise<number> {
  const parsed = parseFlags(args, SPEC);
  if (parsed === undefined) return 0;
  const argv = parsed.flags as { manifest?: boolean; config?: boolean; platform?: string };
  const image = await resolveImage(storeForRoot(globals.root), parsed.positionals[0]!, argv.platform ? parsePlatform(argv.platform) : undefined);
  const out = argv.manifest
    ? image.manifest
    : argv.config
      ? image.config
      : {
          name: image.name ?? null,
          id: image.configDescriptor.digest,
          digest: image.manifestDescriptor.digest,
          mediaType: image.manifestDescriptor.mediaType,
          manifest: image.manifest,
          config: image.config,
        };
  writeStdout(`${JSON.stringify(out, null, 2)}\n`);
  return 0;
}
