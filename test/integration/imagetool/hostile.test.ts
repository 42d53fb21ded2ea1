/**
 * Hostile layers (containerd pkg/archive TestBreakouts, umoci CVE-2021-29136, the umoci 0.4.7
 * `.wh...` bug): each is rejected by `unpack` and by every snapshotter, nothing is written
 * outside the rootfs (a sentinel directory next to it stays untouched) and nothing half-made
 * remains (no bundle dir, no snapshot).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Cleanup } from "../../../common/cleanup.ts";
import { describeRoot } from "../../fixtures/root.ts";
import { buildLayer, dir, file, hardlink, symlink, whiteout, type BuiltLayer, type EntrySpec } from "../../fixtures/tar-builder.ts";
import { BUNDLE_RECORD, createBundle, removeBundle } from "../../../imagetool/lib/bundle/create.ts";
import { unpackToDir } from "../../../imagetool/lib/bundle/unpack-dir.ts";
import { openSnapshotter } from "../../../imagetool/lib/snapshot/detect.ts";
import type { SnapshotterName } from "../../../imagetool/lib/snapshot/snapshotter.ts";
import { writeTestImage } from "./unpack-image-fixture.ts";
import { describeTree } from "./unpack-tree.ts";

/** Entries are relative to a bundle at <work>/b/rootfs; the sentinel is <work>/sentinel. */
const cases: Record<string, { entries: EntrySpec[]; error: RegExp }> = {
  "path traversal ../../x": { entries: [file("../../sentinel/x", "pwned")], error: /escapes the root/ },
  "traversal hidden in the middle": { entries: [file("a/../../../sentinel/x", "pwned")], error: /escapes the root/ },
  "absolute path": { entries: [file(`/tmp/bocker-abs-${process.pid}`, "pwned")], error: /absolute path/ },
  "hardlink to an absolute path": { entries: [hardlink("passwd", "/etc/passwd")], error: /absolute path/ },
  "hardlink escaping with ..": { entries: [hardlink("x", "../../sentinel/keep")], error: /escapes the root/ },
  "hardlink through a symlink to /etc, to a file only the host has": { entries: [symlink("e", "/etc"), hardlink("p", "e/shadow")], error: /does not exist in the rootfs/ },
  "hardlink to a directory": { entries: [dir("d/"), hardlink("x", "d")], error: /is a directory/ },
  "whiteout .wh.. (the directory itself)": { entries: [file("a/.wh..", "")], error: /invalid whiteout/ },
  "whiteout .wh... (the parent: umoci 0.4.7 deletes the bundle's parent)": { entries: [file(".wh...", "")], error: /invalid whiteout/ },
  "whiteout escaping with ..": { entries: [file("../.wh.sentinel", "")], error: /escapes the root/ },
  "root replaced by a symlink (CVE-2021-29136)": { entries: [symlink(".", "/")], error: /refusing to replace the root/ },
  "root replaced by a file": { entries: [file("./", "x")], error: /refusing to replace the root/ },
};

/** These are not errors: a symlink to /etc then a write through it lands inside the rootfs. */
const contained: Record<string, EntrySpec[]> = {
  "symlink escape a -> /etc then a/passwd": [symlink("a", "/etc"), file("a/passwd", "contained")],
  "relative symlink climbing out then a write": [symlink("up", "../../../../sentinel"), file("up/x", "contained")],
  "symlink to the sentinel's absolute path": [symlink("abs", "/SENTINEL"), file("abs/y", "contained")],
  "hardlink through a symlink to /etc": [symlink("e", "/etc"), hardlink("p", "e/passwd"), file("z", "contained")],
  // The applier caches resolved parent directories: replacing a directory whose resolution is
  // cached by a symlink must not let a later write follow the host's view of that symlink.
  "a directory's files, then the directory replaced by a symlink to the sentinel, then a write": [
    dir("d/"), file("d/a", "x"), symlink("d", "/SENTINEL"), file("d/y", "contained"),
  ],
  "a directory's files, its whiteout, a symlink in its place, then a write": [
    dir("d/"), file("d/a", "x"), whiteout("d"), symlink("d", "/SENTINEL"), file("d/y", "contained"),
  ],
};

describeRoot("hostile layers", () => {
  const cleanup = new Cleanup();
  let work: string;
  let sentinel: string;
  let before: ReturnType<typeof describeTree>;
  let hostPasswdLinks: number;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), "bocker-hostile-"));
    cleanup.add(`remove ${work}`, () => rmSync(work, { recursive: true, force: true }));
    sentinel = join(work, "sentinel");
    mkdirSync(sentinel);
    writeFileSync(join(sentinel, "keep"), "keep");
    before = describeTree(sentinel);
    hostPasswdLinks = statSync("/etc/passwd").nlink;
  });
  afterAll(() => cleanup.run(), 60_000);

  const base: BuiltLayer = buildLayer([dir("etc/"), file("etc/passwd", "root:x:0:0::/:/bin/sh\n")]);
  let n = 0;

  for (const [name, { entries, error }] of Object.entries(cases)) {
    for (const how of ["unpack", "overlay", "copy"] as const) {
      test(`${name}: rejected by ${how}`, async () => {
        const root = join(work, `root${++n}`);
        await writeTestImage(root, "hostile", [base, buildLayer(entries)]);
        const bundle = join(work, `b${n}`);
        cleanup.add(`remove bundle ${bundle} if the attack was not rejected`, () => existsSync(join(bundle, BUNDLE_RECORD)) && removeBundle(bundle));
        const attempt = how === "unpack"
          ? unpackToDir({ root, image: "hostile", dir: bundle })
          : createBundle({ root, image: "hostile", dir: bundle, snapshotter: how as SnapshotterName });
        await expect(attempt).rejects.toThrow(error);
        await expect(attempt).rejects.toThrow(/layer sha256:[0-9a-f]{64}.*entry/);
        expect(existsSync(bundle)).toBe(false);
        expect(describeTree(sentinel)).toEqual(before);
        expect(existsSync(`/tmp/bocker-abs-${process.pid}`)).toBe(false);
        if (how !== "unpack") {
          // Only the good base layer may remain as a committed snapshot; no temp or active ones.
          const sn = openSnapshotter(root, how);
          const kinds: string[] = [];
          await sn.walk((i) => void kinds.push(i.kind));
          expect(kinds).toEqual(["committed"]);
          expect(readdirSync(join(root, "snapshots", how)).filter((e) => e.startsWith("tmp-"))).toEqual([]);
        }
      });
    }
  }

  for (const [name, entries] of Object.entries(contained)) {
    for (const how of ["unpack", "overlay", "copy"] as const) {
      for (const split of [false, true]) {
        // split: the symlink comes in one layer and the write through it in the next, so the
        // overlay snapshotter resolves it through its lower dirs.
        test(`${name}${split ? " (across layers)" : ""}: stays inside the rootfs with ${how}`, async () => {
          const root = join(work, `root${++n}`);
          const fixed = entries.map((e) => (e.linkname === "/SENTINEL" ? { ...e, linkname: sentinel } : e));
          const layers = split ? [base, buildLayer(fixed.slice(0, 1)), buildLayer(fixed.slice(1))] : [base, buildLayer(fixed)];
          await writeTestImage(root, "contained", layers);
          const bundle = join(work, `contained${n}`);
          const { rootfs } = how === "unpack"
            ? await unpackToDir({ root, image: "contained", dir: bundle })
            : await createBundle({ root, image: "contained", dir: bundle, snapshotter: how });
          if (how !== "unpack") cleanup.add(`remove bundle ${bundle}`, () => removeBundle(bundle));
          expect(describeTree(sentinel)).toEqual(before);
          expect(statSync("/etc/passwd").nlink).toBe(hostPasswdLinks);
          expect(Object.values(describeTree(rootfs)).some((d) => d.startsWith("file 644 0:0 size=9"))).toBe(true);
        });
      }
    }
  }

  for (const how of ["unpack", "overlay", "copy"] as const) {
    test(`a lower layer's symlink to / is not followed to copy a host file up (${how})`, async () => {
      // Layer 1: x -> /. Layer 2: x/ becomes a real directory, then a hardlink to x/etc/passwd.
      // Resolving that in the lower layer by joining paths would reach the host's /etc/passwd.
      const root = join(work, `root${++n}`);
      await writeTestImage(root, "lower-symlink", [base, buildLayer([symlink("x", "/")]), buildLayer([dir("x/"), hardlink("h", "x/etc/passwd")])]);
      const bundle = join(work, `lower-symlink${n}`);
      cleanup.add(`remove bundle ${bundle} if the attack was not rejected`, () => existsSync(join(bundle, BUNDLE_RECORD)) && removeBundle(bundle));
      const attempt = how === "unpack"
        ? unpackToDir({ root, image: "lower-symlink", dir: bundle })
        : createBundle({ root, image: "lower-symlink", dir: bundle, snapshotter: how });
      await expect(attempt).rejects.toThrow(/hardlink target "x\/etc\/passwd" does not exist in the rootfs/);
      expect(existsSync(bundle)).toBe(false);
      expect(statSync("/etc/passwd").nlink).toBe(hostPasswdLinks);
    });
  }

  test("a blob longer than its descriptor's size is not read past the size", async () => {
    const root = join(work, `root${++n}`);
    const layer = buildLayer([file("a", "x".repeat(10_000))]);
    await writeTestImage(root, "short", [{ ...layer, size: layer.size - 10 }]);
    const attempt = unpackToDir({ root, image: "short", dir: join(work, "short") });
    await expect(attempt).rejects.toThrow(/more data than the declared size/);
    expect(existsSync(join(work, "short"))).toBe(false);
  });

  test("a layer whose diffID does not match is rejected and its snapshot discarded", async () => {
    const root = join(work, `root${++n}`);
    const layer = buildLayer([file("a", "x")]);
    await writeTestImage(root, "baddiff", [{ ...layer, diffID: base.diffID }]);
    await expect(createBundle({ root, image: "baddiff", dir: join(work, "bd"), snapshotter: "overlay" })).rejects.toThrow(/diffID.*digest mismatch/);
    const sn = openSnapshotter(root, "overlay");
    let count = 0;
    await sn.walk(() => void count++);
    expect(count).toBe(0);
  });
});
