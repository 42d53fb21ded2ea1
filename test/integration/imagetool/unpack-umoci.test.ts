/**
 * A three-layer image with every tar entry type and every whiteout kind, unpacked by `unpack`
 * and by each snapshotter (through a bundle's mounted rootfs), compared tree-by-tree with
 * `umoci unpack` of the same OCI layout.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Cleanup } from "../../../common/cleanup.ts";
import { describeRoot } from "../../fixtures/root.ts";
import { buildLayer, dir, file, hardlink, opaque, symlink, whiteout, type EntrySpec } from "../../fixtures/tar-builder.ts";
import { createBundle, removeBundle } from "../../../imagetool/lib/bundle/create.ts";
import { unpackToDir } from "../../../imagetool/lib/bundle/unpack-dir.ts";
import type { SnapshotterName } from "../../../imagetool/lib/snapshot/snapshotter.ts";
import { mountLoopBtrfs } from "./snapshot-btrfs-fixture.ts";
import { writeTestImage } from "./unpack-image-fixture.ts";
import { describeTree, type TreeDescription } from "./unpack-tree.ts";

// vfs_cap_data revision 2 granting cap_net_raw (bit 13) permitted+effective.
const CAP = new Uint8Array([1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
const longName = `deep/${"d".repeat(60)}/${"e".repeat(60)}/file-with-a-name-longer-than-one-hundred-bytes`;

export const everyEntryLayers: EntrySpec[][] = [
  [
    dir("etc/"), file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nu:x:1000:1000::/home/u:/bin/sh\n"), file("etc/group", "root:x:0:\n"),
    dir("usr/"), dir("usr/bin/"),
    file("usr/bin/tool", "#!tool\n", { mode: 0o4755, xattrs: new Map([["security.capability", CAP]]) }),
    file("usr/bin/sgid", "sgid", { mode: 0o2755, gid: 50 }),
    hardlink("usr/bin/tool-link", "usr/bin/tool"),
    symlink("bin", "usr/bin"),
    dir("tmp/", { mode: 0o1777 }),
    dir("dev/"), { name: "dev/null", type: "char", devmajor: 1, devminor: 3, mode: 0o666 }, { name: "dev/loop9", type: "block", devmajor: 7, devminor: 9, mode: 0o660, gid: 6 },
    dir("run/"), { name: "run/fifo", type: "fifo", mode: 0o620 },
    dir("home/"), dir("home/u/", { uid: 1000, gid: 1000, mode: 0o700 }),
    file("home/u/data", "secret", { uid: 1000, gid: 1000, mode: 0o600, xattrs: new Map([["user.note", new TextEncoder().encode("hello")]]) }),
    dir("gone/"), file("gone/a", "a"), dir("gone/sub/"), file("gone/sub/b", "b"),
    dir("opq/"), file("opq/old1", "1"), dir("opq/olddir/"), file("opq/olddir/x", "x"),
    file("replaced-by-dir", "was a file"), dir("replaced-by-file/"), file("replaced-by-file/x", "x"),
    file("ns-time", "t", { mtimeNs: 1_700_000_000_123_456_789n }), // PAX fraction: exact, not through a double
    file("wh-me", "delete me"), file(longName, "long"), file("ünïcødé", "utf8 name"),
  ],
  [
    whiteout("wh-me"), whiteout("gone"),
    file("opq/new1", "n1"), opaque("opq"), // the marker after entries of its directory
    dir("replaced-by-dir/"), file("replaced-by-dir/y", "y"),
    file("replaced-by-file", "now a file"),
    hardlink("etc/passwd-link", "etc/passwd"), // a hardlink to a lower layer's file
    file("etc/group", "root:x:0:\nusers:x:100:u\n"),
    dir("usr/bin/", { mode: 0o750 }), // metadata change of an existing directory
  ],
  [
    file("opq/new2", "n2"), whiteout("opq/new1"), symlink("etc/alt", "../usr/bin/tool"),
    file("bin/via-symlink", "written through the bin -> usr/bin symlink"),
    whiteout("replaced-by-dir"), dir("replaced-by-dir/"), file("replaced-by-dir/z", "z"), // whiteout, then re-created
  ],
];

describeRoot("unpack matches umoci", () => {
  const cleanup = new Cleanup();
  let work: string;
  let umociTree: TreeDescription;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "bocker-umoci-"));
    cleanup.add(`remove ${work}`, () => rmSync(work, { recursive: true, force: true }));
    const layers = everyEntryLayers.map((l, i) => buildLayer(l, i === 2 ? "none" : "gzip"));
    await writeTestImage(join(work, "root"), "every-entry", layers);
    const r = Bun.spawnSync(["umoci", "unpack", "--image", `${join(work, "root", "content")}:every-entry`, join(work, "umoci")], { stderr: "pipe" });
    if (r.exitCode !== 0) throw new Error(`umoci unpack failed: ${r.stderr}`);
    umociTree = describeTree(join(work, "umoci", "rootfs"));
  });
  afterAll(() => cleanup.run(), 60_000);

  test("umoci's tree has what the layers say", () => {
    expect(umociTree["wh-me"]).toBeUndefined();
    expect(umociTree["gone"]).toBeUndefined();
    expect(umociTree["opq/old1"]).toBeUndefined();
    expect(umociTree["opq/new2"]).toStartWith("file");
    expect(umociTree["usr/bin/tool"]).toContain("xattrs=security.capability=");
    expect(umociTree["replaced-by-dir/y"]).toBeUndefined();
    expect(umociTree["replaced-by-dir/z"]).toStartWith("file");
    expect(umociTree["ns-time"]).toContain("mtime=1700000000123456789ns");
  });

  test("unpack (plain directory) gives the same tree", async () => {
    const out = join(work, "ours");
    await unpackToDir({ root: join(work, "root"), image: "every-entry", dir: out });
    expect(describeTree(join(out, "rootfs"))).toEqual(umociTree);
  });

  for (const name of ["overlay", "copy", "btrfs"] as SnapshotterName[]) {
    test(`snapshotter ${name} gives the same tree`, async () => {
      let root = join(work, "root");
      if (name === "btrfs") {
        root = join(mountLoopBtrfs(cleanup), "root");
        mkdirSync(root);
        const layers = everyEntryLayers.map((l, i) => buildLayer(l, i === 2 ? "none" : "gzip"));
        await writeTestImage(root, "every-entry", layers);
      }
      const bundle = join(work, `bundle-${name}`);
      const b = await createBundle({ root, image: "every-entry", dir: bundle, snapshotter: name });
      cleanup.add(`remove bundle ${bundle}`, () => removeBundle(bundle));
      expect(b.record.snapshotter).toBe(name);
      expect(describeTree(b.rootfs)).toEqual(umociTree);
    });
  }
});
