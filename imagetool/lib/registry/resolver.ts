/**
 * Resolver: reference → descriptor of its manifest or index (distribution spec "Pulling
 * manifests"), plus the body, verified. The media type comes from Content-Type, the digest from
 * the reference or is computed from the body and checked against Docker-Content-Digest.
 */
import { ImagetoolError } from "../errors.ts";
import { digestOf, parseDigest } from "../content/digest.ts";
import { formatReference, familiarName } from "../reference.ts";
import { isIndexType, isManifestType, MANIFEST_ACCEPT, parseManifestBody } from "../image/mediatype.ts";
import { selectPlatformManifest } from "../image/platform.ts";
import type { Descriptor, ImageManifest, Platform } from "../image/types.ts";
import type { Repository } from "./repository.ts";

/** Larger manifests are refused without being read (containerd uses the same 4 MiB bound). */
export const MAX_MANIFEST_SIZE = 4 * 1024 * 1024;

export interface ResolvedManifest {
  descriptor: Descriptor;
  body: Uint8Array;
}

/** Reads a response body, refusing to read more than `limit` bytes. */
export async function readLimited(res: Response, limit: number, what: string): Promise<Uint8Array> {
  const declared = Number(res.headers.get("content-length") ?? NaN);
  if (declared > limit) {
    await res.body?.cancel().catch(() => {});
    throw new ImagetoolError("SIZE_MISMATCH", `${what}: ${declared} bytes is more than the ${limit} allowed`);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (res.body) {
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > limit) {
        await reader.cancel().catch(() => {});
        throw new ImagetoolError("SIZE_MISMATCH", `${what}: more than the ${limit} bytes allowed`);
      }
      chunks.push(value);
    }
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

/**
 * The manifest's media type: Content-Type, or, when a registry sends a generic one
 * (application/json), the body's own `mediaType` (as containerd's resolver falls back to).
 */
function manifestMediaType(res: Response, body: Uint8Array): string {
  const header = (res.headers.get("content-type") ?? "").split(";")[0]!.trim();
  if (isManifestType(header) || isIndexType(header) || header.includes("distribution.manifest.v1")) return header;
  try {
    const declared = (JSON.parse(new TextDecoder().decode(body)) as { mediaType?: unknown }).mediaType;
    if (typeof declared === "string") return declared;
  } catch {
    // not JSON: parseManifestBody reports it
  }
  return header;
}

/** GET the manifest named by `tagOrDigest`; 404 is "No image named 'x:y' exists". */
export async function fetchManifestByRef(repo: Repository, tagOrDigest: string, limit = MAX_MANIFEST_SIZE, retry = true): Promise<ResolvedManifest> {
  const res = await repo.transport.request(`/v2/${repo.path}/manifests/${tagOrDigest}`, {
    headers: { accept: MANIFEST_ACCEPT },
    scope: repo.scope,
    expect: [404],
    retry,
  });
  const isDigest = /^[a-z0-9]+:/.test(tagOrDigest);
  const repoName = familiarName({ domain: repo.ref.domain, path: repo.ref.path });
  const shown = `${repoName}${isDigest ? "@" : ":"}${tagOrDigest}`;
  if (res.status === 404) {
    await res.body?.cancel().catch(() => {});
    throw new ImagetoolError("IMAGE_NOT_FOUND", `No image named '${shown}' exists on ${repo.transport.host}`);
  }
  const body = await readLimited(res, limit, `manifest of '${shown}'`);
  const mediaType = manifestMediaType(res, body);
  const algorithm = isDigest ? parseDigest(tagOrDigest).algorithm : "sha256";
  const digest = digestOf(body, algorithm);
  if (isDigest && digest !== tagOrDigest) {
    throw new ImagetoolError("DIGEST_MISMATCH", `manifest of '${shown}': registry sent content with digest ${digest}`);
  }
  const headerDigest = res.headers.get("docker-content-digest");
  if (!isDigest && headerDigest && headerDigest.startsWith("sha256:") && headerDigest !== digest) {
    throw new ImagetoolError("DIGEST_MISMATCH", `manifest of '${shown}': Docker-Content-Digest says ${headerDigest} but the content's digest is ${digest}`);
  }
  return { descriptor: { mediaType, digest, size: body.length }, body };
}

/**
 * Resolves the repository's reference (digest wins over tag, as in Docker). `retry: false` asks
 * once (a mirror that fails gives way to the next source at once).
 */
export function resolve(repo: Repository, options: { retry?: boolean } = {}): Promise<ResolvedManifest> {
  const target = repo.ref.digest ?? repo.ref.tag;
  if (target === undefined) throw new ImagetoolError("INVALID_REFERENCE", `${formatReference(repo.ref)}: neither tag nor digest`);
  return fetchManifestByRef(repo, target, MAX_MANIFEST_SIZE, options.retry ?? true);
}

/** Follows indexes down to the platform's image manifest; returns its descriptor and parsed body. */
export async function platformManifest(repo: Repository, top: Descriptor, body: Uint8Array, platform: Platform, name: string): Promise<{ descriptor: Descriptor; bytes: Uint8Array; manifest: ImageManifest }> {
  let descriptor = top;
  let bytes = body;
  for (let depth = 0; depth < 4; depth++) {
    const parsed = parseManifestBody(bytes, descriptor.mediaType, `manifest ${descriptor.digest} of '${name}'`);
    if (parsed.kind === "manifest") return { descriptor, bytes, manifest: parsed.manifest };
    const chosen = selectPlatformManifest(parsed.index.manifests, platform, name);
    // Never read more than the index says the manifest has.
    const fetched = await fetchManifestByRef(repo, chosen.digest, Math.min(chosen.size, MAX_MANIFEST_SIZE));
    if (fetched.descriptor.size !== chosen.size) {
      throw new ImagetoolError("SIZE_MISMATCH", `manifest ${chosen.digest} of '${name}': index says ${chosen.size} bytes, got ${fetched.descriptor.size}`);
    }
    descriptor = chosen; // the index's descriptor, not the Content-Type, decides the type
    bytes = fetched.body;
  }
  throw new ImagetoolError("INVALID_MANIFEST", `'${name}': indexes nested too deep`);
}
