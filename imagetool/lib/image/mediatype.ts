/**
 * Media types (OCI image-spec media-types.md and Docker's image-manifest-v2-2) and strict parsing of
 * manifest and index bodies.
 *
 * CVE-2021-41190 (GHSA-mc8v-mgrf-8f4m, GHSA-77vh-xpmg-72qh): a body whose type is decided only by
 * its content can be read as a manifest by one tool and as an index by another. So, as umoci
 * 610dabf6 (oci/casext/mediatype/parse.go) does: the type comes from the descriptor, the body's own
 * `mediaType` must agree with it, and a body carrying both `manifests` and `config`/`layers` is rejected.
 */
import { ImagetoolError } from "../errors.ts";
import { parseDigest } from "../content/digest.ts";
import { formatSchemaIssues, validateImageIndex, validateImageManifest, type SchemaValidation } from "../../../schemas/index.ts";
import type { Descriptor, ImageIndex, ImageManifest } from "./types.ts";

export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
export const OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
export const OCI_LAYER = "application/vnd.oci.image.layer.v1.tar";
export const OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
export const OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";
export const OCI_LAYER_NONDIST = "application/vnd.oci.image.layer.nondistributable.v1.tar";
export const OCI_LAYER_NONDIST_GZIP = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
export const OCI_LAYER_NONDIST_ZSTD = "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd";
export const OCI_EMPTY = "application/vnd.oci.empty.v1+json";

export const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
export const DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
export const DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
export const DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";
export const DOCKER_LAYER_FOREIGN_GZIP = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
export const DOCKER_SCHEMA1 = "application/vnd.docker.distribution.manifest.v1+json";
export const DOCKER_SCHEMA1_SIGNED = "application/vnd.docker.distribution.manifest.v1+prettyjws";

export const MANIFEST_TYPES: readonly string[] = [OCI_MANIFEST, DOCKER_MANIFEST];
export const INDEX_TYPES: readonly string[] = [OCI_INDEX, DOCKER_MANIFEST_LIST];
export const CONFIG_TYPES: readonly string[] = [OCI_CONFIG, DOCKER_CONFIG];

/** Accept header for manifest requests: every type we can parse, none we can't (no schema1). */
export const MANIFEST_ACCEPT = [OCI_INDEX, DOCKER_MANIFEST_LIST, OCI_MANIFEST, DOCKER_MANIFEST].join(", ");

export type Compression = "none" | "gzip" | "zstd";

const LAYER_COMPRESSION: Record<string, Compression> = {
  [OCI_LAYER]: "none",
  [OCI_LAYER_NONDIST]: "none",
  [OCI_LAYER_GZIP]: "gzip",
  [OCI_LAYER_NONDIST_GZIP]: "gzip",
  [DOCKER_LAYER_GZIP]: "gzip",
  [DOCKER_LAYER_FOREIGN_GZIP]: "gzip",
  [OCI_LAYER_ZSTD]: "zstd",
  [OCI_LAYER_NONDIST_ZSTD]: "zstd",
};

/** Compression of a layer media type; an unknown type is an error, not a guess. */
export function layerCompression(mediaType: string): Compression {
  const c = LAYER_COMPRESSION[mediaType];
  if (c === undefined) throw new ImagetoolError("UNSUPPORTED", `unsupported layer media type '${mediaType}'`);
  return c;
}

export function isManifestType(mediaType: string): boolean {
  return MANIFEST_TYPES.includes(mediaType);
}

export function isIndexType(mediaType: string): boolean {
  return INDEX_TYPES.includes(mediaType);
}

export type ParsedBody =
  | { kind: "manifest"; mediaType: string; manifest: ImageManifest }
  | { kind: "index"; mediaType: string; index: ImageIndex };

function invalid(where: string, what: string): ImagetoolError {
  return new ImagetoolError("INVALID_MANIFEST", `${where}: ${what}`);
}

/** The rest of the image-spec rules, from the generated schema validators. */
function schemaChecked<T>(result: SchemaValidation<T>, where: string): T {
  if (!result.ok) throw new ImagetoolError("INVALID_MANIFEST", formatSchemaIssues(where, result.errors));
  return result.value;
}

/** Checks a descriptor's fields (descriptor.md): media type, digest syntax, non-negative size. */
export function checkDescriptor(d: unknown, where: string): Descriptor {
  if (typeof d !== "object" || d === null || Array.isArray(d)) throw invalid(where, "expected a descriptor object");
  const o = d as Record<string, unknown>;
  if (typeof o.mediaType !== "string" || o.mediaType === "") throw invalid(`${where}/mediaType`, "expected a non-empty string");
  if (typeof o.digest !== "string") throw invalid(`${where}/digest`, "expected a string");
  parseDigest(o.digest, `${where}/digest`);
  if (typeof o.size !== "number" || !Number.isSafeInteger(o.size) || o.size < 0) {
    throw invalid(`${where}/size`, `expected a non-negative integer, got ${JSON.stringify(o.size)}`);
  }
  return o as unknown as Descriptor;
}

/**
 * Parses a manifest or index body fetched for `declaredType` (the descriptor's or the
 * Content-Type's media type). `where` names the source for error messages.
 */
export function parseManifestBody(body: Uint8Array | string, declaredType: string, where: string): ParsedBody {
  let json: unknown;
  try {
    json = JSON.parse(typeof body === "string" ? body : new TextDecoder().decode(body));
  } catch (err) {
    throw new ImagetoolError("INVALID_MANIFEST", `${where}: not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw invalid(where, "expected a JSON object");
  const o = json as Record<string, unknown>;
  if (o.schemaVersion === 1 || declaredType === DOCKER_SCHEMA1 || declaredType === DOCKER_SCHEMA1_SIGNED) {
    throw new ImagetoolError(
      "UNSUPPORTED",
      `${where}: Docker image manifest schema 1 is deprecated and not supported; push the image again with a current client (schema 2 or OCI)`,
    );
  }
  if (o.schemaVersion !== 2) throw invalid(`${where}/schemaVersion`, `expected 2, got ${JSON.stringify(o.schemaVersion)}`);
  // CVE-2021-41190: never let the body decide its own type.
  if ("manifests" in o && ("config" in o || "layers" in o)) {
    throw new ImagetoolError("MEDIA_TYPE_MISMATCH", `${where}: body has both 'manifests' and 'config'/'layers' (ambiguous manifest/index, CVE-2021-41190)`);
  }
  if (o.mediaType !== undefined && o.mediaType !== declaredType) {
    throw new ImagetoolError(
      "MEDIA_TYPE_MISMATCH",
      `${where}: descriptor says media type '${declaredType}' but the body says '${String(o.mediaType)}' (CVE-2021-41190)`,
    );
  }
  if (isManifestType(declaredType)) {
    if ("manifests" in o) throw new ImagetoolError("MEDIA_TYPE_MISMATCH", `${where}: a manifest must not have 'manifests' (CVE-2021-41190)`);
    checkDescriptor(o.config, `${where}/config`);
    if (!Array.isArray(o.layers)) throw invalid(`${where}/layers`, "expected an array");
    o.layers.forEach((l, i) => checkDescriptor(l, `${where}/layers/${i}`));
    // Docker schema2 requires the body's mediaType (image-manifest-v2-2.md); OCI only recommends it.
    if (declaredType === DOCKER_MANIFEST && o.mediaType === undefined) throw invalid(`${where}/mediaType`, `missing (required for ${DOCKER_MANIFEST})`);
    return { kind: "manifest", mediaType: declaredType, manifest: schemaChecked(validateImageManifest(o), where) };
  }
  if (isIndexType(declaredType)) {
    if ("config" in o || "layers" in o) throw new ImagetoolError("MEDIA_TYPE_MISMATCH", `${where}: an index must not have 'config' or 'layers' (CVE-2021-41190)`);
    if (!Array.isArray(o.manifests)) throw invalid(`${where}/manifests`, "expected an array");
    o.manifests.forEach((m, i) => checkDescriptor(m, `${where}/manifests/${i}`));
    if (declaredType === DOCKER_MANIFEST_LIST && o.mediaType === undefined) throw invalid(`${where}/mediaType`, `missing (required for ${DOCKER_MANIFEST_LIST})`);
    return { kind: "index", mediaType: declaredType, index: schemaChecked(validateImageIndex(o), where) };
  }
  throw new ImagetoolError("UNSUPPORTED", `${where}: unsupported manifest media type '${declaredType}'`);
}
