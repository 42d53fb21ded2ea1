/** `push IMAGE [DESTINATION] [--all | --platform P] [--compression gzip|zstd] [--creds user:pass] [--tls-verify=false]`: DESTINATION defaults to IMAGE's name. */
import type { Globals } from "./globals.ts";
import { storeForRoot } from "../lib/content/store.ts";
import { parseReference, familiarName } from "../lib/reference.ts";
import { parsePlatform } from "../lib/image/platform.ts";
import { parseCredsFlag } from "../lib/registry/auth.ts";
import { pushImage } from "../lib/push.ts";
import { parseWriteCompression } from "../lib/layer/decompress.ts";
import { DEFAULT_CHUNK_SIZE } from "../lib/registry/pusher.ts";
import { createProgressDisplay } from "./progress.ts";
import { writeStdout } from "../../common/stdio.ts";
import { parseFlags, type CommandSpec } from "./flags.ts";

const SPEC: CommandSpec = {
  name: "bocker-imagetool push",
  usage: ["IMAGE [DESTINATION]  (e.g. push myapp localhost:5000/myapp:1)"],
  flags: {
    platform: { kind: "string", describe: "os/arch[/variant] when IMAGE is multi-platform" },
    all: { kind: "boolean", describe: "a multi-platform IMAGE whole: every platform, then the index (as skopeo copy --all)" },
    creds: { kind: "string", describe: "USERNAME:PASSWORD for the registry (default: ~/.docker/config.json)" },
    "tls-verify": { kind: "boolean", describe: "false: plain HTTP / no certificate checks (default: true)" },
    "chunk-size": { kind: "number", describe: `blobs larger than this are uploaded in chunks of this size (bytes; default: ${DEFAULT_CHUNK_SIZE})` },
    concurrency: { kind: "number", describe: "blobs uploaded at once (default: 4)" },
    compression: { kind: "string", describe: "push the layers in this compression, gzip or zstd, recompressing those stored otherwise (default: as stored)" },
  },
  conflicts: [["all", "platform"], ["all", "compression"]],
  positionals: { min: 1, max: 2, message: "push needs IMAGE and optionally DESTINATION" },
};

export async function run(args: string[], globals: Globals): Promise<number> {
  const parsed = parseFlags(args, SPEC);
  if (parsed === undefined) return 0;
  const argv = parsed.flags as { platform?: string; all?: boolean; creds?: string; "tls-verify"?: boolean; "chunk-size"?: number; concurrency?: number; compression?: string };
  const [source, destination] = parsed.positionals as [string, string | undefined];
  const dest = parseReference(destination ?? source);
  const display = await createProgressDisplay({ quiet: globals.quiet, verb: "Uploaded" });
  try {
    const result = await pushImage(storeForRoot(globals.root), source, dest, {
      ...(argv.platform ? { platform: parsePlatform(argv.platform) } : {}),
      all: argv.all ?? false,
      ...(argv.creds ? { credentials: parseCredsFlag(argv.creds) } : {}),
      tlsVerify: argv["tls-verify"] ?? true,
      chunkSize: Math.max(1, Math.floor(argv["chunk-size"] ?? DEFAULT_CHUNK_SIZE)),
      concurrency: Math.max(1, Math.floor(argv.concurrency ?? 4)),
      progress: display,
      ...(argv.compression !== undefined ? { compression: parseWriteCompression(argv.compression) } : {}),
    });
    display.stop();
    writeStdout(globals.quiet ? `${result.digest}\n` : `Pushed ${familiarName(dest)} (${result.digest})\n`);
    return 0;
  } finally {
    display.stop();
  }
}
