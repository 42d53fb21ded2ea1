/**
 * Which snapshotter a rootless store can use, with a note when it is not the one wanted.
 * - overlay: a user may mount overlayfs only inside a user namespace with its own mount namespace
 *   (kernel ≥ 5.11, `userxattr`); such a mount lives as long as that namespace, so it cannot be the
 *   persistent rootfs mount a bundle is, nor be mounted again by the runtime before it pivots
 *   (the runtime has no rootfs mounts of its own to take from the bundle). Copy instead.
 * - btrfs: `btrfs subvolume create` and snapshots work for any user on btrfs; deleting a
 *   subvolume needs the filesystem mounted with `user_subvol_rm_allowed` (btrfs(5)), without
 *   which rmi and gc could never free one: copy instead.
 * - copy: plain directories, always.
 */
import { readFileSync } from "node:fs";
import { note, trace } from "../trace.ts";
import type { SnapshotterName } from "./snapshotter.ts";

/** The mount options of the filesystem `dir` is on (the longest mount point above it). */
function mountOptionsOf(dir: string): string[] {
  let best = { point: "", options: [] as string[] };
  for (const line of readFileSync("/proc/self/mountinfo", "utf8").split("\n")) {
    const f = line.split(" ");
    const sep = f.indexOf("-");
    const point = f[4];
    if (point === undefined || sep < 0) continue;
    const inside = point === "/" || dir === point || dir.startsWith(`${point}/`);
    if (inside && point.length >= best.point.length) best = { point, options: [...f[5]!.split(","), ...(f[sep + 3] ?? "").split(",")] };
  }
  return best.options;
}

/**
 * `wanted`: asked for with --snapshotter (`explicit`: the fallback is a note on stderr), or what
 * detection found the filesystem could do (the fallback is a --debug line).
 */
export function rootlessChoice(snapshotsDir: string, wanted: SnapshotterName, explicit: boolean): SnapshotterName {
  let why: string | undefined;
  if (wanted === "overlay") why = "the overlay snapshotter needs a mount that outlives this command, which an unprivileged user cannot make";
  else if (wanted === "btrfs" && !mountOptionsOf(snapshotsDir).includes("user_subvol_rm_allowed")) {
    why = `the btrfs snapshotter needs the filesystem of ${snapshotsDir} mounted with user_subvol_rm_allowed to delete snapshots`;
  }
  if (why === undefined) return wanted;
  (explicit ? note : trace)(`rootless: ${why}; using copy`);
  return "copy";
}
