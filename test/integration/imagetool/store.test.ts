/** The content store through the CLI: images, inspect, tag, rmi, gc, save/load, bad archives. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync, writeFileSync, existsSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeRoot } from "../../fixtures/root.ts";
import { Cleanup } from "../../../common/cleanup.ts";
import { buildBusyboxImage, buildImage, imagetool, sh, type BuiltImage } from "../../fixtures/registry.ts";
import { ContentStore } from "../../../imagetool/lib/content/store.ts";
import { takeLease } from "../../../imagetool/lib/content/lease.ts";

describeRoot("imagetool content store commands", () => {
  const cleanup = new Cleanup();
  let tmp: string;
  let root: string;
  let store: ContentStore;
  let image: BuiltImage;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), "bocker-store-"));
    cleanup.add("temp dir", () => rmSync(tmp, { recursive: true, force: true }));
    root = join(tmp, "root");
    store = new ContentStore(join(root, "content"));
    image = await buildBusyboxImage(store, "docker.io/library/busybox:1", tmp);
  });
  afterAll(() => cleanup.run());

  test("images: repository, tag, digest, id, created, size", async () => {
    const res = await imagetool(["--root", root, "images"]);
    expect(res.code).toBe(0);
    const [header, row] = res.stdout.trim().split("\n");
    expect(header).toMatch(/^REPOSITORY\s+TAG\s+DIGEST\s+IMAGE ID\s+CREATED\s+SIZE$/);
    expect(row).toMatch(new RegExp(`^busybox\\s+1\\s+${image.manifest.digest.slice(0, 19)}\\s+${image.config.digest.slice(7, 19)}\\s+.*ago\\s+1\\.\\d MiB$`));
    expect((await imagetool(["--root", root, "-q", "images"])).stdout).toBe(`${image.config.digest.slice(7, 19)}\n`);
  });

  test("inspect: by name, id prefix and digest; --manifest and --config", async () => {
    for (const q of ["busybox:1", image.config.digest.slice(7, 15), image.manifest.digest]) {
      const out = JSON.parse((await imagetool(["--root", root, "inspect", q])).stdout);
      expect(out.id).toBe(image.config.digest);
      expect(out.digest).toBe(image.manifest.digest);
      expect(out.manifest.layers).toEqual(image.layers);
      expect(out.config.rootfs.diff_ids.length).toBe(1);
    }
    expect(JSON.parse((await imagetool(["--root", root, "inspect", "--config", "busybox:1"])).stdout).os).toBe("linux");
    expect(JSON.parse((await imagetool(["--root", root, "inspect", "--manifest", "busybox:1"])).stdout).config.digest).toBe(image.config.digest);
    const missing = await imagetool(["--root", root, "inspect", "nope"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("No image named 'nope'");
  });

  test("tag, rmi by name keeps shared blobs, rmi of the last name deletes them", async () => {
    const r = join(tmp, "r-tag");
    const s = new ContentStore(join(r, "content"));
    const img = await buildBusyboxImage(s, "docker.io/library/one:1", join(tmp, "t1"));
    expect((await imagetool(["--root", r, "tag", "one:1", "two:2", "localhost:5000/three"])).stdout).toBe(
      "Tagged docker.io/library/two:2\nTagged localhost:5000/three:latest\n",
    );
    const ids = await imagetool(["--root", r, "rmi", img.config.digest.slice(7, 19)]);
    expect(ids.code).toBe(1);
    expect(ids.stderr).toContain("has 3 names");
    expect((await imagetool(["--root", r, "rmi", "one:1", "two:2"])).stdout).toBe("Untagged: docker.io/library/one:1\nUntagged: docker.io/library/two:2\n");
    expect(s.has(img.layers[0]!.digest)).toBe(true);
    const last = await imagetool(["--root", r, "rmi", "localhost:5000/three"]);
    expect(last.stdout).toContain(`Deleted: ${img.layers[0]!.digest}`);
    expect(s.listBlobs()).toEqual([]);
  });

  test("gc removes unreferenced blobs and dead processes' temp files only", async () => {
    const r = join(tmp, "r-gc");
    const s = new ContentStore(join(r, "content"));
    const keep = await buildBusyboxImage(s, "keep:1", join(tmp, "g1"));
    mkdirSync(join(tmp, "g2", "l"), { recursive: true });
    writeFileSync(join(tmp, "g2", "l", "f"), "other");
    const drop = await buildImage(s, "drop:1", [join(tmp, "g2", "l")]);
    expect((await imagetool(["--root", r, "rmi", "--no-prune", "drop:1"])).code).toBe(0);
    writeFileSync(join(s.ingestDir, "x.999999999.1.abc.tmp"), "half a blob of a dead pull");
    const dry = await imagetool(["--root", r, "gc", "--dry-run"]);
    expect(dry.stdout).toContain(`Would delete: ${drop.manifest.digest}`);
    expect(s.has(drop.manifest.digest)).toBe(true);
    const res = await imagetool(["--root", r, "gc"]);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain("blobs: 3 removed");
    for (const d of [keep.manifest, keep.config, ...keep.layers]) expect(s.has(d.digest)).toBe(true);
    for (const d of [drop.manifest, drop.config, ...drop.layers]) expect(s.has(d.digest)).toBe(false);
    expect(readdirSync(s.ingestDir)).toEqual([]);
  });

  test("gc also removes the layer snapshots of images no longer named (snapshot prune)", async () => {
    const r = join(tmp, "r-snap");
    await buildBusyboxImage(new ContentStore(join(r, "content")), "docker.io/library/snap:1", join(tmp, "s1"));
    const bundle = join(tmp, "snap-bundle");
    cleanup.add("snapshot bundle", async () => {
      if (existsSync(bundle)) await imagetool(["--root", r, "bundle", "--remove", bundle]);
    });
    expect((await imagetool(["--root", r, "bundle", "snap:1", bundle])).code).toBe(0);
    expect((await imagetool(["--root", r, "bundle", "--remove", bundle])).code).toBe(0);
    const kept = await imagetool(["--root", r, "gc"]);
    expect(kept.stdout).toContain("snapshots: 0 removed");
    expect((await imagetool(["--root", r, "rmi", "--no-prune", "snap:1"])).code).toBe(0);
    const res = await imagetool(["--root", r, "gc"]);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/Deleted snapshot: \w+\/sha256:[0-9a-f]{64}/);
    expect(res.stdout).toContain("snapshots: 1 removed");
    expect(res.stdout).toContain("blobs: 3 removed");
  });

  test("rmi of an image's last name removes its unpacked layers too, unless a container uses them", async () => {
    const r = join(tmp, "r-rmi");
    await buildBusyboxImage(new ContentStore(join(r, "content")), "docker.io/library/gone:1", join(tmp, "s3"));
    const bundle = join(tmp, "rmi-bundle");
    cleanup.add("rmi bundle", async () => {
      if (existsSync(bundle)) await imagetool(["--root", r, "bundle", "--remove", bundle]);
    });
    expect((await imagetool(["--root", r, "bundle", "gone:1", bundle])).code).toBe(0);
    // The container's snapshot builds on the layer: the name goes, the layer stays.
    const inUse = await imagetool(["--root", r, "tag", "gone:1", "gone:2"]).then(() => imagetool(["--root", r, "rmi", "gone:1", "gone:2"]));
    expect(inUse.code).toBe(0);
    expect(inUse.stdout).not.toContain("Deleted snapshot");
    expect((await imagetool(["--root", r, "bundle", "--remove", bundle])).code).toBe(0);
    // Named again and removed again, with no container: the layer goes with it.
    await buildBusyboxImage(new ContentStore(join(r, "content")), "docker.io/library/gone:1", join(tmp, "s4"));
    const res = await imagetool(["--root", r, "rmi", "gone:1"]);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/Deleted snapshot: overlay\/sha256:[0-9a-f]{64}/);
    expect((await imagetool(["--root", r, "gc"])).stdout).toContain("snapshots: 0 removed");
  });

  test("gc keeps the layer snapshots a pull in progress made: nothing newer than a live lease goes", async () => {
    const r = join(tmp, "r-lease");
    const content = new ContentStore(join(r, "content"));
    await buildBusyboxImage(content, "docker.io/library/leased:1", join(tmp, "s2"));
    const bundle = join(tmp, "lease-bundle");
    cleanup.add("lease bundle", async () => {
      if (existsSync(bundle)) await imagetool(["--root", r, "bundle", "--remove", bundle]);
    });
    const release = takeLease(content); // as a pull does for its whole run
    try {
      // The layer is unpacked after the lease began, and its image is not named (yet, for a pull).
      expect((await imagetool(["--root", r, "bundle", "leased:1", bundle])).code).toBe(0);
      expect((await imagetool(["--root", r, "bundle", "--remove", bundle])).code).toBe(0);
      expect((await imagetool(["--root", r, "rmi", "--no-prune", "leased:1"])).code).toBe(0);
      expect((await imagetool(["--root", r, "gc"])).stdout).toContain("snapshots: 0 removed");
    } finally {
      release();
    }
    expect((await imagetool(["--root", r, "gc"])).stdout).toContain("snapshots: 1 removed");
  });

  test("save and load round-trip; load verifies every blob", async () => {
    const archive = join(tmp, "busybox.tar");
    expect((await imagetool(["--root", root, "save", "busybox:1", "-o", archive])).code).toBe(0);
    const r = join(tmp, "r-load");
    const res = await imagetool(["--root", r, "load", "-i", archive]);
    expect(res.stdout).toBe("Loaded image: docker.io/library/busybox:1\n");
    const out = JSON.parse((await imagetool(["--root", r, "inspect", "busybox:1"])).stdout);
    expect(out.digest).toBe(image.manifest.digest);
    const renamed = await imagetool(["--root", r, "load", "-i", archive, "--name", "copy:2"]);
    expect(renamed.stdout).toBe("Loaded image: docker.io/library/copy:2\n");
  });

  test("a tampered archive is refused: digest mismatch, no name, no blob", async () => {
    const dir = join(tmp, "tamper");
    mkdirSync(dir);
    await sh(["tar", "-xf", join(tmp, "busybox.tar"), "-C", dir]);
    const layer = join(dir, "blobs", "sha256", image.layers[0]!.digest.slice(7));
    const bytes = new Uint8Array(await Bun.file(layer).arrayBuffer());
    bytes[100]! ^= 0xff;
    writeFileSync(layer, bytes);
    const bad = join(tmp, "bad.tar");
    await sh(["tar", "-cf", bad, "-C", dir, "oci-layout", "index.json", "blobs"]);
    const r = join(tmp, "r-bad");
    const res = await imagetool(["--root", r, "load", "-i", bad]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`blob ${image.layers[0]!.digest}: content has digest`);
    expect((await imagetool(["--root", r, "images", "--json"])).stdout.trim()).toBe("[]");
    expect(new ContentStore(join(r, "content")).listBlobs()).toEqual([]);
  });

  test("a truncated or non-tar archive is refused: the file named, no name, no blob", async () => {
    const whole = new Uint8Array(await Bun.file(join(tmp, "busybox.tar")).arrayBuffer());
    const cut = join(tmp, "cut.tar");
    writeFileSync(cut, whole.subarray(0, whole.length - 4096)); // ends inside the last blob's data
    const r = join(tmp, "r-cut");
    const res = await imagetool(["--root", r, "load", "-i", cut]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`${cut}: unexpected end of stream`);
    expect(new ContentStore(join(r, "content")).listBlobs()).toEqual([]);
    const junk = join(tmp, "junk.tar");
    writeFileSync(junk, "not a tar archive\n".repeat(100));
    const bad = await imagetool(["--root", r, "load", "-i", junk]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`${junk}: tar header`);
  });

  test("save to an unwritable place leaves nothing behind", async () => {
    const res = await imagetool(["--root", root, "save", "busybox:1", "-o", join(tmp, "no", "such", "dir.tar")]);
    expect(res.code).toBe(1);
    expect(existsSync(join(tmp, "no"))).toBe(false);
  });
});
