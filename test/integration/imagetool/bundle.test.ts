/**
 * Bundles from images made by `init`, for each snapshotter: the generated bundle runs busybox
 * under runc (`runc --root <tmp> run`), the user is resolved through the image's /etc/passwd and
 * /etc/group, and removeBundle leaves no mount, snapshot or directory behind.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Cleanup } from "../../../common/cleanup.ts";
import { distBinary } from "../../fixtures/dist.ts";
import { describeRoot } from "../../fixtures/root.ts";
import { makeBusyboxRootfs } from "../../../common/busybox-rootfs.ts";
import { createBundle, removeBundle } from "../../../imagetool/lib/bundle/create.ts";
import { initImage } from "../../../imagetool/lib/bundle/init-image.ts";
import { openSnapshotter } from "../../../imagetool/lib/snapshot/detect.ts";
import type { SnapshotterName } from "../../../imagetool/lib/snapshot/snapshotter.ts";
import { mountLoopBtrfs } from "./snapshot-btrfs-fixture.ts";

function runc(runcRoot: string, bundle: string, id: string): { code: number; out: string } {
  const r = Bun.spawnSync(["runc", "--root", runcRoot, "run", "-b", bundle, id], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  return { code: r.exitCode ?? -1, out: r.stdout.toString() + r.stderr.toString() };
}

const mounted = (path: string) => readFileSync("/proc/self/mountinfo", "utf8").includes(` ${path} `);

describeRoot("bundles run with runc", () => {
  const cleanup = new Cleanup();
  let work: string;
  let rootfsDir: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), "bocker-bundle-"));
    cleanup.add(`remove ${work}`, () => rmSync(work, { recursive: true, force: true }));
    rootfsDir = makeBusyboxRootfs(join(work, "busybox"));
    appendFileSync(join(rootfsDir, "etc/passwd"), "u:x:1000:1000:user:/home/u:/bin/sh\n");
    appendFileSync(join(rootfsDir, "etc/group"), "staff:x:50:u\nu:x:1000:\n");
    mkdirSync(join(rootfsDir, "home/u"), { recursive: true });
    writeFileSync(join(rootfsDir, "etc/motd"), "from the image\n");
  });
  afterAll(() => cleanup.run(), 60_000);

  for (const name of ["overlay", "copy", "btrfs"] as SnapshotterName[]) {
    test(`${name}: busybox prints the expected output, then the bundle is removed cleanly`, async () => {
      const root = name === "btrfs" ? join(mountLoopBtrfs(cleanup), "root") : join(work, `root-${name}`);
      const img = await initImage({ root, dir: rootfsDir, name: "busybox-test" });
      expect(img.name).toBe("docker.io/library/busybox-test:latest");
      const bundle = join(work, `bundle-${name}`);
      const b = await createBundle({
        root,
        image: "busybox-test",
        dir: bundle,
        snapshotter: name,
        overrides: { args: ["sh", "-c", "cat /etc/motd; id; echo $GREETING; pwd; hostname"], env: ["GREETING=hi"], user: "u", cwd: "/home/u", hostname: "box" },
      });
      cleanup.add(`remove bundle ${bundle}`, () => existsSync(bundle) && removeBundle(bundle));
      expect(mounted(b.rootfs)).toBe(true);
      const spec = JSON.parse(readFileSync(join(bundle, "config.json"), "utf8"));
      expect(spec.process.user).toEqual({ uid: 1000, gid: 1000, additionalGids: [50] });
      const runcRoot = join(work, `runc-${name}`);
      const r = runc(runcRoot, bundle, `bocker-test-${name}-${process.pid}`);
      expect(r.out).toBe("from the image\nuid=1000(u) gid=1000(u) groups=50(staff)\nhi\n/home/u\nbox\n");
      expect(r.code).toBe(0);
      await removeBundle(bundle);
      expect(existsSync(bundle)).toBe(false);
      expect(mounted(b.rootfs)).toBe(false);
      const left: string[] = [];
      await openSnapshotter(root, name).walk((i) => void left.push(i.kind));
      expect(left).toEqual(["committed"]); // the image's layer stays for the next container
    });
  }

  test("the bundle runs with bocker-runtime run", async () => {
    const root = join(work, "root-bocker-runtime");
    await initImage({ root, dir: rootfsDir, name: "bb" });
    const bundle = join(work, "bundle-bocker-runtime");
    await createBundle({ root, image: "bb", dir: bundle, overrides: { args: ["sh", "-c", "echo hello from $(hostname)"], hostname: "rt" } });
    cleanup.add(`remove bundle ${bundle}`, () => existsSync(bundle) && removeBundle(bundle));
    const r = Bun.spawnSync([distBinary("bocker-runtime"), "--root", join(work, "bocker-runtime-state"), "run", "-b", bundle, `bocker-it-${process.pid}`], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    expect(r.stdout.toString() + r.stderr.toString()).toBe("hello from rt\n");
    expect(r.exitCode).toBe(0);
    await removeBundle(bundle);
  });

  test("parallel bundles of one image unpack each layer once and share it", async () => {
    const root = join(work, "root-parallel");
    await initImage({ root, dir: rootfsDir, name: "shared" });
    const dirs = [1, 2, 3, 4].map((i) => join(work, `parallel-${i}`));
    const made = await Promise.all(dirs.map((dir) => createBundle({ root, image: "shared", dir, snapshotter: "overlay" })));
    for (const d of dirs) cleanup.add(`remove bundle ${d}`, () => existsSync(d) && removeBundle(d));
    const kinds: string[] = [];
    await openSnapshotter(root, "overlay").walk((i) => void kinds.push(i.kind));
    expect(kinds.sort()).toEqual(["active", "active", "active", "active", "committed"]);
    expect(new Set(made.map((b) => b.mounts[0]!.options.find((o) => o.startsWith("lowerdir="))))).toHaveProperty("size", 1);
    for (const d of dirs) await removeBundle(d);
  });

  test("a bundle for an unknown image creates nothing", async () => {
    const bundle = join(work, "nothing");
    await expect(createBundle({ root: join(work, "root-overlay"), image: "no-such-image", dir: bundle })).rejects.toThrow(/No image named 'no-such-image'/);
    expect(existsSync(bundle)).toBe(false);
  });

  test("a bad override fails before anything is left mounted", async () => {
    const root = join(work, "root-bad");
    await initImage({ root, dir: rootfsDir, name: "bb" });
    const bundle = join(work, "bad-user");
    await expect(createBundle({ root, image: "bb", dir: bundle, overrides: { user: "nobody-here" } })).rejects.toThrow(/not found in the image's \/etc\/passwd/);
    expect(existsSync(bundle)).toBe(false);
    expect(readFileSync("/proc/self/mountinfo", "utf8")).not.toContain(bundle);
    const kinds: string[] = [];
    await openSnapshotter(root).walk((i) => void kinds.push(i.kind));
    expect(kinds).toEqual(["committed"]);
  });
});

describeRoot("container rootfs creation is O(1) in image size", () => {
  const cleanup = new Cleanup();
  afterAll(() => cleanup.run(), 60_000);

  for (const name of ["overlay", "btrfs"] as SnapshotterName[]) {
    test(name, async () => {
      const base = name === "btrfs" ? mountLoopBtrfs(cleanup, 512) : mkdtempSync(join(tmpdir(), "bocker-o1-"));
      if (name !== "btrfs") cleanup.add(`remove ${base}`, () => rmSync(base, { recursive: true, force: true }));
      const sn = openSnapshotter(base, name);
      const makeParent = async (key: string, files: number) => {
        const m = await sn.prepare(`${key}-active`);
        const dir = m[0]!.source;
        for (let i = 0; i < files; i++) writeFileSync(join(dir, `f${i}`), "x".repeat(4096));
        await sn.commit(key, `${key}-active`);
      };
      await makeParent("small", 1);
      await makeParent("large", 5000);
      const time = async (parent: string) => {
        const samples: number[] = [];
        for (let i = 0; i < 5; i++) {
          const t = performance.now();
          await sn.prepare(`${parent}-c${i}`, parent);
          samples.push(performance.now() - t);
        }
        return samples.sort((a, b) => a - b)[2]!;
      };
      const small = await time("small");
      const large = await time("large");
      console.log(`${name}: prepare on a 1-file parent ${small.toFixed(2)} ms, on a 5000-file (20 MB) parent ${large.toFixed(2)} ms`);
      expect(large).toBeLessThan(small * 3 + 10);
    }, 60_000);
  }
});
