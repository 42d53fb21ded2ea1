/**
 * `pull REF [--platform os/arch[/variant]] [--creds user:pass] [--authfile F] [--tls-verify=false] [--snapshotter S] [--unpack=false]`
 * The layers are also unpacked into the snapshotter (default: detected), as `docker pull` does;
 * rootless too, as sys/rootless.ts and layer/rootless-owner.ts describe.
 */
import type { Globals } from "./globals.ts";
import { storeForRoot } from "../lib/content/store.ts";
import { parseReference, familiarName } from "../lib/reference.ts";
import { parsePlatform } from "../lib/image/platform.ts";
import { pullImage } from "../lib/pull.ts";
import { createProgressDisplay, formatBytes } from "./progress.ts";
import { openSnapshotter, SNAPSHOTTERS } from "../lib/snapshot/detect.ts";
import type { SnapshotterName } from "../lib/snapshot/snapshotter.ts";
import { parseFlags, type CommandSpec } from "./flags.ts";
import { REGISTRY_FLAGS, registryOptions } from "./registry-flags.ts";
import { UsageError } from "../lib/errors.ts";
import { writeStdout } from "../../common/stdio.ts";

const SPEC: CommandSpec = {
  name: "bocker-imagetool pull",
  usage: ["REFERENCE  (e.g. busybox, localhost:5000/app:1, app@sha256:…)"],
  flags: {
    platform: { kind: "string", describe: "os/arch[/variant] to pull from a multi-platform image (default: this host's)" },
    ...REGISTRY_FLAGS,
    concurrency: { kind: "number", describe: "layers downloaded at once (default: 4)" },
    unpack: { kind: "boolean", describe: "unpack the layers into snapshots while pulling (default: true)" },
    snapshotter: { kind: "string", choices: SNAPSHOTTERS, describe: "where to unpack (default: detected from the storage root's filesystem)" },
  },
  positionals: { min: 1, max: 1, message: "pull needs exactly one REFERENCE" },
};

export async function run(args: string[], globals: Globals): Promise<number> {
  const parsed = parseFlags(args, SPEC);
  if (parsed === undefined) return 0;
  const argv = parsed.flags as { platform?: string; concurrency?: number; unpack?: boolean; snapshotter?: SnapshotterName };
  const ref = parseReference(parsed.positionals[0]!);
  const unpack = argv.unpack ?? true;
  if (argv.snapshotter && !unpack) throw new UsageError("pull: --snapshotter needs the layers unpacked (not --unpack=false)");
  const unpackInto = unpack ? () => openSnapshotter(globals.root, argv.snapshotter) : undefined;
  const display = await createProgressDisplay({ quiet: globals.quiet });
  const started = performance.now();
  try {
    const result = await pullImage(storeForRoot(globals.root), ref, {
      ...(argv.platform ? { platform: parsePlatform(argv.platform) } : {}),
      ...registryOptions(parsed.flags),
      concurrency: Math.max(1, Math.floor(argv.concurrency ?? 4)),
      progress: display,
      ...(unpackInto ? { unpackInto } : {}),
    });
    display.stop();
    if (globals.quiet) {
      writeStdout(`${result.name}\n`);
    } else {
      const seconds = ((performance.now() - started) / 1000).toFixed(2);
      writeStdout(`Pulled ${familiarName(ref)} (${result.manifest.digest}): ${result.layers.length} layers, ${formatBytes(result.downloaded)} downloaded in ${seconds}s\n`);
    }
    return 0;
  } finally {
    display.stop();
  }
}
