/**
 * The snapshotter contract (containerd core/snapshots/snapshotter.go). Keys name active (writable)
 * snapshots, names committed ones; parents are committed names. Snapshotters return mounts as
 * DATA and never mount anything themselves: whoever uses the rootfs (bundle, runtime) mounts it.
 */
import type { WhiteoutFormat } from "../layer/whiteout.ts";
import { ImagetoolError } from "../errors.ts";

export interface Mount {
  type: string;
  source: string;
  options: string[];
}

export type SnapshotKind = "active" | "committed" | "view";

export interface SnapshotInfo {
  key: string;
  kind: SnapshotKind;
  parent?: string;
  labels: Record<string, string>;
  created: string;
  /** Numeric id: the on-disk directory name, kept short so 128 lowerdirs fit one mount-options page. */
  id: number;
  /**
   * overlay: the layer's root is opaque (a top-level `.wh..wh..opq`), so nothing below it is
   * visible. overlayfs ignores the opaque xattr on a layer's root directory, so the mounts stop
   * the lowerdir chain at this snapshot instead.
   */
  opaqueRoot?: true;
}

export interface Usage {
  size: number;
  inodes: number;
}

export type SnapshotterName = "overlay" | "btrfs" | "copy";

export interface Snapshotter {
  readonly name: SnapshotterName;
  /** How layer whiteouts are recorded in this snapshotter's trees. */
  readonly whiteoutFormat: WhiteoutFormat;
  /** A new active snapshot on top of `parent` (a committed name), or empty. */
  prepare(key: string, parent?: string, labels?: Record<string, string>): Promise<Mount[]>;
  /** A read-only view of `parent`. */
  view(key: string, parent: string, labels?: Record<string, string>): Promise<Mount[]>;
  mounts(key: string): Promise<Mount[]>;
  /** Turns active snapshot `key` into committed snapshot `name`; `key` is gone afterwards. */
  commit(name: string, key: string, labels?: Record<string, string>): Promise<void>;
  /** Removes a snapshot; committed ones with children cannot be removed. */
  remove(key: string): Promise<void>;
  stat(key: string): Promise<SnapshotInfo>;
  /** Every snapshot, parents before children (in creation order). */
  walk(fn: (info: SnapshotInfo) => void | Promise<void>): Promise<void>;
  usage(key: string): Promise<Usage>;
  /** Host directory of a snapshot's own tree (for overlay: its diff layer only). */
  dirOf(key: string): Promise<string>;
}

/**
 * Where to write into an active snapshot, read from its mounts: the bind source, or an overlay's
 * upperdir with its lowerdirs (newest first) for lookups of what the layer does not contain.
 */
export function writableTarget(mounts: Mount[]): { dir: string; lowerDirs: string[] } {
  const m = mounts[0];
  if (mounts.length !== 1 || m === undefined) throw new ImagetoolError("UNSUPPORTED", `expected exactly one mount, got ${mounts.length}`);
  if (m.type === "bind") {
    if (m.options.includes("ro")) throw new ImagetoolError("SNAPSHOT_STATE", `snapshot mount ${m.source} is read-only`, { context: { source: m.source } });
    return { dir: m.source, lowerDirs: [] };
  }
  if (m.type === "overlay") {
    const opt = (k: string) => m.options.find((o) => o.startsWith(`${k}=`))?.slice(k.length + 1);
    const upper = opt("upperdir");
    if (upper === undefined) throw new ImagetoolError("SNAPSHOT_STATE", "overlay mount has no upperdir: it is a read-only view");
    return { dir: upper, lowerDirs: (opt("lowerdir") ?? "").split(":").filter((d) => d !== "") };
  }
  throw new ImagetoolError("UNSUPPORTED", `cannot write into a ${m.type} mount`);
}
