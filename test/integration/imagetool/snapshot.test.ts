/**
 * The shared snapshotter suite (containerd core/snapshots/testsuite style): the same checks run
 * against overlay, btrfs (on a loop-mounted btrfs it creates) and copy.
 */
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Cleanup } from "../../../common/cleanup.ts";
import { describeRoot } from "../../fixtures/root.ts";
import { BtrfsSnapshotter } from "../../../imagetool/lib/snapshot/btrfs.ts";
import { CopySnapshotter } from "../../../imagetool/lib/snapshot/copy.ts";
import { DETECTED_FILE, detectSnapshotter } from "../../../imagetool/lib/snapshot/detect.ts";
import { mountAll, unmount } from "../../../imagetool/lib/snapshot/mount.ts";
import { OverlaySnapshotter } from "../../../imagetool/lib/snapshot/overlay.ts";
import { writableTarget, type Snapshotter } from "../../../imagetool/lib/snapshot/snapshotter.ts";
import { mountLoopBtrfs } from "./snapshot-btrfs-fixture.ts";

const kinds = {
  overlay: (dir: string) => new OverlaySnapshotter(dir),
  copy: (dir: string) => new CopySnapshotter(dir),
  btrfs: (dir: string) => new BtrfsSnapshotter(dir),
} as const;

for (const [name, make] of Object.entries(kinds)) {
  describeRoot(`snapshotter ${name}`, () => {
    const suite = new Cleanup();
    const perTest = new Cleanup();
    let base: string;
    let sn: Snapshotter;
    let n = 0;

    beforeAll(() => {
      base = name === "btrfs" ? mountLoopBtrfs(suite) : mkdtempSync(join(tmpdir(), `bocker-sn-${name}-`));
      if (name !== "btrfs") suite.add(`remove ${base}`, () => rmSync(base, { recursive: true, force: true }));
    });
    afterEach(() => perTest.run());
    afterAll(() => suite.run(), 60_000);

    const fresh = () => {
      const dir = join(base, `t${++n}`);
      sn = make(dir);
      return dir;
    };
    /** Mounts `key`'s mounts on a temp dir, unmounted after the test. */
    const mounted = async (key: string): Promise<string> => {
      const target = mkdtempSync(join(tmpdir(), "bocker-sn-mnt-"));
      perTest.add(`remove ${target}`, () => rmSync(target, { recursive: true, force: true }));
      mountAll(await sn.mounts(key), target);
      perTest.add(`unmount ${target}`, () => unmount(target));
      return target;
    };
    const write = async (key: string, files: Record<string, string>) => {
      const { dir } = writableTarget(await sn.mounts(key));
      for (const [p, data] of Object.entries(files)) {
        mkdirSync(join(dir, p, ".."), { recursive: true });
        writeFileSync(join(dir, p), data);
      }
    };

    test("an id whose directory a crash left behind (moved into place, never recorded) is skipped", async () => {
      const dir = fresh();
      mkdirSync(join(dir, "1", "fs", "leftover"), { recursive: true });
      await sn.prepare("a");
      expect((await sn.stat("a")).id).toBe(2);
      expect(existsSync(join(dir, "1", "fs", "leftover"))).toBe(true);
      await sn.remove("a");
    });

    test("prepare, write, commit, then a child sees the parent's files through its mounts", async () => {
      fresh();
      await sn.prepare("a-active");
      await write("a-active", { "etc/one": "1" });
      await sn.commit("a", "a-active");
      await sn.prepare("b-active", "a");
      await write("b-active", { "etc/two": "2" });
      await sn.commit("b", "b-active");
      await sn.prepare("c", "b");
      const root = await mounted("c");
      expect(readFileSync(join(root, "etc/one"), "utf8")).toBe("1");
      expect(readFileSync(join(root, "etc/two"), "utf8")).toBe("2");
      writeFileSync(join(root, "etc/three"), "3");
      // The container's write is not visible in its parent.
      expect(existsSync(join(await sn.dirOf("b"), "etc/three"))).toBe(false);
    });

    test("stat, walk and usage report kinds, parents and sizes", async () => {
      fresh();
      await sn.prepare("x-active", undefined, { l: "v" });
      await write("x-active", { big: "x".repeat(100_000) });
      await sn.commit("x", "x-active", { m: "w" });
      await sn.prepare("y", "x");
      const x = await sn.stat("x");
      expect(x.kind).toBe("committed");
      expect(x.labels).toEqual({ l: "v", m: "w" });
      expect((await sn.stat("y")).parent).toBe("x");
      const seen: string[] = [];
      await sn.walk((i) => void seen.push(`${i.key}:${i.kind}`));
      expect(seen).toEqual(["x:committed", "y:active"]);
      expect((await sn.usage("x")).size).toBeGreaterThanOrEqual(100_000);
      await expect(sn.stat("x-active")).rejects.toThrow(/does not exist/);
    });

    test("view is read-only and shows the parent", async () => {
      fresh();
      await sn.prepare("p-active");
      await write("p-active", { f: "data" });
      await sn.commit("p", "p-active");
      await sn.view("v", "p");
      const root = await mounted("v");
      expect(readFileSync(join(root, "f"), "utf8")).toBe("data");
      expect(() => writeFileSync(join(root, "g"), "no")).toThrow(/EROFS|read-only/);
    });

    test("remove refuses a parent with children, then removes everything", async () => {
      const dir = fresh();
      await sn.prepare("p-active");
      await sn.commit("p", "p-active");
      await sn.prepare("c", "p");
      await expect(sn.remove("p")).rejects.toThrow(/child/);
      await sn.remove("c");
      await sn.remove("p");
      expect(readdirSync(dir).filter((e) => e !== "metadata.json")).toEqual([]);
    });

    test("commit of an unknown key, prepare of an existing key and an uncommitted parent fail cleanly", async () => {
      const dir = fresh();
      await expect(sn.commit("n", "missing")).rejects.toThrow(/does not exist/);
      await sn.prepare("a");
      await expect(sn.prepare("a")).rejects.toThrow(/already exists/);
      await expect(sn.prepare("b", "a")).rejects.toThrow(/not committed/);
      expect(readdirSync(dir).filter((e) => e.startsWith("tmp-"))).toEqual([]);
    });

    test("a chain of 128 layers mounts (mount options fit one page)", async () => {
      fresh();
      let parent: string | undefined;
      for (let i = 0; i < 128; i++) {
        await sn.prepare(`l${i}-active`, parent);
        await write(`l${i}-active`, { [`f${i}`]: String(i) });
        await sn.commit(`l${i}`, `l${i}-active`);
        parent = `l${i}`;
      }
      await sn.prepare("top", parent);
      // With absolute paths these options would not fit a page: the mount must shorten them.
      if (name === "overlay") expect((await sn.mounts("top"))[0]!.options.join(",").length).toBeGreaterThan(4096);
      const root = await mounted("top");
      expect(readFileSync(join(root, "f0"), "utf8")).toBe("0");
      expect(readFileSync(join(root, "f127"), "utf8")).toBe("127");
    }, 60_000);
  });
}

describeRoot("snapshotter detection", () => {
  const cleanup = new Cleanup();
  afterAll(() => cleanup.run(), 60_000);
  test("btrfs on btrfs, overlay on ext4/tmpfs", () => {
    expect(detectSnapshotter(join(mountLoopBtrfs(cleanup), "snapshots"))).toBe("btrfs");
    const dir = mkdtempSync(join(tmpdir(), "bocker-detect-"));
    cleanup.add(`remove ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
    expect(detectSnapshotter(join(dir, "snapshots"))).toBe("overlay");
  });

  test("the overlay probe's answer is remembered with the filesystem magic, and re-probed when that changes", () => {
    const dir = mkdtempSync(join(tmpdir(), "bocker-detect-"));
    cleanup.add(`remove ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
    const snapshots = join(dir, "snapshots");
    expect(detectSnapshotter(snapshots)).toBe("overlay");
    const record = join(snapshots, DETECTED_FILE);
    const [magic, name] = readFileSync(record, "utf8").trim().split(" ");
    expect(name).toBe("overlay");
    // A recorded answer for this filesystem is used as is (no probe: no overlay-check dir appears).
    writeFileSync(record, `${magic} copy\n`);
    expect(detectSnapshotter(snapshots)).toBe("copy");
    // Recorded on another filesystem type: probed again.
    writeFileSync(record, "0x1234 copy\n");
    expect(detectSnapshotter(snapshots)).toBe("overlay");
    expect(readdirSync(snapshots).sort()).toEqual([DETECTED_FILE]);
  });
});
