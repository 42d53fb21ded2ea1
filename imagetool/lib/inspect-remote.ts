/**
 * Inspecting an image on a registry without pulling it, in the shape `skopeo inspect` prints
 * (skopeo cmd/skopeo/inspect.go, containers/image types.ImageInspectInfo): the manifest and the
 * config are fetched and verified, no layer is downloaded, nothing is stored. `Digest` is the
 * digest of what the reference names (the index, for a multi-platform image), as skopeo's is.
 * Mirrors in registries.conf are used as a pull uses them.
 */
import { ImagetoolError } from "./errors.ts";
import { digestOf, parseDigest } from "./content/digest.ts";
import { repositoryName, type Reference } from "./reference.ts";
import { CONFIG_TYPES, parseManifestBody } from "./image/mediatype.ts";
import { checkConfig } from "./image/manifest.ts";
import type { Descriptor, ImageConfig, Platform } from "./image/types.ts";
import { openRepository, type Repository, type RepositoryOptions } from "./registry/repository.ts";
import { platformManifest, readLimited } from "./registry/resolver.ts";
import { resolvePullSource } from "./registry/pull-source.ts";
import { listTags } from "./registry/tags.ts";

/** A config is a few KiB; one larger than this is refused rather than read into memory. */
const MAX_CONFIG_SIZE = 16 * 1024 * 1024;

export interface RemoteInspectOptions extends RepositoryOptions {
  /** The image of this platform, when the reference names an index; without it an index lists its platforms. */
  platform?: Platform;
  /** skopeo's --no-tags: leave RepoTags out (it costs a tag listing, which may be paged). */
  tags?: boolean;
}

export type RemoteView = "summary" | "raw" | "config";

/** The top-level manifest's bytes as the registry sent them (`--raw`). */
export async function fetchRawManifest(ref: Reference, options: RepositoryOptions): Promise<Uint8Array> {
  return (await resolvePullSource(ref, options)).top.body;
}

/** GETs a config blob and checks its size and digest before parsing it. */
async function fetchConfig(repo: Repository, d: Descriptor, where: string): Promise<unknown> {
  if (d.size > MAX_CONFIG_SIZE) throw new ImagetoolError("SIZE_MISMATCH", `${where}: ${d.size} bytes is more than the ${MAX_CONFIG_SIZE} allowed`);
  const res = await repo.transport.request(`/v2/${repo.path}/blobs/${d.digest}`, { scope: repo.scope, expect: [404] });
  if (res.status === 404) {
    await res.body?.cancel().catch(() => {});
    throw new ImagetoolError("BLOB_NOT_FOUND", `${where} is missing from ${repo.transport.host}/${repo.path}`);
  }
  const body = await readLimited(res, d.size, where);
  if (body.length !== d.size) throw new ImagetoolError("SIZE_MISMATCH", `${where}: expected ${d.size} bytes, got ${body.length}`);
  const got = digestOf(body, parseDigest(d.digest).algorithm);
  if (got !== d.digest) throw new ImagetoolError("DIGEST_MISMATCH", `${where}: registry sent content with digest ${got}`);
  try {
    return JSON.parse(new TextDecoder().decode(body));
  } catch (err) {
    throw new ImagetoolError("INVALID_MANIFEST", `${where}: not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}

/** The platform's image config (`--config`). */
export async function fetchRemoteConfig(ref: Reference, options: RemoteInspectOptions & { platform: Platform }): Promise<ImageConfig> {
  const { repo, top } = await resolvePullSource(ref, options);
  const name = repositoryName(ref);
  const { manifest } = await platformManifest(repo, top.descriptor, top.body, options.platform, name);
  if (!CONFIG_TYPES.includes(manifest.config.mediaType)) {
    throw new ImagetoolError("UNSUPPORTED", `'${name}' is not a container image: config media type '${manifest.config.mediaType}'`);
  }
  const where = `config ${manifest.config.digest} of '${name}'`;
  return checkConfig(await fetchConfig(repo, manifest.config, where), manifest, where);
}

/** skopeo inspect's JSON for an image, or the platforms of an index when no platform was asked for. */
export async function inspectRemote(ref: Reference, options: RemoteInspectOptions): Promise<Record<string, unknown>> {
  // The tags are the repository's on its own registry (a mirror may hold fewer), as skopeo lists them.
  const tags = options.tags === false ? undefined : listTags(openRepository(ref, options));
  tags?.catch(() => {}); // awaited below, after the manifest
  const { repo, top } = await resolvePullSource(ref, options);
  const name = repositoryName(ref);
  const parsed = parseManifestBody(top.body, top.descriptor.mediaType, `manifest ${top.descriptor.digest} of '${name}'`);
  const head = { Name: name, ...(ref.tag !== undefined ? { Tag: ref.tag } : {}), Digest: top.descriptor.digest, ...(tags ? { RepoTags: await tags } : {}) };
  if (parsed.kind === "index" && options.platform === undefined) {
    return {
      ...head,
      MediaType: top.descriptor.mediaType,
      Manifests: parsed.index.manifests.map((m) => ({ Digest: m.digest, MediaType: m.mediaType, Size: m.size, ...(m.platform ? { Platform: m.platform } : {}) })),
    };
  }
  const platform = options.platform ?? { os: "", architecture: "" }; // unused for a single manifest
  const { descriptor, manifest } = await platformManifest(repo, top.descriptor, top.body, platform, name);
  if (!CONFIG_TYPES.includes(manifest.config.mediaType)) {
    throw new ImagetoolError("UNSUPPORTED", `'${name}' is not a container image: config media type '${manifest.config.mediaType}'`);
  }
  const where = `config ${manifest.config.digest} of '${name}'`;
  const config = checkConfig(await fetchConfig(repo, manifest.config, where), manifest, where);
  const c = config as ImageConfig & { docker_version?: string; variant?: string };
  return {
    ...head,
    ...(descriptor !== top.descriptor ? { ManifestDigest: descriptor.digest } : {}),
    Created: c.created ?? null,
    DockerVersion: c.docker_version ?? "",
    Labels: c.config?.Labels ?? null,
    Architecture: c.architecture,
    ...(c.variant ? { Variant: c.variant } : {}),
    Os: c.os,
    Layers: manifest.layers.map((l) => l.digest),
    LayersData: manifest.layers.map((l) => ({ MIMEType: l.mediaType, Digest: l.digest, Size: l.size, Annotations: l.annotations ?? null })),
    Env: c.config?.Env ?? null,
  };
}
