/**
 * `inspect IMAGE [--manifest|--config]`: a stored image's manifest and config as JSON.
 * `inspect docker://REF [--raw|--config] [--platform P] [--no-tags]`: an image on a registry, not
 * pulled, printed as `skopeo inspect` prints it (lib/inspect-remote.ts).
 */
import type { Globals } from "./globals.ts";
import { parsePlatform, hostPlatform } from "../lib/image/platform.ts";
import { writeStdout } from "../../common/stdio.ts";
import { parseFlags, type CommandSpec, type ParsedFlags } from "./flags.ts";
import { REGISTRY_FLAGS, registryOptions } from "./registry-flags.ts";
import { UsageError } from "../lib/errors.ts";

const SPEC: CommandSpec = {
  name: "bocker-imagetool inspect",
  usage: ["IMAGE  (name, digest or id prefix in the store)", "docker://REFERENCE  (on a registry, without pulling)"],
  flags: {
    manifest: { kind: "boolean", describe: "print only the manifest (stored image)" },
    raw: { kind: "boolean", describe: "print the manifest or index exactly as the registry sends it (docker://)" },
    config: { kind: "boolean", describe: "print only the config" },
    platform: { kind: "string", describe: "os/arch[/variant] when IMAGE is multi-platform" },
    tags: { kind: "boolean", describe: "--no-tags: leave the repository's tags (RepoTags) out (docker://)" },
    ...REGISTRY_FLAGS,
  },
  conflicts: [["manifest", "config"], ["raw", "config"], ["raw", "manifest"]],
  positionals: { min: 1, max: 1, message: "inspect needs exactly one IMAGE" },
};

const print = (value: unknown) => writeStdout(`${JSON.stringify(value, null, 2)}\n`);

export async function run(args: string[], globals: Globals): Promise<number> {
  const parsed = parseFlags(args, SPEC);
  if (parsed === undefined) return 0;
  const target = parsed.positionals[0]!;
  if (target.startsWith("docker://")) return inspectOnRegistry(target.slice("docker://".length), parsed);
  const argv = parsed.flags as { manifest?: boolean; config?: boolean; platform?: string; raw?: boolean };
  for (const remoteOnly of ["raw", "tags", "creds", "authfile", "tls-verify"]) {
    if (parsed.flags[remoteOnly] !== undefined) throw new UsageError(`inspect: --${remoteOnly} is for an image on a registry (docker://REFERENCE)`);
  }
  const [{ storeForRoot }, { resolveImage }] = await Promise.all([import("../lib/content/store.ts"), import("../lib/image/refs.ts")]);
  const image = await resolveImage(storeForRoot(globals.root), target, argv.platform ? parsePlatform(argv.platform) : undefined);
  print(argv.manifest
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
        });
  return 0;
}

async function inspectOnRegistry(reference: string, parsed: ParsedFlags): Promise<number> {
  const argv = parsed.flags as { manifest?: boolean; config?: boolean; platform?: string; raw?: boolean; tags?: boolean };
  if (argv.manifest) throw new UsageError("inspect: --manifest is for a stored image; use --raw with docker://");
  const [{ parseReference }, remote] = await Promise.all([import("../lib/reference.ts"), import("../lib/inspect-remote.ts")]);
  const ref = parseReference(reference);
  const options = { ...registryOptions(parsed.flags), ...(argv.platform ? { platform: parsePlatform(argv.platform) } : {}) };
  if (argv.raw) {
    const body = await remote.fetchRawManifest(ref, options);
    writeStdout(new TextDecoder().decode(body));
    return 0;
  }
  if (argv.config) {
    print(await remote.fetchRemoteConfig(ref, { ...options, platform: options.platform ?? hostPlatform() }));
    return 0;
  }
  print(await remote.inspectRemote(ref, { ...options, tags: argv.tags ?? true }));
  return 0;
}
