/** `inspect IMAGE [--manifest|--config]`: the image's manifest and config as JSON. */
import yargs from "yargs";
import type { Globals } from "../main.ts";
import { storeForRoot } from "../lib/content/store.ts";
import { resolveImage } from "../lib/image/refs.ts";
import { parsePlatform } from "../lib/image/platform.ts";
import { writeStdout } from "../../runtime/lib/stdio.ts";

export async function run(args: string[], globals: Globals): Promise<number> {
  const argv = yargs(args)
    .scriptName("bocker-imagetool inspect")
    .usage("$0 IMAGE  (name, digest or id prefix)")
    .option("manifest", { type: "boolean", describe: "print only the manifest" })
    .option("config", { type: "boolean", describe: "print only the config" })
    .option("platform", { type: "string", describe: "os/arch[/variant] when IMAGE is multi-platform" })
    .conflicts("manifest", "config")
    .demandCommand(1, 1, "inspect needs exactly one IMAGE")
    .strictOptions()
    .help()
    .parseSync();
  const image = await resolveImage(storeForRoot(globals.root), String(argv._[0]), argv.platform ? parsePlatform(argv.platform) : undefined);
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
