/** `push IMAGE [DESTINATION] [--all | --platform P] [--creds user:pass] [--tls-verify=false]`: DESTINATION defaults to IMAGE's name. */
import yargs from "yargs";
import type { Globals } from "../main.ts";
import { storeForRoot } from "../lib/content/store.ts";
import { parseReference, familiarName } from "../lib/reference.ts";
import { parsePlatform } from "../lib/image/platform.ts";
import { parseCredsFlag } from "../lib/registry/auth.ts";
import { pushImage } from "../lib/registry/push.ts";
import { DEFAULT_CHUNK_SIZE } from "../lib/registry/pusher.ts";
import { createProgressDisplay } from "../lib/registry/progress.ts";
import { writeStdout } from "../../runtime/lib/stdio.ts";

export async function run(args: string[], globals: Globals): Promise<number> {
  const argv = yargs(args)
    .scriptName("bocker-imagetool push")
    .usage("$0 IMAGE [DESTINATION]  (e.g. push myapp localhost:5000/myapp:1)")
    .option("platform", { type: "string", describe: "os/arch[/variant] when IMAGE is multi-platform" })
    .option("all", { type: "boolean", default: false, describe: "a multi-platform IMAGE whole: every platform, then the index (as skopeo copy --all)" })
    .conflicts("all", "platform")
    .option("creds", { type: "string", describe: "USERNAME:PASSWORD for the registry (default: ~/.docker/config.json)" })
    .option("tls-verify", { type: "boolean", default: true, describe: "false: plain HTTP / no certificate checks" })
    .option("chunk-size", { type: "number", default: DEFAULT_CHUNK_SIZE, describe: "blobs larger than this are uploaded in chunks of this size (bytes)" })
    .option("concurrency", { type: "number", default: 4, describe: "blobs uploaded at once" })
    .demandCommand(1, 2, "push needs IMAGE and optionally DESTINATION")
    .strictOptions()
    .help()
    .parseSync();
  const source = String(argv._[0]);
  const dest = parseReference(String(argv._[1] ?? source));
  const display = await createProgressDisplay({ quiet: globals.quiet, verb: "Uploaded" });
  try {
    const result = await pushImage(storeForRoot(globals.root), source, dest, {
      ...(argv.platform ? { platform: parsePlatform(argv.platform) } : {}),
      all: argv.all,
      ...(argv.creds ? { credentials: parseCredsFlag(argv.creds) } : {}),
      tlsVerify: argv["tls-verify"],
      chunkSize: Math.max(1, argv["chunk-size"]),
      concurrency: Math.max(1, argv.concurrency),
      progress: display,
    });
    display.stop();
    writeStdout(globals.quiet ? `${result.digest}\n` : `Pushed ${familiarName(dest)} (${result.digest})\n`);
    return 0;
  } finally {
    display.stop();
  }
}
