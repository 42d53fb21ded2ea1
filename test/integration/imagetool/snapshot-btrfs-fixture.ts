/**
 * A loop-mounted btrfs filesystem in a temp dir for the btrfs snapshotter's tests: a sparse image
 * file, mkfs.btrfs, mount -o loop. Every step registers its undo with the Cleanup stack first, so
 * the mount and the loop device go away even when a test fails.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Cleanup } from "../../../common/cleanup.ts";

function sh(argv: string[]): string {
  const r = Bun.spawnSync(argv, { stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${argv.join(" ")}: exit ${r.exitCode}: ${r.stderr.toString().trim()}`);
  return r.stdout.toString().trim();
}

export function mountLoopBtrfs(cleanup: Cleanup, sizeMiB = 256): string {
  const dir = mkdtempSync(join(tmpdir(), "bocker-btrfs-"));
  cleanup.add(`remove ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  const image = join(dir, "fs.img");
  const mnt = join(dir, "mnt");
  mkdirSync(mnt);
  sh(["truncate", "-s", `${sizeMiB}M`, image]);
  sh(["mkfs.btrfs", "-q", image]);
  const loop = sh(["losetup", "--find", "--show", image]);
  cleanup.add(`detach ${loop}`, () => sh(["losetup", "-d", loop]));
  sh(["mount", "-t", "btrfs", loop, mnt]);
  cleanup.add(`umount ${mnt}`, () => sh(["umount", mnt]));
  return mnt;
}
