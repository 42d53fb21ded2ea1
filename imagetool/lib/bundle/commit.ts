/**
 * commit: a bundle's container changes as a new image layer on top of its image. For overlay the
 * snapshot's own dir is the upper dir, read as is (overlay whiteouts → `.wh.` entries); for btrfs
 * and copy the snapshot is diffed against its parent. Both read lstat-only (a running container
 * may be changing the tree under us).
 */
import { storeForRoot, type ContentStore } from "../content/store.ts";
import type { HistoryEntry, ImageConfig, ImageManifest } from "../image/types.ts";
import { tarDiff, tarOverlayUpper } from "../layer/diff.ts";
import { storeLayer } from "../layer/store-layer.ts";
import type { WriteCompression } from "../layer/decompress.ts";
import { openSnapshotter } from "../snapshot/detect.ts";
import { readBundleRecord } from "./create.ts";
import { writeImage, type NewImage } from "./image-writer.ts";
import { ImagetoolError } from "../errors.ts";

export interface CommitOptions {
  bundleDir: string;
  name: string;
  message?: string;
  author?: string;
  /** The new layer's compression (default gzip). */
  compression?: WriteCompression;
}

export async function commitBundle(opts: CommitOptions): Promise<NewImage> {
  const record = readBundleRecord(opts.bundleDir);
  const store: ContentStore = storeForRoot(record.root);
  const sn = openSnapshotter(record.root, record.snapshotter);
  const info = await sn.stat(record.key);
  if (info.parent === undefined) throw new ImagetoolError("SNAPSHOT_STATE", `snapshot ${record.key} has no parent image layer`, { context: { key: record.key } });
  const dir = await sn.dirOf(record.key);
  const tar = sn.name === "overlay" ? tarOverlayUpper(dir) : tarDiff(await sn.dirOf(info.parent), dir);
  const layer = await storeLayer(store, tar, opts.compression ?? "gzip");
  const manifest = await store.readJSON<ImageManifest>(record.image.manifest);
  const config = await store.readJSON<ImageConfig>(record.image.config);
  const history: HistoryEntry = {
    created_by: "bocker-imagetool commit",
    ...(opts.message ? { comment: opts.message } : {}),
    ...(opts.author ? { author: opts.author } : {}),
  };
  return writeImage(store, { manifest, config }, layer, history, opts.name);
}
