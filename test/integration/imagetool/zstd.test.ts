/**
 * zstd layers written by `commit --compression zstd` and `push --compression zstd`
 * (application/vnd.oci.image.layer.v1.tar+zstd), round-tripped through Debian's docker-registry:
 * pulled back into a fresh store, bundled, the same tree; skopeo copies them too.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Cleanup } from "../../../common/cleanup.ts";
import { describeRoot } from "../../fixtures/root.ts";
import { buildBusyboxImage, imagetool, sh, startRegistry, type BuiltImage, type TestRegistry } from "../../fixtures/registry.ts";
import { createBundle, removeBundle } from "../../../imagetool/lib/bundle/create.ts";
import { ContentStore, storeForRoot } from "../../../imagetool/lib/content/store.ts";
import { OCI_LAYER_GZIP, OCI_LAYER_ZSTD } from "../../../imagetool/lib/image/mediatype.ts";
import { resolveImage } from "../../../imagetool/lib/image/refs.ts";
import { describeTree } from "./unpack-tree.ts";

const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];

describeRoot("zstd layers", () => {
  const cleanup = new Cleanup();
  let tmp: string;
  let root: string;
  let registry: TestRegistry;
  let image: BuiltImage;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), "bocker-zstd-"));
    cleanup.add("temp dir", () => rmSync(tmp, { recursive: true, force: true }));
    registry = await startRegistry("none");
    cleanup.add(`registry ${registry.host}`, () => registry.stop());
    root = join(tmp, "root");
    image = await buildBusyboxImage(new ContentStore(join(root, "content")), "docker.io/library/busybox:1", tmp);
  });
  afterAll(() => cleanup.run(), 60_000);

  /** Pulls `ref` into a fresh store and bundles it; the rootfs's tree (mtimes left out: commit keeps whole seconds). */
  async function pulledTree(ref: string, label: string): Promise<ReturnType<typeof describeTree>> {
    const fresh = join(tmp, `pull-${label}`);
    const pulled = await imagetool(["--root", fresh, "pull", "--tls-verify=false", ref]);
    expect(pulled.stderr).not.toContain("rror");
    expect(pulled.code).toBe(0);
    const bundle = join(tmp, `bundle-${label}`);
    const b = await createBundle({ root: fresh, image: ref, dir: bundle, snapshotter: "overlay" });
    cleanup.add(`remove bundle ${bundle}`, () => removeBundle(bundle));
    return describeTree(b.rootfs, { mtimes: false });
  }

  test("commit --compression zstd → push → pull into a fresh store → bundle: the same tree; skopeo copies it", async () => {
    const bundle = join(tmp, "work-bundle");
    const b = await createBundle({ root, image: "busybox:1", dir: bundle, snapshotter: "overlay" });
    cleanup.add(`remove bundle ${bundle}`, () => removeBundle(bundle));
    mkdirSync(join(b.rootfs, "app"));
    writeFileSync(join(b.rootfs, "app/data"), "x".repeat(100_000));
    rmSync(join(b.rootfs, "etc/passwd"));
    const expected = describeTree(b.rootfs, { mtimes: false });

    const commit = await imagetool(["commit", "--compression", "zstd", bundle, "zimg:1"]);
    expect(commit.stderr).toBe("");
    expect(commit.code).toBe(0);
    const store = storeForRoot(root);
    const committed = await resolveImage(store, "zimg:1");
    expect(committed.manifest.layers.map((l) => l.mediaType)).toEqual([OCI_LAYER_GZIP, OCI_LAYER_ZSTD]);
    expect([...(await store.readBlob(committed.manifest.layers[1]!.digest)).subarray(0, 4)]).toEqual(ZSTD_MAGIC);

    const ref = `${registry.host}/z/zimg:1`;
    const push = await imagetool(["--root", root, "push", "--tls-verify=false", "zimg:1", ref]);
    expect(push.code).toBe(0);
    expect(push.stdout).toContain(committed.manifestDescriptor.digest);
    const raw = JSON.parse((await sh(["skopeo", "inspect", "--raw", "--tls-verify=false", `docker://${ref}`])).stdout);
    expect(raw.layers[1].mediaType).toBe(OCI_LAYER_ZSTD);

    expect(await pulledTree(ref, "commit")).toEqual(expected);

    const copied = join(tmp, "skopeo-oci");
    await sh(["skopeo", "copy", "--src-tls-verify=false", `docker://${ref}`, `oci:${copied}:z`]);
    const index = JSON.parse(await Bun.file(join(copied, "index.json")).text());
    const m = JSON.parse(await Bun.file(join(copied, "blobs", ...index.manifests[0].digest.split(":"))).text());
    expect(m.layers.map((l: { digest: string }) => l.digest)).toEqual(committed.manifest.layers.map((l) => l.digest));
  }, 60_000);

  test("push --compression zstd recompresses a gzip image (same config and diff_ids); --compression gzip leaves it as stored", async () => {
    const ref = `${registry.host}/z/recompressed:1`;
    const push = await imagetool(["--root", root, "push", "--tls-verify=false", "--compression", "zstd", "busybox:1", ref]);
    expect(push.stderr).not.toContain("rror");
    expect(push.code).toBe(0);
    const raw = JSON.parse((await sh(["skopeo", "inspect", "--raw", "--tls-verify=false", `docker://${ref}`])).stdout);
    expect(raw.config.digest).toBe(image.config.digest);
    expect(raw.layers.map((l: { mediaType: string }) => l.mediaType)).toEqual([OCI_LAYER_ZSTD]);
    expect(raw.layers[0].digest).not.toBe(image.layers[0]!.digest);

    const bundle = join(tmp, "original");
    const original = await createBundle({ root, image: "busybox:1", dir: bundle, snapshotter: "copy" });
    cleanup.add(`remove bundle ${bundle}`, () => removeBundle(bundle));
    expect(await pulledTree(ref, "recompressed")).toEqual(describeTree(original.rootfs, { mtimes: false }));

    const asStored = await imagetool(["--root", root, "push", "--tls-verify=false", "--compression", "gzip", "busybox:1", `${registry.host}/z/gzip:1`]);
    expect(asStored.code).toBe(0);
    expect(asStored.stdout).toContain(image.manifest.digest);
  }, 60_000);

  test("an unknown --compression is refused, naming the flag; --all with --compression is refused", async () => {
    const bad = await imagetool(["--root", root, "push", "--compression", "xz", "busybox:1", `${registry.host}/z/bad:1`]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`--compression: expected gzip or zstd, got "xz"`);
    const both = await imagetool(["--root", root, "push", "--all", "--compression", "zstd", "busybox:1", `${registry.host}/z/bad:1`]);
    expect(both.code).not.toBe(0);
    expect(both.stderr).toContain("mutually exclusive");
  });
});
