/**
 * Loading an image from the content store: descriptor → (platform's) manifest → config, every
 * body checked against the media type its descriptor declares (CVE-2021-41190).
 */
import { ImagetoolError } from "../errors.ts";
import { formatSchemaIssues, validateImageConfig } from "../../../schemas/index.ts";
import type { ContentStore } from "../content/store.ts";
import { CONFIG_TYPES, parseManifestBody } from "./mediatype.ts";
import { hostPlatform, selectPlatformManifest } from "./platform.ts";
import type { Descriptor, ImageConfig, ImageManifest, Platform } from "./types.ts";

export interface LoadedImage {
  manifestDescriptor: Descriptor;
  manifest: ImageManifest;
  configDescriptor: Descriptor;
  config: ImageConfig;
}

/** An index may point at another index (nested); more than this many levels is refused. */
const MAX_INDEX_DEPTH = 4;

/** Checks a parsed config's shape against its manifest: one diff_id per layer (config.md rootfs). */
export function checkConfig(config: unknown, manifest: ImageManifest, where: string): ImageConfig {
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    throw new ImagetoolError("INVALID_MANIFEST", `${where}: expected a JSON object`);
  }
  const result = validateImageConfig(config);
  if (!result.ok) throw new ImagetoolError("INVALID_MANIFEST", formatSchemaIssues(where, result.errors));
  const c = result.value;
  if (c.rootfs.diff_ids.length !== manifest.layers.length) {
    throw new ImagetoolError(
      "INVALID_MANIFEST",
      `${where}/rootfs/diff_ids: ${c.rootfs.diff_ids.length} entries but the manifest has ${manifest.layers.length} layers`,
    );
  }
  return c;
}

export async function loadImageManifest(
  store: ContentStore,
  descriptor: Descriptor,
  name: string,
  platform: Platform = hostPlatform(),
): Promise<LoadedImage> {
  let current = descriptor;
  for (let depth = 0; depth <= MAX_INDEX_DEPTH; depth++) {
    const body = parseManifestBody(await store.readBlob(current.digest), current.mediaType, `manifest ${current.digest} of '${name}'`);
    if (body.kind === "index") {
      current = selectPlatformManifest(body.index.manifests, platform, name);
      continue;
    }
    const manifest = body.manifest;
    const configDescriptor = manifest.config;
    if (!CONFIG_TYPES.includes(configDescriptor.mediaType)) {
      throw new ImagetoolError("UNSUPPORTED", `'${name}' is not a container image: its config media type is '${configDescriptor.mediaType}'`);
    }
    const where = `config ${configDescriptor.digest} of '${name}'`;
    const config = checkConfig(await store.readJSON(configDescriptor.digest), manifest, where);
    return { manifestDescriptor: current, manifest, configDescriptor, config };
  }
  throw new ImagetoolError("INVALID_MANIFEST", `'${name}': indexes nested more than ${MAX_INDEX_DEPTH} deep`);
}
