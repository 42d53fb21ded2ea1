/** `pull REF [--platform os/arch[/variant]] [--creds user:pass] [--tls-verify=false]` */
import yargs from "yargs";
import type { Globals } from "../main.ts";
import { storeForRoot } from "../lib/content/store.ts";
import { parseReference, familiarName } from "../lib/reference.ts";
import { parsePlatform } from "../lib/image/platform.ts";
import { parseCredsFlag } from "../lib/registry/auth.ts";
import { pullImage } from "../lib/registry/pull.ts";
import { createProgressDisplay, formatBytes } from "../lib/registry/progress.ts";

export async function run(args: string[], globals: Globals): Promise<number> {
  const argv = yargs(args)
    .scriptName("bocker-imagetool pull")
    .usage("$0 REFERENCE  (e.g. busybox, localhost:5000/app:1, app@sha256:…)")
    .option("platform", { type: "string", describe: "os/arch[/variant] to pull from a multi-platform image (default: this host's)" })
    .option("creds", { type: "string", describe: "USERNAME:PASSWORD for the registry (default: ~/.docker/config.json)" })
    .option("tls-verify", { type: "boolean", default: true, describe: "false: plain HTTP / no certificate checks" })
    .option("concurrency", { type: "number", default: 4, describe: "layers downloaded at once" })
    .demandCommand(1, 1, "pull needs exactly one REFERENCE")
    .strictOptions()
    .help()
    .parseSync();
  const ref = parseReference(String(argv._[0]));
  const display = await createProgressDisplay(process.stderr, { quiet: globals.quiet });
  const started = performance.now();
  try {
    const result = await pullImage(storeForRoot(globals.root), ref, {
      ...(argv.platform ? { platform: parsePlatform(argv.platform) } : {}),
      ...(argv.creds ? { credentials: parseCredsFlag(argv.creds) } : {}),
      tlsVerify: argv["tls-verify"],
      concurrency: Math.max(1, argv.concurrency),
      progress: display,
    });
    display.stop();
    if (globals.quiet) {
      process.stdout.write(`${result.name}\n`);
    } else {
      const seconds = ((performance.now() - started) / 1000).toFixed(2);
      process.stdout.write(`Pulled ${familiarName(ref)} (${result.manifest.digest}): ${result.layers.length} layers, ${formatBytes(result.downloaded)} downloaded in ${seconds}s\n`);
    }
    return 0;
  } finally {
    display.stop();
  }
}
