/**
 * Where a reference is pulled from under registries.conf (containers/image
 * pkg/sysregistriesv2 FindRegistry and PullSourcesFromReference): the [[registry]] whose prefix
 * matches the most of `host/path` decides; its mirrors come first, in order, each allowed by its
 * pull-from-mirror (and the entry's mirror-by-digest-only), then its location. A pull tries them
 * in that order and keeps the first that has the image; a push, a tag listing and a login go to
 * the reference's own registry. `blocked` refuses the registry whatever the operation.
 */
import { ImagetoolError } from "../errors.ts";
import type { Reference } from "../reference.ts";
import { registriesConfig, type RegistriesConfig, type RegistryEntry } from "./registries-conf.ts";

export interface PullSource {
  ref: Reference;
  insecure: boolean;
  mirror: boolean;
}

/** Length of `prefix`'s match at the start of `name` (host/path), or -1. */
function matchLength(name: string, prefix: string): number {
  if (prefix.startsWith("*.")) {
    const host = name.split("/")[0]!;
    return host.endsWith(prefix.slice(1)) ? host.length : -1;
  }
  if (!name.startsWith(prefix)) return -1;
  return name.length === prefix.length || name[prefix.length] === "/" ? prefix.length : -1;
}

/** The entry for `name` (host or host/path), longest prefix first. */
export function findRegistry(name: string, config: RegistriesConfig = registriesConfig()): RegistryEntry | undefined {
  let best: RegistryEntry | undefined;
  let bestLength = -1;
  for (const entry of config.registries) {
    const n = matchLength(name, entry.prefix);
    if (n > bestLength) {
      best = entry;
      bestLength = n;
    }
  }
  return best;
}

function refusedIfBlocked(entry: RegistryEntry | undefined, name: string): void {
  if (entry?.blocked) throw new ImagetoolError("DENIED", `${name} is blocked by ${entry.source} (blocked = true)`);
}

/** Whether `name` (host or host/repository) is insecure (plain HTTP and unverified TLS allowed); refuses a blocked one. */
export function hostPolicy(name: string, config?: RegistriesConfig): { insecure: boolean } {
  const entry = findRegistry(name, config);
  refusedIfBlocked(entry, name);
  return { insecure: entry?.insecure ?? false };
}

function rewrite(ref: Reference, entry: RegistryEntry, location: string): Reference {
  const name = `${ref.domain}/${ref.path}`;
  if (location === "") return ref; // a wildcard prefix: the image stays on its own host
  const rewritten = location + name.slice(matchLength(name, entry.prefix));
  const slash = rewritten.indexOf("/");
  if (slash <= 0 || slash === rewritten.length - 1) throw new ImagetoolError("INVALID_ARGUMENT", `${entry.source}: location ${location} turns ${name} into ${rewritten}, which names no repository`);
  return { ...ref, domain: rewritten.slice(0, slash), path: rewritten.slice(slash + 1) };
}

/** The sources to try for a pull of `ref`, in order; just `ref` itself without a matching entry. */
export function pullSources(ref: Reference, config?: RegistriesConfig): PullSource[] {
  const name = `${ref.domain}/${ref.path}`;
  const entry = findRegistry(name, config);
  if (!entry) return [{ ref, insecure: false, mirror: false }];
  refusedIfBlocked(entry, name);
  const digested = ref.digest !== undefined;
  const mirrors = entry.mirrors.filter((m) => {
    if (entry.mirrorByDigestOnly) return digested;
    return m.pullFromMirror === "all" || (m.pullFromMirror === "digest-only") === digested;
  });
  return [
    ...mirrors.map((m) => ({ ref: rewrite(ref, entry, m.location), insecure: m.insecure, mirror: true })),
    { ref: rewrite(ref, entry, entry.location), insecure: entry.insecure, mirror: false },
  ];
}
