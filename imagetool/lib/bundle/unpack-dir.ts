/**
 * unpack: like `umoci unpack`: every layer applied in order to `<dir>/rootfs` (whiteouts deleted),
 * plus a config.json from the image config. No snapshotter, no mount: a plain directory.
 * A failure removes what was created. Rootless, the config.json is rootless-spec.ts's.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { removeTree } from "../sys/remove-tree.ts";
import { join, resolve } from "node:path";
import { storeForRoot } from "../content/store.ts";
import { resolveImage } from "../image/refs.ts";
import { applyLayerBlob } from "../layer/unpack-blob.ts";
import { imageConfigToSpec, type BundleOverrides } from "./convert.ts";
import { ImagetoolError } from "../errors.ts";
import { isRootless, rootlessMappings } from "../sys/rootless.ts";
import { toRootlessSpec } from "./rootless-spec.ts";

export async function unpackToDir(opts: { root: string; image: string; dir: string; overrides?: BundleOverrides }): Promise<{ bundleDir: string; rootfs: string }> {
  const store = storeForRoot(opts.root);
  const image = await resolveImage(store, opts.image);
  const { layers } = image.manifest;
  const diffIDs = image.config.rootfs.diff_ids;
  if (layers.length !== diffIDs.length) throw new ImagetoolError("INVALID_IMAGE", `image has ${layers.length} layers but ${diffIDs.length} diff_ids`);
  const bundleDir = resolve(opts.dir);
  const created = !existsSync(bundleDir);
  if (!created && readdirSync(bundleDir).length > 0) throw new ImagetoolError("INVALID_ARGUMENT", `${bundleDir} exists and is not empty`, { context: { path: bundleDir } });
  const rootfs = join(bundleDir, "rootfs");
  try {
    mkdirSync(rootfs, { recursive: true });
    chmodSync(rootfs, 0o755);
    for (const [i, layer] of layers.entries()) {
      await applyLayerBlob(store.readChunks(layer.digest), layer, diffIDs[i], { root: rootfs, format: "delete" });
    }
    const converted = imageConfigToSpec(image.config, rootfs, opts.overrides);
    const spec = isRootless() ? toRootlessSpec(converted, rootlessMappings()) : converted;
    writeFileSync(join(bundleDir, "config.json"), JSON.stringify(spec, null, 2));
    return { bundleDir, rootfs };
  } catch (e) {
    if (created) removeTree(bundleDir);
    else for (const f of readdirSync(bundleDir)) removeTree(join(bundleDir, f));
    throw e;
  }
}
