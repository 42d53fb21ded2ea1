/**
 * Interop both ways with skopeo and umoci: they read our content store (`oci:<root>/content:<name>`)
 * and our archives; we read layouts and archives they write, and pull what skopeo pushed.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeRoot } from "../../fixtures/root.ts";
import { Cleanup } from "../../../common/cleanup.ts";
import { buildBusyboxImage, imagetool, sh, startRegistry, type BuiltImage, type TestRegistry } from "../../fixtures/registry.ts";
import { ContentStore } from "../../../imagetool/lib/content/store.ts";

describeRoot("imagetool interop with skopeo and umoci", () => {
  const cleanup = new Cleanup();
  let tmp: string;
  let registry: TestRegistry;
  let root: string;
  let image: BuiltImage;
  const name = "docker.io/library/busybox:1";

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), "bocker-interop-"));
    cleanup.add("temp dir", () => rmSync(tmp, { recursive: true, force: true }));
    registry = await startRegistry("none");
    cleanup.add("registry", () => registry.stop());
    root = join(tmp, "root");
    image = await buildBusyboxImage(new ContentStore(join(root, "content")), name, tmp);
  });
  afterAll(() => cleanup.run());

  test("skopeo reads our store and pushes from it; we pull the result", async () => {
    const inspected = JSON.parse((await sh(["skopeo", "inspect", `oci:${join(root, "content")}:${name}`])).stdout);
    expect(inspected.Digest).toBe(image.manifest.digest);
    await sh(["skopeo", "copy", "--quiet", `oci:${join(root, "content")}:${name}`, `docker://${registry.host}/interop/busybox:1`, "--dest-tls-verify=false"]);
    const res = await imagetool(["--root", join(tmp, "r1"), "pull", `${registry.host}/interop/busybox:1`]);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(image.manifest.digest);
  });

  test("we push, skopeo copies from the registry into its own layout, and we read that layout", async () => {
    expect((await imagetool(["--root", root, "push", "busybox:1", `${registry.host}/ours/busybox:1`])).code).toBe(0);
    const layout = join(tmp, "skopeo-layout");
    await sh(["skopeo", "copy", "--quiet", "--src-tls-verify=false", `docker://${registry.host}/ours/busybox:1`, `oci:${layout}:busybox`]);
    // skopeo names images plainly ("busybox") and writes its own index.json: both must be readable.
    await sh(["mkdir", "-p", join(tmp, "as-root")]);
    await sh(["cp", "-a", layout, join(tmp, "as-root", "content")]);
    const out = JSON.parse((await imagetool(["--root", join(tmp, "as-root"), "inspect", "busybox"])).stdout);
    expect(out.name).toBe("busybox");
    expect(out.id).toBe(image.config.digest);
  });

  test("umoci unpacks an image from our store", async () => {
    const bundle = join(tmp, "umoci-bundle");
    await sh(["umoci", "unpack", "--image", `${join(root, "content")}:${name}`, bundle]);
    expect(existsSync(join(bundle, "rootfs", "bin", "busybox"))).toBe(true);
    expect(existsSync(join(bundle, "config.json"))).toBe(true);
  });

  test("umoci's changes to a copy of our layout stay readable (umoci repack → our inspect)", async () => {
    const copy = join(tmp, "umoci-root");
    await sh(["cp", "-a", root, copy]);
    const bundle = join(tmp, "umoci-repack");
    await sh(["umoci", "unpack", "--image", `${join(copy, "content")}:${name}`, bundle]);
    await Bun.write(join(bundle, "rootfs", "hello.txt"), "from umoci\n");
    await sh(["umoci", "repack", "--image", `${join(copy, "content")}:${name}`, bundle]);
    const out = JSON.parse((await imagetool(["--root", copy, "inspect", "busybox:1"])).stdout);
    expect(out.manifest.layers.length).toBe(2);
    expect(out.config.rootfs.diff_ids.length).toBe(2);
  });

  test("our save is a valid oci-archive for skopeo; skopeo's oci-archive loads with us", async () => {
    const ours = join(tmp, "ours.tar");
    expect((await imagetool(["--root", root, "save", "busybox:1", "-o", ours])).code).toBe(0);
    const inspected = JSON.parse((await sh(["skopeo", "inspect", `oci-archive:${ours}:${name}`])).stdout);
    expect(inspected.Digest).toBe(image.manifest.digest);
    const theirs = join(tmp, "theirs.tar");
    await sh(["skopeo", "copy", "--quiet", `oci:${join(root, "content")}:${name}`, `oci-archive:${theirs}:example.com/from/skopeo:7`]);
    const res = await imagetool(["--root", join(tmp, "r-archive"), "load", "-i", theirs]);
    expect(res.stdout).toBe("Loaded image: example.com/from/skopeo:7\n");
  });
});
