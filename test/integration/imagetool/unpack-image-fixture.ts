/**
 * Test helper: writes an image made of tar-builder layers into `<root>/content` (an OCI image
 * layout that umoci and skopeo can read) and names it.
 */
import { storeForRoot } from "../../../imagetool/lib/content/store.ts";
import { OCI_CONFIG, OCI_MANIFEST } from "../../../imagetool/lib/image/mediatype.ts";
import { setImageRef } from "../../../imagetool/lib/image/refs.ts";
import type { ImageConfig } from "../../../imagetool/lib/image/types.ts";
import type { BuiltLayer } from "../../fixtures/tar-builder.ts";

export async function writeTestImage(root: string, name: string, layers: BuiltLayer[], config: Partial<ImageConfig["config"]> = {}): Promise<string> {
  const store = storeForRoot(root);
  // Stored as the bytes are; the manifest says what the layer claims (tests make it lie).
  for (const l of layers) await store.writeBlob(l.blob);
  const cfg: ImageConfig = {
    architecture: "amd64",
    os: "linux",
    config: { Cmd: ["/bin/sh"], ...config },
    rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffID) },
  };
  const c = await store.writeBlob(JSON.stringify(cfg));
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: OCI_CONFIG, digest: c.digest, size: c.size },
    layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
  };
  const m = await store.writeBlob(JSON.stringify(manifest));
  await setImageRef(store, name, { mediaType: OCI_MANIFEST, digest: m.digest, size: m.size });
  return m.digest;
}
