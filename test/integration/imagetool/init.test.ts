/**
 * init: a directory with every kind of entry (made by applying the every-entry layer) becomes a
 * one-layer image whose unpack, by us and by umoci, reproduces the directory exactly. Also the
 * commands end to end through imagetool/main.ts: init → bundle → commit → unpack, and their errors.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Cleanup } from "../../../common/cleanup.ts";
import { REPO_ROOT } from "../../fixtures/dist.ts";
import { describeRoot } from "../../fixtures/root.ts";
import { makeBusyboxRootfs } from "../../../common/busybox-rootfs.ts";
import { buildLayer, chunks, dir, file, hardlink, symlink } from "../../fixtures/tar-builder.ts";
import { initImage } from "../../../imagetool/lib/bundle/init-image.ts";
import { unpackToDir } from "../../../imagetool/lib/bundle/unpack-dir.ts";
import { storeForRoot } from "../../../imagetool/lib/content/store.ts";
import { resolveImage } from "../../../imagetool/lib/image/refs.ts";
import { applyLayerBlob } from "../../../imagetool/lib/layer/unpack-blob.ts";
import { describeTree } from "./unpack-tree.ts";

const CAP = new Uint8Array([1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

function imagetool(...args: string[]): { code: number; out: string; err: string } {
  const r = Bun.spawnSync([process.execPath, join(REPO_ROOT, "imagetool/main.ts"), ...args], { stdout: "pipe", stderr: "pipe" });
  return { code: r.exitCode ?? -1, out: r.stdout.toString(), err: r.stderr.toString() };
}

describeRoot("init", () => {
  const cleanup = new Cleanup();
  let work: string;
  let src: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "bocker-init-"));
    cleanup.add(`remove ${work}`, () => rmSync(work, { recursive: true, force: true }));
    src = join(work, "src");
    mkdirSync(src);
    const layer = buildLayer([
      dir("bin/"), file("bin/tool", "tool", { mode: 0o4755, xattrs: new Map([["security.capability", CAP]]) }),
      hardlink("bin/tool2", "bin/tool"), symlink("sh", "bin/tool"), dir("tmp/", { mode: 0o1777 }),
      dir("dev/"), { name: "dev/null", type: "char", devmajor: 1, devminor: 3, mode: 0o666 }, { name: "dev/sda", type: "block", devmajor: 8, devminor: 0, mode: 0o660 },
      { name: "fifo", type: "fifo", mode: 0o644 }, dir("home/", { uid: 1000, gid: 100 }), file("home/f", "f", { uid: 1000, gid: 100, mode: 0o640 }),
      file(`${"x".repeat(120)}/long`, "long name"), file("user-xattr", "u", { xattrs: new Map([["user.k", new Uint8Array([0, 255, 10])]]) }),
    ]);
    await applyLayerBlob(chunks(layer.blob), layer, layer.diffID, { root: src, format: "delete" });
  });
  afterAll(() => cleanup.run(), 60_000);

  test("the image reproduces the directory, for us and for umoci", async () => {
    const root = join(work, "root");
    const img = await initImage({ root, dir: src, name: "every:1" });
    const resolved = await resolveImage(storeForRoot(root), "every:1");
    expect(resolved.config.config).toEqual({ Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], Cmd: ["/bin/sh"] });
    expect(resolved.manifest.layers).toHaveLength(1);
    expect(img.configDigest).toBe(resolved.configDescriptor.digest);
    const want = describeTree(src);
    const ours = await unpackToDir({ root, image: "every:1", dir: join(work, "ours") });
    expect(describeTree(ours.rootfs)).toEqual(want);
    const u = Bun.spawnSync(["umoci", "unpack", "--image", `${join(root, "content")}:docker.io/library/every:1`, join(work, "umoci")], { stderr: "pipe" });
    expect(u.exitCode).toBe(0);
    expect(describeTree(join(work, "umoci", "rootfs"))).toEqual(want);
  });

  test("the commands end to end: init, bundle, commit, unpack, bundle --remove", () => {
    const root = join(work, "cli-root");
    const bb = makeBusyboxRootfs(join(work, "bb"));
    const init = imagetool("--root", root, "init", bb, "--name", "cli");
    expect(init.err).toBe("");
    expect(init.out).toMatch(/^docker\.io\/library\/cli:latest sha256:[0-9a-f]{64}\n$/);
    const bundle = join(work, "cli-bundle");
    const b = imagetool("--root", root, "bundle", "cli", bundle, "--snapshotter", "overlay", "-e", "A=1", "--", "sh", "-c", "echo $A");
    expect(b.code).toBe(0);
    const spec = JSON.parse(readFileSync(join(bundle, "config.json"), "utf8"));
    expect(spec.process.args).toEqual(["sh", "-c", "echo $A"]);
    expect(spec.process.env).toContain("A=1");
    writeFileSync(join(bundle, "rootfs/etc/added"), "yes");
    const c = imagetool("--root", root, "commit", bundle, "cli:2", "-m", "add a file");
    expect(c.code).toBe(0);
    const u = imagetool("--root", root, "unpack", "cli:2", join(work, "cli-unpacked"));
    expect(u.code).toBe(0);
    expect(readFileSync(join(work, "cli-unpacked/rootfs/etc/added"), "utf8")).toBe("yes");
    expect(imagetool("--root", root, "bundle", "--remove", bundle).code).toBe(0);
    expect(existsSync(bundle)).toBe(false);
  });

  test("command errors: clear message, non-zero exit, nothing created", () => {
    const root = join(work, "err-root");
    const missing = imagetool("--root", root, "init", join(work, "no-such-dir"));
    expect(missing.code).not.toBe(0);
    expect(missing.err).toContain("no-such-dir");
    const noImage = imagetool("--root", root, "unpack", "nope", join(work, "nope"));
    expect(noImage.code).not.toBe(0);
    expect(noImage.err).toContain("No image named 'nope'");
    expect(existsSync(join(work, "nope"))).toBe(false);
    const notBundle = imagetool("--root", root, "commit", work, "x");
    expect(notBundle.code).not.toBe(0);
    expect(notBundle.err).toContain("is not a bundle made by bocker-imagetool");
  });
});
