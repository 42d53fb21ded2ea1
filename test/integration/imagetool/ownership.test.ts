/**
 * Ownership after an unpack as root. The applier leaves out the chown when a new inode already has
 * the owner its entry wants (apply.ts), so this checks the cases where that shortcut would be
 * wrong: a setgid directory (new entries take its group, not ours), a setgid directory that an
 * earlier layer made and this one only adds to, entries owned by someone else, and a directory
 * entry merged into one that already exists.
 */
import { afterEach, beforeEach, expect, test } from "bun:test";
import { lstatSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeRoot } from "../../fixtures/root.ts";
import { buildLayer, chunks, dir, file, symlink, type EntrySpec } from "../../fixtures/tar-builder.ts";
import { applyLayerBlob } from "../../../imagetool/lib/layer/unpack-blob.ts";

let root: string;
beforeEach(() => void (root = mkdtempSync(join(tmpdir(), "bocker-owner-"))));
afterEach(() => rmSync(root, { recursive: true, force: true }));

async function apply(...layers: EntrySpec[][]): Promise<void> {
  for (const entries of layers) {
    const l = buildLayer(entries);
    await applyLayerBlob(chunks(l.blob), l, l.diffID, { root, format: "delete" });
  }
}

const owner = (path: string) => {
  const st = lstatSync(join(root, path));
  return `${st.uid}:${st.gid}`;
};

describeRoot("unpacked entries get exactly their owners", () => {
  test("root's entries in a setgid directory of group 1234 keep group 0; the group's entries keep 1234", async () => {
    await apply([
      dir("s/", { uid: 0, gid: 1234, mode: 0o2775 }),
      file("s/root-file", "r", { uid: 0, gid: 0 }),
      dir("s/root-dir/", { uid: 0, gid: 0 }),
      symlink("s/root-link", "root-file", { uid: 0, gid: 0 }),
      file("s/group-file", "g", { uid: 0, gid: 1234 }),
    ]);
    expect(owner("s")).toBe("0:1234");
    expect(lstatSync(join(root, "s")).mode & 0o7777).toBe(0o2775);
    expect(owner("s/root-file")).toBe("0:0");
    expect(owner("s/root-dir")).toBe("0:0");
    expect(owner("s/root-link")).toBe("0:0");
    expect(owner("s/group-file")).toBe("0:1234");
  });

  test("a setgid directory from an earlier layer is honoured by the next one", async () => {
    await apply([dir("s/", { uid: 0, gid: 1234, mode: 0o2775 })], [file("s/later", "x", { uid: 0, gid: 0 }), symlink("s/later-link", "later", { uid: 0, gid: 0 })]);
    expect(owner("s/later")).toBe("0:0");
    expect(owner("s/later-link")).toBe("0:0");
  });

  test("entries owned by other users, and a directory merged into an existing one", async () => {
    await apply(
      [dir("d/", { uid: 0, gid: 0 }), file("f", "x", { uid: 1000, gid: 1000 }), symlink("l", "f", { uid: 33, gid: 0 })],
      [dir("d/", { uid: 1000, gid: 100 })],
    );
    expect(owner("f")).toBe("1000:1000");
    expect(owner("l")).toBe("33:0");
    expect(owner("d")).toBe("1000:100");
  });
});
