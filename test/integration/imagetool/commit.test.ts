/**
 * commit round trip for each snapshotter: change, delete a file, delete a directory, replace a
 * directory's contents (opaque) in a bundle's rootfs → commit → the new layer carries `.wh.`
 * entries, and both `unpack` and `umoci unpack` of the new image show exactly the changes.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Cleanup } from "../../../common/cleanup.ts";
import { describeRoot } from "../../fixtures/root.ts";
import { makeBusyboxRootfs } from "../../../common/busybox-rootfs.ts";
import { commitBundle } from "../../../imagetool/lib/bundle/commit.ts";
import { createBundle, removeBundle } from "../../../imagetool/lib/bundle/create.ts";
import { initImage } from "../../../imagetool/lib/bundle/init-image.ts";
import { unpackToDir } from "../../../imagetool/lib/bundle/unpack-dir.ts";
import { storeForRoot } from "../../../imagetool/lib/content/store.ts";
import { resolveImage } from "../../../imagetool/lib/image/refs.ts";
import { compressionOf, decompress } from "../../../imagetool/lib/layer/decompress.ts";
import { readTar } from "../../../imagetool/lib/tar/reader.ts";
import type { SnapshotterName } from "../../../imagetool/lib/snapshot/snapshotter.ts";
import { mountLoopBtrfs } from "./snapshot-btrfs-fixture.ts";
import { describeTree } from "./unpack-tree.ts";

async function layerEntryNames(root: string, image: string, index: number): Promise<string[]> {
  const store = storeForRoot(root);
  const img = await resolveImage(store, image);
  const layer = img.manifest.layers[index]!;
  const names: string[] = [];
  for await (const e of readTar(decompress(store.openBlob(layer.digest), compressionOf(layer.mediaType)))) names.push(e.header.name);
  return names;
}

describeRoot("commit round trip", () => {
  const cleanup = new Cleanup();
  let work: string;
  let source: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), "bocker-commit-"));
    cleanup.add(`remove ${work}`, () => rmSync(work, { recursive: true, force: true }));
    source = makeBusyboxRootfs(join(work, "src"));
    mkdirSync(join(source, "data/sub"), { recursive: true });
    mkdirSync(join(source, "opaque/inner"), { recursive: true });
    for (const f of ["data/a", "data/b", "data/sub/c", "opaque/old", "opaque/inner/deep"]) writeFileSync(join(source, f), f);
    writeFileSync(join(source, "etc/motd"), "old motd\n");
  });
  afterAll(() => cleanup.run(), 60_000);

  for (const name of ["overlay", "copy", "btrfs"] as SnapshotterName[]) {
    test(name, async () => {
      const root = name === "btrfs" ? join(mountLoopBtrfs(cleanup), "root") : join(work, `root-${name}`);
      await initImage({ root, dir: source, name: "base" });
      const bundle = join(work, `bundle-${name}`);
      const b = await createBundle({ root, image: "base", dir: bundle, snapshotter: name });
      cleanup.add(`remove bundle ${bundle}`, () => removeBundle(bundle).catch(() => {}));
      const r = b.rootfs;
      writeFileSync(join(r, "etc/motd"), "new motd\n");
      rmSync(join(r, "data/a"));
      rmSync(join(r, "data/sub"), { recursive: true });
      rmSync(join(r, "opaque"), { recursive: true });
      mkdirSync(join(r, "opaque"));
      writeFileSync(join(r, "opaque/fresh"), "fresh");
      mkdirSync(join(r, "new"));
      writeFileSync(join(r, "new/file"), "added");
      chmodSync(join(r, "data/b"), 0o600);
      const expected = describeTree(r);

      const img = await commitBundle({ bundleDir: bundle, name: `committed-${name}`, message: "round trip" });
      expect(img.name).toBe(`docker.io/library/committed-${name}:latest`);
      const names = await layerEntryNames(root, `committed-${name}`, 1);
      expect(names).toContain("data/.wh.a");
      expect(names).toContain("data/.wh.sub");
      expect(names).toContain("new/file");
      expect(names).toContain("etc/motd");
      // overlay records a re-created directory as opaque; the tree diff whites out its old entries.
      if (name === "overlay") expect(names).toContain("opaque/.wh..wh..opq");
      else expect(names).toEqual(expect.arrayContaining(["opaque/.wh.old", "opaque/.wh.inner"]));
      expect(names.some((n) => n.startsWith("bin/"))).toBe(false); // unchanged files are not in the layer

      const config = (await resolveImage(storeForRoot(root), `committed-${name}`)).config;
      expect(config.rootfs.diff_ids).toHaveLength(2);
      expect(config.history?.at(-1)).toMatchObject({ created_by: "bocker-imagetool commit", comment: "round trip" });

      const ours = await unpackToDir({ root, image: `committed-${name}`, dir: join(work, `unpacked-${name}`) });
      expect(describeTree(ours.rootfs, { mtimes: false })).toEqual(describeTree(r, { mtimes: false }));
      expect(describeTree(ours.rootfs, { mtimes: false })).toEqual(Object.fromEntries(Object.entries(expected).map(([k, v]) => [k, v.replace(/ mtime=-?\d+ns/, "")])));

      const umoci = join(work, `umoci-${name}`);
      const u = Bun.spawnSync(["umoci", "unpack", "--image", `${join(root, "content")}:docker.io/library/committed-${name}:latest`, umoci], { stderr: "pipe" });
      expect(u.stderr.toString()).toBe("");
      expect(describeTree(join(umoci, "rootfs"), { mtimes: false })).toEqual(describeTree(ours.rootfs, { mtimes: false }));
    }, 30_000);
  }
});
