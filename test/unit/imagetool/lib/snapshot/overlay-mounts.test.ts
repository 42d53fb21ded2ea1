/**
 * The overlay snapshotter's mounts are data: checked here without mounting anything (preparing
 * and committing only make directories and write metadata, which needs no root).
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { overlayMountData } from "../../../../../imagetool/lib/snapshot/mount.ts";
import { OverlaySnapshotter } from "../../../../../imagetool/lib/snapshot/overlay.ts";
import { writableTarget } from "../../../../../imagetool/lib/snapshot/snapshotter.ts";
import { chainIDs } from "../../../../../imagetool/lib/snapshot/unpack-image.ts";

let dir: string;
let sn: OverlaySnapshotter;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "bocker-ovl-"));
  sn = new OverlaySnapshotter(dir);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("overlay mounts", () => {
  test("no parent: a read-write bind of the snapshot's own dir", async () => {
    const m = await sn.prepare("a");
    expect(m).toEqual([{ type: "bind", source: join(dir, "1", "fs"), options: ["rw", "rbind"] }]);
    expect(writableTarget(m)).toEqual({ dir: join(dir, "1", "fs"), lowerDirs: [] });
  });

  test("a chain: overlay with lowerdirs newest first, fresh upper and work dirs", async () => {
    await sn.prepare("a-w");
    await sn.commit("a", "a-w");
    await sn.prepare("b-w", "a");
    await sn.commit("b", "b-w");
    const m = await sn.prepare("c", "b");
    expect(m).toEqual([{
      type: "overlay",
      source: "overlay",
      options: [`workdir=${join(dir, "3", "work")}`, `upperdir=${join(dir, "3", "fs")}`, `lowerdir=${join(dir, "2", "fs")}:${join(dir, "1", "fs")}`, "index=off", "redirect_dir=off", "metacopy=off"],
    }]);
    expect(writableTarget(m).lowerDirs).toEqual([join(dir, "2", "fs"), join(dir, "1", "fs")]);
    expect(await sn.view("v1", "a")).toEqual([{ type: "bind", source: join(dir, "1", "fs"), options: ["ro", "rbind"] }]);
    expect(await sn.view("v2", "b")).toEqual([{ type: "overlay", source: "overlay", options: ["ro", `lowerdir=${join(dir, "2", "fs")}:${join(dir, "1", "fs")}`] }]);
  });

  test("a read-only view cannot be written", async () => {
    await sn.prepare("a-w");
    await sn.commit("a", "a-w");
    expect(() => writableTarget([{ type: "bind", source: "/x", options: ["ro", "rbind"] }])).toThrow(/read-only/);
    expect(() => writableTarget([{ type: "overlay", source: "overlay", options: ["ro", "lowerdir=/a:/b"] }])).toThrow(/read-only view/);
  });

  test("a failed prepare leaves no directory or metadata", async () => {
    await expect(sn.prepare("x", "missing-parent")).rejects.toThrow(/does not exist/);
    expect(readdirSync(dir).filter((e) => e !== "metadata.json")).toEqual([]);
    expect(existsSync(join(dir, "1"))).toBe(false);
  });
});

describe("mount data for 128 layers", () => {
  test("fits one page by chdir to the common parent and relative paths", () => {
    const base = "/var/lib/bocker/snapshots/overlay";
    const lowers = Array.from({ length: 128 }, (_, i) => `${base}/${1000 + i}/fs`).reverse();
    const { data, cwd } = overlayMountData([`workdir=${base}/2000/work`, `upperdir=${base}/2000/fs`, `lowerdir=${lowers.join(":")}`, "index=off"]);
    expect(cwd).toBe(base);
    expect(data.length).toBeLessThan(4096);
    expect(data).toStartWith("workdir=2000/work,upperdir=2000/fs,lowerdir=1127/fs:1126/fs:");
  });

  test("short option strings are left absolute", () => {
    expect(overlayMountData(["ro", "lowerdir=/a/1/fs:/a/2/fs"])).toEqual({ data: "lowerdir=/a/1/fs:/a/2/fs" });
  });
});

describe("chain IDs (image-spec config.md)", () => {
  test("the first is the diffID; each next is sha256 of 'parent diffID'", () => {
    const a = `sha256:${"a".repeat(64)}`;
    const b = `sha256:${"b".repeat(64)}`;
    const ids = chainIDs([a, b]);
    expect(ids[0]).toBe(a);
    expect(ids[1]).toBe(`sha256:${new Bun.CryptoHasher("sha256").update(`${a} ${b}`).digest("hex")}`);
  });
});
