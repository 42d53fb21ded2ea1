/**
 * Writes a new image (config, manifest, name) on top of an optional base image: used by `init`
 * (no base) and `commit` (base = the container's image). The result is always an OCI image:
 * Docker layer media types of the base are mapped to their OCI equivalents (same bytes).
 */
import type { ContentStore } from "../content/store.ts";
import { OCI_CONFIG, OCI_MANIFEST } from "../image/mediatype.ts";
import { setImageRef } from "../image/refs.ts";
import type { Descriptor, HistoryEntry, ImageConfig, ImageManifest } from "../image/types.ts";
import { parseReference, storageName } from "../reference.ts";
import type { StoredLayer } from "../layer/store-layer.ts";

const toOCI: Record<string, string> = {
  "application/vnd.docker.image.rootfs.diff.tar.gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
  "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip": "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
};

/** image-spec config.md architecture names for Node's process.arch. */
export function goArch(arch: string = process.arch): string {
  return ({ x64: "amd64", ia32: "386", arm64: "arm64", arm: "arm", ppc64: "ppc64le", s390x: "s390x", riscv64: "riscv64" } as Record<string, string>)[arch] ?? arch;
}

export interface NewImage {
  /** Stored name (normalized reference), manifest descriptor and config digest. */
  name: string;
  manifest: Descriptor;
  configDigest: string;
}

export async function writeImage(
  store: ContentStore,
  base: { manifest: ImageManifest; config: ImageConfig } | undefined,
  layer: StoredLayer,
  history: HistoryEntry,
  name: string,
  defaults: ImageConfig["config"] = {},
): Promise<NewImage> {
  const created = history.created ?? new Date().toISOString();
  const config: ImageConfig = base
    ? structuredClone(base.config)
    : { architecture: goArch(), os: "linux", config: defaults, rootfs: { type: "layers", diff_ids: [] }, history: [] };
  config.created = created;
  config.rootfs = { type: "layers", diff_ids: [...config.rootfs.diff_ids, layer.diffID] };
  config.history = [...(config.history ?? []), { ...history, created }];
  const configBlob = await store.writeBlob(JSON.stringify(config));
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: OCI_CONFIG, digest: configBlob.digest, size: configBlob.size },
    layers: [
      ...(base?.manifest.layers ?? []).map((l) => ({ mediaType: toOCI[l.mediaType] ?? l.mediaType, digest: l.digest, size: l.size, ...(l.urls ? { urls: l.urls } : {}) })),
      layer.descriptor,
    ],
  };
  const manifestBlob = await store.writeBlob(JSON.stringify(manifest));
  const descriptor: Descriptor = { mediaType: OCI_MANIFEST, digest: manifestBlob.digest, size: manifestBlob.size };
  const stored = storageName(parseReference(name));
  await setImageRef(store, stored, descriptor);
  return { name: stored, manifest: descriptor, configDigest: configBlob.digest };
}
