/**
 * Bundles: `<dir>/config.json` plus `<dir>/rootfs`, the container's snapshot MOUNTED there by us
 * (an overlay for the overlay snapshotter, a bind mount of the snapshot for btrfs/copy), so the
 * bundle runs with any OCI runtime as is. `<dir>/bocker-bundle.json` records what to release;
 * removeBundle unmounts rootfs and removes the snapshot and the directory. Rootless, nothing is
 * mounted: the spec is rootless-spec.ts's and names the snapshot's tree itself.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { storeForRoot, type ContentStore } from "../content/store.ts";
import { resolveImage, type ResolvedImage } from "../image/refs.ts";
import { openSnapshotter } from "../snapshot/detect.ts";
import { mountAll, unmount } from "../snapshot/mount.ts";
import { writableTarget, type Mount, type SnapshotterName } from "../snapshot/snapshotter.ts";
import type { Spec } from "../../../schemas/linux-config.ts";
import { isRootless, rootlessMappings } from "../sys/rootless.ts";
import { toRootlessSpec } from "./rootless-spec.ts";
import { unpackImage, type LayerSource } from "../snapshot/unpack-image.ts";
import { imageConfigToSpec, type BundleOverrides } from "./convert.ts";
import { trace } from "../trace.ts";
import { digestOf, randomHex } from "../content/digest.ts";
import { ImagetoolError } from "../errors.ts";

export const BUNDLE_RECORD = "bocker-bundle.json";

export interface BundleRecord {
  root: string;
  snapshotter: SnapshotterName;
  /** The container's active snapshot. */
  key: string;
  image: { name?: string; manifest: string; config: string };
}

export interface CreateBundleOptions {
  root: string;
  image: string;
  dir: string;
  snapshotter?: SnapshotterName;
  overrides?: BundleOverrides;
}

export interface CreatedBundle {
  bundleDir: string;
  rootfs: string;
  /** What is mounted on rootfs (already mounted). */
  mounts: Mount[];
  record: BundleRecord;
}

export function layerSource(store: ContentStore, image: ResolvedImage): LayerSource {
  const { layers } = image.manifest;
  return {
    layers,
    diffIDs: image.config.rootfs.diff_ids,
    blob: async (i) => store.readChunks(layers[i]!.digest),
  };
}

function prepareDir(dir: string): boolean {
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true, mode: 0o711 });
    return true;
  }
  if (readdirSync(dir).length > 0) throw new ImagetoolError("INVALID_ARGUMENT", `bundle directory ${dir} exists and is not empty`, { context: { path: dir } });
  return false;
}

export async function createBundle(opts: CreateBundleOptions): Promise<CreatedBundle> {
  const store = storeForRoot(opts.root);
  const image = await resolveImage(store, opts.image);
  trace(`bundle: image ${image.manifestDescriptor.digest} resolved`);
  const sn = openSnapshotter(opts.root, opts.snapshotter);
  const top = await unpackImage(sn, layerSource(store, image));
  trace(`bundle: ${sn.name} snapshots ready`);
  const bundleDir = resolve(opts.dir);
  const created = prepareDir(bundleDir);
  const rootfs = join(bundleDir, "rootfs");
  const key = `container-${digestOf(bundleDir).slice(7, 19)}-${randomHex(4)}`;
  const undo: Array<() => void | Promise<void>> = [];
  try {
    const rootless = isRootless();
    if (!rootless) {
      mkdirSync(rootfs, { mode: 0o755 });
      undo.push(() => rmdirSync(rootfs));
    }
    const mounts = await sn.prepare(key, top, { "bocker.bundle": bundleDir });
    undo.push(() => sn.remove(key));
    let spec: Spec;
    if (rootless) {
      // No mount outside a user namespace of one's own: the container's snapshot is used where it
      // is (root.path, absolute), and DIR/rootfs is a symlink to it for people and tools.
      const tree = writableTarget(mounts).dir;
      symlinkSync(tree, rootfs);
      undo.push(() => unlinkSync(rootfs));
      spec = toRootlessSpec(imageConfigToSpec(image.config, tree, opts.overrides), rootlessMappings());
      spec.root = { path: tree, readonly: false };
    } else {
      mountAll(mounts, rootfs);
      undo.push(() => unmount(rootfs));
      trace("bundle: rootfs mounted");
      spec = imageConfigToSpec(image.config, rootfs, opts.overrides);
    }
    const record: BundleRecord = {
      root: resolve(opts.root),
      snapshotter: sn.name,
      key,
      image: { ...(image.name ? { name: image.name } : {}), manifest: image.manifestDescriptor.digest, config: image.configDescriptor.digest },
    };
    writeFileSync(join(bundleDir, "config.json"), JSON.stringify(spec, null, 2));
    writeFileSync(join(bundleDir, BUNDLE_RECORD), JSON.stringify(record, null, 2));
    trace("bundle: config.json written");
    return { bundleDir, rootfs, mounts, record };
  } catch (e) {
    for (const u of undo.reverse()) await Promise.resolve().then(u).catch(() => {});
    if (created) rmSync(bundleDir, { recursive: true, force: true });
    else for (const f of ["config.json", BUNDLE_RECORD]) rmSync(join(bundleDir, f), { force: true });
    throw e;
  }
}

export function readBundleRecord(dir: string): BundleRecord {
  const path = join(resolve(dir), BUNDLE_RECORD);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new ImagetoolError("INVALID_BUNDLE", `${dir} is not a bundle made by bocker-imagetool (no ${BUNDLE_RECORD})`, { context: { path: dir } });
  }
  const r = JSON.parse(text) as BundleRecord;
  if (typeof r.key !== "string" || typeof r.root !== "string" || typeof r.snapshotter !== "string") throw new ImagetoolError("INVALID_BUNDLE", `${path}: malformed bundle record`, { context: { path } });
  return r;
}

function isMountPoint(path: string): boolean {
  const target = resolve(path);
  return readFileSync("/proc/self/mountinfo", "utf8").split("\n").some((l) => l.split(" ")[4] === target);
}

/** Unmounts the rootfs, removes the container snapshot and the bundle directory. */
export async function removeBundle(dir: string): Promise<void> {
  const bundleDir = resolve(dir);
  const record = readBundleRecord(bundleDir);
  const rootfs = join(bundleDir, "rootfs");
  while (existsSync(rootfs) && isMountPoint(rootfs)) unmount(rootfs);
  const sn = openSnapshotter(record.root, record.snapshotter);
  await sn.remove(record.key).catch((e: Error) => {
    if (!/does not exist/.test(e.message)) throw e;
  });
  rmSync(bundleDir, { recursive: true, force: true });
}
