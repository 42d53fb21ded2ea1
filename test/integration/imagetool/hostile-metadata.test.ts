/**
 * What hostile images found after the path checks held (issue #14): the deferred directory-times
 * pass following a symlink that replaced the directory, an opaque whiteout at a layer's root, and
 * nanosecond times rounded through a double; and the overlay st_nlink property the README documents.
 * Each runs on `unpack` and on the three snapshotters (btrfs on a loop device made and removed here).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { lstatSync, mkdirSync, mkdtempSync, rmSync, statSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Cleanup } from "../../../common/cleanup.ts";
import { describeRoot } from "../../fixtures/root.ts";
import { buildLayer, dir, file, hardlink, opaque, symlink, whiteout, type BuiltLayer, type EntrySpec } from "../../fixtures/tar-builder.ts";
import { createBundle, removeBundle } from "../../../imagetool/lib/bundle/create.ts";
import { unpackToDir } from "../../../imagetool/lib/bundle/unpack-dir.ts";
import type { SnapshotterName } from "../../../imagetool/lib/snapshot/snapshotter.ts";
import { mountLoopBtrfs } from "./snapshot-btrfs-fixture.ts";
import { writeTestImage } from "./unpack-image-fixture.ts";
import { describeTree } from "./unpack-tree.ts";

const HOWS = ["unpack", "overlay", "copy", "btrfs"] as const;

describeRoot("hostile layers: metadata and whiteouts", () => {
  const cleanup = new Cleanup();
  let work: string;
  let btrfs: string;
  let n = 0;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), "bocker-hostile-md-"));
    cleanup.add(`remove ${work}`, () => rmSync(work, { recursive: true, force: true }));
    btrfs = mountLoopBtrfs(cleanup);
  });
  afterAll(() => cleanup.run(), 60_000);

  /** Writes the image into a fresh root (on the loop btrfs for btrfs) and unpacks it; returns the rootfs. */
  async function unpack(how: (typeof HOWS)[number], layers: BuiltLayer[]): Promise<string> {
    const root = join(how === "btrfs" ? btrfs : work, `root${++n}`);
    mkdirSync(root);
    await writeTestImage(root, "img", layers);
    const bundle = join(work, `bundle${n}`);
    if (how === "unpack") return (await unpackToDir({ root, image: "img", dir: bundle })).rootfs;
    const b = await createBundle({ root, image: "img", dir: bundle, snapshotter: how as SnapshotterName });
    cleanup.add(`remove bundle ${bundle}`, () => removeBundle(bundle));
    return b.rootfs;
  }

  for (const how of HOWS) {
    for (const split of [false, true]) {
      test(`the deferred directory times do not follow a symlink that replaced the directory (${how}${split ? ", across layers" : ""})`, async () => {
        const host = join(work, `host-dir-${++n}`);
        mkdirSync(host);
        utimesSync(host, 1_000_000_000, 1_000_000_000);
        const before = statSync(host, { bigint: true });
        const first = [dir("d/", { mtime: 1_500_000_000 }), file("d/ok", "ok")];
        const second = [symlink("d", host), file("d/late", "contained")];
        const layers = split ? [buildLayer(first), buildLayer(second)] : [buildLayer([...first, ...second])];
        const rootfs = await unpack(how, layers);
        const after = statSync(host, { bigint: true });
        expect(after.mtimeNs).toBe(before.mtimeNs);
        expect(after.ctimeNs).toBe(before.ctimeNs);
        expect(after.mode).toBe(before.mode);
        expect(describeTree(rootfs)["d"]).toStartWith("symlink");
      });
    }
  }

  for (const how of HOWS) {
    test(`an opaque whiteout at a layer's root hides every lower entry (${how})`, async () => {
      const rootfs = await unpack(how, [
        buildLayer([dir("etc/"), file("etc/passwd", "root"), file("top", "old"), dir("d/"), file("d/x", "x")]),
        buildLayer([file("mid", "mid")]),
        buildLayer([file("new", "new"), file(".wh..wh..opq", ""), dir("d/"), file("d/y", "y")]),
      ]);
      expect(Object.keys(describeTree(rootfs)).sort()).toEqual(["/", "d", "d/y", "new"]);
    });
  }

  for (const how of HOWS) {
    test(`after an opaque whiteout at a layer's root, a hardlink cannot reach a lower layer's file (${how})`, async () => {
      const attempt = unpack(how, [
        buildLayer([file("top", "old")]),
        buildLayer([file(".wh..wh..opq", ""), hardlink("h", "top")]),
      ]);
      await expect(attempt).rejects.toThrow(/hardlink target "top" does not exist in the rootfs/);
    });
  }

  const hiddenTargets: Record<string, EntrySpec[]> = {
    "an opaque directory's lower file": [dir("d/"), opaque("d"), hardlink("h", "d/x")],
    "a lower file under a directory re-created after its whiteout": [whiteout("d"), dir("d/"), hardlink("h", "d/x")],
    "a lower file whited out in the same layer": [whiteout("top"), hardlink("h", "top")],
  };
  for (const [what, entries] of Object.entries(hiddenTargets)) {
    for (const how of HOWS) {
      test(`a hardlink to ${what} is refused as missing, as in a full tree (${how})`, async () => {
        const attempt = unpack(how, [buildLayer([file("top", "old"), dir("d/"), file("d/x", "x")]), buildLayer(entries)]);
        await expect(attempt).rejects.toThrow(/hardlink target "(d\/x|top)" does not exist in the rootfs/);
      });
    }
  }

  for (const how of HOWS) {
    test(`a file whose hard-link partner a later layer replaced: st_nlink as the README says (${how})`, async () => {
      const rootfs = await unpack(how, [buildLayer([file("a", "same"), hardlink("b", "a")]), buildLayer([file("b", "new")])]);
      // overlayfs reports a lower inode's link count as it is in its lower layer (README, image tool).
      expect(statSync(join(rootfs, "a")).nlink).toBe(how === "overlay" ? 2 : 1);
      expect(statSync(join(rootfs, "b")).nlink).toBe(1);
    });
  }

  for (const how of HOWS) {
    test(`PAX times keep their nanoseconds (${how})`, async () => {
      const rootfs = await unpack(how, [
        buildLayer([
          file("f", "f", { mtimeNs: 1_700_000_000_123_456_789n }),
          file("g", "g", { mtimeNs: 1_700_000_001_000_000_001n, atimeNs: 1_600_000_000_987_654_321n }),
          dir("d/", { mtimeNs: 1_700_000_002_999_999_999n }),
          symlink("l", "f", { mtimeNs: 1_700_000_003_000_000_007n }),
          file("before-epoch", "x", { mtimeNs: -1_500_000_000n }),
        ]),
      ]);
      const st = (p: string) => lstatSync(join(rootfs, p), { bigint: true });
      expect(st("f").mtimeNs).toBe(1_700_000_000_123_456_789n);
      expect(st("f").atimeNs).toBe(1_700_000_000_123_456_789n);
      expect(st("g").mtimeNs).toBe(1_700_000_001_000_000_001n);
      expect(st("g").atimeNs).toBe(1_600_000_000_987_654_321n);
      expect(st("d").mtimeNs).toBe(1_700_000_002_999_999_999n);
      expect(st("l").mtimeNs).toBe(1_700_000_003_000_000_007n);
      expect(st("before-epoch").mtimeNs).toBe(-1_500_000_000n);
    });
  }
});
