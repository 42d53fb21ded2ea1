/**
 * Image references, parsed and normalized as Docker does (github.com/distribution/reference:
 * regexp.go grammar, normalize.go `ParseNormalizedNamed`):
 *   busybox                  → docker.io/library/busybox:latest
 *   user/app:1               → docker.io/user/app:1
 *   localhost:5000/app       → localhost:5000/app:latest
 *   app@sha256:<hex>         → docker.io/library/app@sha256:<hex> (no default tag with a digest)
 * The first path component is a registry host only if it has a '.' or ':', is `localhost`, or has
 * an upper-case letter (repository names are lower case, so it cannot be a repository).
 */
import { ImagetoolError } from "./errors.ts";
import { parseDigest } from "./content/digest.ts";

export const DEFAULT_DOMAIN = "docker.io";
export const DEFAULT_TAG = "latest";
const LEGACY_DEFAULT_DOMAIN = "index.docker.io";
const DOCKER_HUB_REGISTRY = "registry-1.docker.io";
const NAME_TOTAL_LENGTH_MAX = 255;

// distribution/reference regexp.go
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const IPV6 = "\\[(?:[a-fA-F0-9:]+)\\]";
const DOMAIN = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|${IPV6})(?::[0-9]+)?$`);
const TAG = /^[\w][\w.-]{0,127}$/;
const ANCHORED_ID = /^[a-f0-9]{64}$/;

export interface Reference {
  /** Registry host as named in the reference (docker.io for Docker Hub). */
  domain: string;
  /** Repository path inside the registry, e.g. library/busybox. */
  path: string;
  tag?: string;
  digest?: string;
}

function bad(input: string, why: string): ImagetoolError {
  return new ImagetoolError("INVALID_REFERENCE", `invalid reference '${input}': ${why}`);
}

function splitDomain(name: string): { domain: string; path: string } {
  const i = name.indexOf("/");
  const first = i === -1 ? "" : name.slice(0, i);
  let domain: string;
  let path: string;
  if (i === -1 || (!/[.:]/.test(first) && first !== "localhost" && first.toLowerCase() === first)) {
    domain = DEFAULT_DOMAIN;
    path = name;
  } else {
    domain = first;
    path = name.slice(i + 1);
  }
  if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !path.includes("/")) path = `library/${path}`;
  return { domain, path };
}

/** Parses a user-typed reference into its normalized parts; throws INVALID_REFERENCE with the reason. */
export function parseReference(input: string): Reference {
  if (input === "") throw bad(input, "empty");
  if (ANCHORED_ID.test(input)) throw bad(input, "cannot specify 64-byte hexadecimal strings (that is an image id, not a name)");
  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    try {
      parseDigest(digest);
    } catch (err) {
      throw bad(input, (err as Error).message);
    }
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw bad(input, `tag '${tag}' must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`);
  }
  if (rest === "") throw bad(input, "missing repository name");
  const { domain, path } = splitDomain(rest);
  if (!DOMAIN.test(domain)) throw bad(input, `'${domain}' is not a valid registry host`);
  for (const component of path.split("/")) {
    if (component !== component.toLowerCase() && PATH_COMPONENT.test(component.toLowerCase())) {
      throw bad(input, "repository name must be lowercase");
    }
    if (!PATH_COMPONENT.test(component)) throw bad(input, `path component '${component}' must match [a-z0-9]+ separated by '.', '_', '__' or '-'`);
  }
  const name = `${domain}/${path}`;
  if (name.length > NAME_TOTAL_LENGTH_MAX) throw bad(input, `repository name longer than ${NAME_TOTAL_LENGTH_MAX} characters`);
  if (tag === undefined && digest === undefined) tag = DEFAULT_TAG;
  return { domain, path, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** domain/path */
export function repositoryName(ref: Reference): string {
  return `${ref.domain}/${ref.path}`;
}

/** The canonical full form: domain/path[:tag][@digest]. */
export function formatReference(ref: Reference): string {
  return `${repositoryName(ref)}${ref.tag !== undefined ? `:${ref.tag}` : ""}${ref.digest !== undefined ? `@${ref.digest}` : ""}`;
}

/** The name an image is stored under: domain/path:tag, or domain/path@digest when pulled by digest only. */
export function storageName(ref: Reference): string {
  return ref.tag !== undefined ? `${repositoryName(ref)}:${ref.tag}` : `${repositoryName(ref)}@${ref.digest}`;
}

/** Docker's "familiar" short form for display: docker.io/library/busybox:latest → busybox:latest. */
export function familiarName(ref: Reference): string {
  let repo = repositoryName(ref);
  if (ref.domain === DEFAULT_DOMAIN) repo = ref.path.startsWith("library/") && ref.path.split("/").length === 2 ? ref.path.slice(8) : ref.path;
  return `${repo}${ref.tag !== undefined ? `:${ref.tag}` : ""}${ref.digest !== undefined ? `@${ref.digest}` : ""}`;
}

/** The host to contact: docker.io is served by registry-1.docker.io. */
export function registryHost(ref: Reference): string {
  return ref.domain === DEFAULT_DOMAIN ? DOCKER_HUB_REGISTRY : ref.domain;
}

/** Plain HTTP is used only for loopback registries (and when TLS verification is turned off). */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/:[0-9]+$/, "").replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127\.\d+\.\d+\.\d+$/.test(h);
}
