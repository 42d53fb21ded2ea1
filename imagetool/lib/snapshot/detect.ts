/**
 * Chooses a snapshotter for `<root>/snapshots` from its filesystem (statfs magic): btrfs → btrfs;
 * a filesystem that can hold an overlay upper dir (checked by actually mounting one, as containerd's
 * overlayutils.Supported does) → overlay; anything else → copy. The probe's answer is remembered
 * in `<snapshots>/detected` together with the filesystem magic it was made on: the probe (mkdtemp,
 * four mkdirs, mount, umount, rm) cost ~10–80 ms on every bundle. Rootless stores: rootless-choice.ts.
 */
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { mount, statfsType, umount } from "../sys/libc.ts";
import { BtrfsSnapshotter } from "./btrfs.ts";
import { CopySnapshotter } from "./copy.ts";
import { OverlaySnapshotter } from "./overlay.ts";
import type { Snapshotter, SnapshotterName } from "./snapshotter.ts";
import { ImagetoolError } from "../errors.ts";
import { isRootless } from "../sys/rootless.ts";
import { rootlessChoice } from "./rootless-choice.ts";

const BTRFS_SUPER_MAGIC = 0x9123683e;
export const SNAPSHOTTERS: readonly SnapshotterName[] = ["overlay", "btrfs", "copy"];

/** The probe's temp directories in `<root>/snapshots` (gc removes ones a crash left behind). */
export const PROBE_DIR_PREFIX = "overlay-check-";

/**
 * The probe mount is `volatile` where the kernel has it (5.10+): unmounting an ordinary overlay
 * syncs the whole upper filesystem (overlayfs.rst "Volatile mount"; ovl_sync_fs), which after
 * another program wrote a few hundred MB cost 0.2–1.5 s here. Without volatile, a plain mount.
 */
export function overlaySupported(dir: string): boolean {
  const tmp = mkdtempSync(join(dir, PROBE_DIR_PREFIX));
  try {
    for (const d of ["lower", "upper", "work", "merged"]) mkdirSync(join(tmp, d));
    const data = `lowerdir=${tmp}/lower,upperdir=${tmp}/upper,workdir=${tmp}/work`;
    for (const extra of [",volatile", ""]) {
      try {
        mount("overlay", join(tmp, "merged"), "overlay", 0n, data + extra);
      } catch {
        continue;
      }
      umount(join(tmp, "merged"));
      return true;
    }
    return false;
  } catch {
    return false;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

export const DETECTED_FILE = "detected";

export function detectSnapshotter(snapshotsDir: string): SnapshotterName {
  mkdirSync(snapshotsDir, { recursive: true, mode: 0o700 });
  const magic = statfsType(snapshotsDir);
  if (isRootless()) return rootlessChoice(snapshotsDir, magic === BTRFS_SUPER_MAGIC ? "btrfs" : "overlay", false);
  if (magic === BTRFS_SUPER_MAGIC) return "btrfs";
  const record = join(snapshotsDir, DETECTED_FILE);
  const key = `0x${magic.toString(16)}`;
  try {
    const [recordedMagic, name] = readFileSync(record, "utf8").trim().split(" ");
    // Only trusted for the same filesystem type: a different mount on the same path is probed again.
    if (recordedMagic === key && (name === "overlay" || name === "copy")) return name;
  } catch {}
  const chosen = overlaySupported(snapshotsDir) ? "overlay" : "copy";
  const tmp = `${record}.${process.pid}.tmp`;
  writeFileSync(tmp, `${key} ${chosen}\n`);
  renameSync(tmp, record);
  return chosen;
}

/** The snapshotter for a storage root: `<root>/snapshots/<name>/`. */
export function openSnapshotter(root: string, name?: string): Snapshotter {
  const snapshotsDir = join(root, "snapshots");
  const chosen = name === undefined ? detectSnapshotter(snapshotsDir) : isRootless() && SNAPSHOTTERS.includes(name as SnapshotterName) ? rootlessChoice(snapshotsDir, name as SnapshotterName, true) : name;
  const dir = join(snapshotsDir, chosen);
  switch (chosen) {
    case "overlay":
      return new OverlaySnapshotter(dir);
    case "btrfs":
      mkdirSync(snapshotsDir, { recursive: true, mode: 0o700 });
      if (statfsType(snapshotsDir) !== BTRFS_SUPER_MAGIC) {
        throw new ImagetoolError("UNSUPPORTED", `the btrfs snapshotter needs ${snapshotsDir} on a btrfs filesystem (statfs magic 0x${statfsType(snapshotsDir).toString(16)})`);
      }
      return new BtrfsSnapshotter(dir);
    case "copy":
      return new CopySnapshotter(dir);
    default:
      throw new ImagetoolError("INVALID_ARGUMENT", `unknown snapshotter ${JSON.stringify(chosen)} (expected one of ${SNAPSHOTTERS.join(", ")})`);
  }
}
