/** The snapshotter directory is an Orlov top directory on ext4 (chattr +T), a no-op elsewhere. */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeRoot } from "../../fixtures/root.ts";
import { markTopDir, statfsType } from "../../../imagetool/lib/sys/libc.ts";
import { openSnapshotter } from "../../../imagetool/lib/snapshot/detect.ts";

const EXT4_SUPER_MAGIC = 0xef53;
const work = mkdtempSync(join(tmpdir(), "bocker-topdir-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function lsattr(path: string): string {
  const r = Bun.spawnSync(["lsattr", "-d", path], { stderr: "pipe" });
  return r.stdout.toString().split(" ")[0] ?? "";
}

describeRoot("snapshot placement", () => {
  test("openSnapshotter marks <root>/snapshots/<name> with chattr +T on ext4", () => {
    openSnapshotter(join(work, "root"), "copy");
    const dir = join(work, "root", "snapshots", "copy");
    if (statfsType(work) === EXT4_SUPER_MAGIC) expect(lsattr(dir)).toContain("T");
    expect(markTopDir(dir)).toBe(statfsType(work) === EXT4_SUPER_MAGIC); // idempotent
  });

  test("on a filesystem without the flag (tmpfs) it is a no-op, not an error", () => {
    const mnt = join(work, "tmpfs");
    Bun.spawnSync(["mkdir", "-p", mnt]);
    expect(Bun.spawnSync(["mount", "-t", "tmpfs", "tmpfs", mnt]).exitCode).toBe(0);
    try {
      expect(markTopDir(mnt)).toBe(false);
    } finally {
      Bun.spawnSync(["umount", mnt]);
    }
  });
});
