import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OverlaySnapshotter } from "../../../../../imagetool/lib/snapshot/overlay.ts";
import { pruneSnapshots } from "../../../../../imagetool/lib/gc/snapshots.ts";

let root: string;
let sn: OverlaySnapshotter;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "bocker-prune-"));
  sn = new OverlaySnapshotter(join(root, "snapshots", "overlay"));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

async function layer(name: string, parent?: string) {
  await sn.prepare(`${name}-w`, parent);
  await sn.commit(name, `${name}-w`);
}

test("removes layers no image keeps, but not those a container or a kept layer builds on", async () => {
  await layer("base");
  await layer("img1", "base");
  await layer("img2", "base");
  await layer("orphan-parent");
  await layer("orphan", "orphan-parent");
  await sn.prepare("container", "img2");
  mkdirSync(join(root, "snapshots", "overlay", "tmp-interrupted"));
  const r = await pruneSnapshots(root, new Set(["base", "img1"]), { staleMs: -1 });
  expect(r.removed.map((x) => x.key).sort()).toEqual(["orphan", "orphan-parent"]);
  const left: string[] = [];
  await sn.walk((i) => void left.push(i.key));
  expect(left).toEqual(["base", "img1", "img2", "container"]);
  expect(readdirSync(join(root, "snapshots", "overlay")).some((e) => e.startsWith("tmp-"))).toBe(false);
});

test("stale extract snapshots from a crashed unpack are removed; fresh ones are not", async () => {
  await sn.prepare("extract-abc-sha256:x");
  expect((await pruneSnapshots(root, new Set())).removed).toEqual([]);
  expect((await pruneSnapshots(root, new Set(), { staleMs: -1 })).removed).toEqual([{ snapshotter: "overlay", key: "extract-abc-sha256:x" }]);
});

test("nothing created since the oldest live lease began is removed: a pull in progress names its layers last", async () => {
  await layer("old-orphan");
  const leaseStart = Date.now();
  await Bun.sleep(5);
  await layer("pulling-base");
  await layer("pulling-top", "pulling-base");
  await sn.prepare("extract-def-sha256:y", "pulling-top");
  mkdirSync(join(root, "snapshots", "overlay", "tmp-being-built"));
  mkdirSync(join(root, "snapshots", "overlay-check-probing"));
  const r = await pruneSnapshots(root, new Set(), { since: leaseStart, staleMs: -1 });
  expect(r.removed.map((x) => x.key)).toEqual(["old-orphan"]);
  const left: string[] = [];
  await sn.walk((i) => void left.push(i.key));
  expect(left).toEqual(["pulling-base", "pulling-top", "extract-def-sha256:y"]);
  expect(readdirSync(join(root, "snapshots", "overlay"))).toContain("tmp-being-built");
  expect(readdirSync(join(root, "snapshots"))).toContain("overlay-check-probing");
  // Once the lease is gone, the same call removes them.
  const after = await pruneSnapshots(root, new Set(), { staleMs: -1 });
  expect(after.removed.map((x) => x.key).sort()).toEqual(["extract-def-sha256:y", "pulling-base", "pulling-top"]);
  expect(readdirSync(join(root, "snapshots", "overlay")).some((e) => e.startsWith("tmp-"))).toBe(false);
  expect(readdirSync(join(root, "snapshots")).some((e) => e.startsWith("overlay-check-"))).toBe(false);
});

test("young temp directories are left alone: a snapshot may be being built", async () => {
  mkdirSync(join(root, "snapshots", "overlay", "tmp-young"), { recursive: true });
  await layer("x");
  await pruneSnapshots(root, new Set(["x"]));
  expect(readdirSync(join(root, "snapshots", "overlay"))).toContain("tmp-young");
});
