/** Image names in index.json: set/list/resolve/remove, id prefixes, atomic locked updates, gc. */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ContentStore } from "../../../../../imagetool/lib/content/store.ts";
import { gcContent } from "../../../../../imagetool/lib/gc/blobs.ts";
import { takeLease } from "../../../../../imagetool/lib/content/lease.ts";
import { listImages, removeImageRef, resolveImage, setImageRef, REF_NAME_ANNOTATION } from "../../../../../imagetool/lib/image/refs.ts";
import { tagImage, untagImage } from "../../../../../imagetool/lib/image/tag.ts";
import { OCI_CONFIG, OCI_INDEX, OCI_LAYER, OCI_MANIFEST } from "../../../../../imagetool/lib/image/mediatype.ts";
import { hostPlatform } from "../../../../../imagetool/lib/image/platform.ts";
import type { Descriptor } from "../../../../../imagetool/lib/image/types.ts";
import { ImagetoolError } from "../../../../../imagetool/lib/errors.ts";

const tmp = mkdtempSync(join(tmpdir(), "bocker-refs-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const fresh = () => new ContentStore(join(tmp, `s${++n}`));

/** A one-layer image whose layer is `content` (not a real tar: refs never read layers). */
async function image(store: ContentStore, content: string): Promise<{ manifest: Descriptor; config: Descriptor; layer: Descriptor }> {
  const layer = { mediaType: OCI_LAYER, ...(await store.writeBlob(content)) };
  const cfg = { architecture: hostPlatform().architecture, os: "linux", created: "2026-01-01T00:00:00Z", rootfs: { type: "layers", diff_ids: [layer.digest] } };
  const config = { mediaType: OCI_CONFIG, ...(await store.writeBlob(JSON.stringify(cfg))) };
  const manifest = { mediaType: OCI_MANIFEST, ...(await store.writeBlob(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [layer] }))) };
  return { manifest, config, layer };
}

describe("refs", () => {
  test("set, list and resolve by full name, short name, digest and id prefix", async () => {
    const store = fresh();
    const img = await image(store, "layer-a");
    await setImageRef(store, "docker.io/library/busybox:latest", img.manifest);
    const index = JSON.parse(readFileSync(store.indexPath, "utf8"));
    expect(index.manifests[0].annotations[REF_NAME_ANNOTATION]).toBe("docker.io/library/busybox:latest");
    expect(listImages(store).map((e) => e.name)).toEqual(["docker.io/library/busybox:latest"]);
    for (const q of ["docker.io/library/busybox:latest", "busybox", "busybox:latest", img.manifest.digest, img.config.digest, img.config.digest.slice(7, 19)]) {
      const r = await resolveImage(store, q);
      expect(r.manifestDescriptor.digest).toBe(img.manifest.digest);
      expect(r.configDescriptor.digest).toBe(img.config.digest);
      expect(r.config.os).toBe("linux");
    }
  });
  test("unknown names and ambiguous prefixes give actionable errors", async () => {
    const store = fresh();
    await expect(resolveImage(store, "nothing")).rejects.toThrow("No image named 'nothing'");
    const a = await image(store, "one");
    const b = await image(store, "two");
    await setImageRef(store, "a:1", a.manifest);
    await setImageRef(store, "b:1", b.manifest);
    let common = 0;
    while (a.config.digest[7 + common] === b.config.digest[7 + common]) common++;
    if (common >= 4) await expect(resolveImage(store, a.config.digest.slice(7, 7 + common))).rejects.toThrow(/matches 2 images/);
    await expect(resolveImage(store, "abc")).rejects.toThrow(/No image named/);
  });
  test("setting a name again moves it; removing returns whether it existed", async () => {
    const store = fresh();
    const a = await image(store, "one");
    const b = await image(store, "two");
    await setImageRef(store, "x:1", a.manifest);
    await setImageRef(store, "x:1", b.manifest);
    expect(listImages(store).map((e) => e.descriptor.digest)).toEqual([b.manifest.digest]);
    expect(await removeImageRef(store, "x:1")).toBe(true);
    expect(await removeImageRef(store, "x:1")).toBe(false);
    expect(listImages(store)).toEqual([]);
  });
  test("concurrent updates lose no name, leave no temp or lock file", async () => {
    const store = fresh();
    const a = await image(store, "one");
    await Promise.all(Array.from({ length: 25 }, (_, i) => setImageRef(store, `img:${i}`, a.manifest)));
    expect(listImages(store).length).toBe(25);
    expect(readdirSync(store.ingestDir)).toEqual([]);
  });
  test("index entries holding an index resolve to the host platform's manifest", async () => {
    const store = fresh();
    const a = await image(store, "one");
    const idx = await store.writeBlob(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ ...a.manifest, platform: hostPlatform() }] }));
    await setImageRef(store, "multi:1", { mediaType: OCI_INDEX, ...idx });
    expect((await resolveImage(store, "multi:1")).manifestDescriptor.digest).toBe(a.manifest.digest);
  });
  test("a config whose diff_ids don't match the layers is rejected", async () => {
    const store = fresh();
    const layer = { mediaType: OCI_LAYER, ...(await store.writeBlob("l")) };
    const config = { mediaType: OCI_CONFIG, ...(await store.writeBlob(JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [] } }))) };
    const manifest = { mediaType: OCI_MANIFEST, ...(await store.writeBlob(JSON.stringify({ schemaVersion: 2, config, layers: [layer] }))) };
    await setImageRef(store, "bad:1", manifest);
    await expect(resolveImage(store, "bad:1")).rejects.toThrow("rootfs/diff_ids: 0 entries but the manifest has 1 layers");
  });
  test("tag and untag (by name, by id with several names needs force)", async () => {
    const store = fresh();
    const a = await image(store, "one");
    await setImageRef(store, "docker.io/library/a:1", a.manifest);
    expect(await tagImage(store, "a:1", "b")).toBe("docker.io/library/b:latest");
    await expect(tagImage(store, "a:1", `c@${a.manifest.digest}`)).rejects.toThrow(/cannot tag with a digest/);
    let err: unknown;
    await untagImage(store, a.config.digest.slice(7, 20), false).catch((e) => (err = e));
    expect(ImagetoolError.is(err, "AMBIGUOUS")).toBe(true);
    expect(await untagImage(store, "b", false)).toEqual(["docker.io/library/b:latest"]);
    expect(await untagImage(store, a.config.digest, false)).toEqual(["docker.io/library/a:1"]);
  });
});

describe("gc", () => {
  test("removes only unreferenced blobs", async () => {
    const store = fresh();
    const keep = await image(store, "keep");
    const drop = await image(store, "drop");
    await setImageRef(store, "keep:1", keep.manifest);
    const stray = await store.writeBlob("stray");
    for (const d of [drop.manifest, drop.config, drop.layer, stray]) utimesSync(store.blobPath(d.digest), 1, 1);
    const result = await gcContent(store);
    expect(result.removed.sort()).toEqual([drop.manifest.digest, drop.config.digest, drop.layer.digest, stray.digest].sort());
    for (const d of [keep.manifest, keep.config, keep.layer]) expect(store.has(d.digest)).toBe(true);
    expect(await gcContent(store)).toEqual({ removed: [], freedBytes: 0, kept: 3 });
  });
  test("a live lease (pull in progress) protects blobs written since it began", async () => {
    const store = fresh();
    const release = takeLease(store);
    const fresh1 = await store.writeBlob("being pulled");
    expect((await gcContent(store)).removed).toEqual([]);
    release();
    expect((await gcContent(store)).removed).toEqual([fresh1.digest]);
  });
});
