/**
 * Whiteout handling in "delete" format, applied as the current user (entries are owned by
 * whoever runs the test, so no root is needed): file and directory whiteouts, opaque markers
 * before and after the directory's own entries, and validation of whiteout names.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildLayer, chunks, dir, file, opaque, whiteout, type EntrySpec } from "../../../../fixtures/tar-builder.ts";
import { applyLayerBlob } from "../../../../../imagetool/lib/layer/unpack-blob.ts";
import { whiteoutTarget } from "../../../../../imagetool/lib/layer/whiteout.ts";

const uid = process.getuid?.() ?? 0;
const gid = process.getgid?.() ?? 0;
const mine = (entries: EntrySpec[]) => entries.map((e) => ({ ...e, uid, gid }));

let root: string;
beforeEach(() => void (root = mkdtempSync(join(tmpdir(), "bocker-wh-"))));
afterEach(() => rmSync(root, { recursive: true, force: true }));

async function apply(...layers: EntrySpec[][]): Promise<void> {
  for (const entries of layers) {
    const l = buildLayer(mine(entries));
    await applyLayerBlob(chunks(l.blob), l, l.diffID, { root, format: "delete" });
  }
}

const base = [dir("d/"), file("d/a", "a"), file("d/b", "b"), dir("d/sub/"), file("d/sub/c", "c"), file("top", "t")];

describe("delete-format whiteouts", () => {
  test(".wh.<file> and .wh.<dir> remove them", async () => {
    await apply(base, [whiteout("top"), whiteout("d/sub")]);
    expect(existsSync(join(root, "top"))).toBe(false);
    expect(readdirSync(join(root, "d")).sort()).toEqual(["a", "b"]);
  });

  test("an opaque marker before the layer's entries hides only the lower ones", async () => {
    await apply(base, [opaque("d"), file("d/new", "n")]);
    expect(readdirSync(join(root, "d"))).toEqual(["new"]);
  });

  test("an opaque marker after the layer's entries keeps them (containerd tracks unpacked paths)", async () => {
    await apply(base, [file("d/new", "n"), dir("d/sub/"), file("d/sub/kept", "k"), opaque("d")]);
    expect(readdirSync(join(root, "d")).sort()).toEqual(["new", "sub"]);
    expect(readdirSync(join(root, "d/sub"))).toEqual(["kept"]); // the lower d/sub/c is hidden too
  });

  test("a whiteout of something absent is harmless", async () => {
    await apply(base, [whiteout("nothing-here"), whiteout("d/nope")]);
    expect(readFileSync(join(root, "top"), "utf8")).toBe("t");
  });

  test("a whiteout entry is never created as a file", async () => {
    await apply(base, [whiteout("top")]);
    expect(readdirSync(root).some((n) => n.startsWith(".wh."))).toBe(false);
  });
});

describe("whiteoutTarget", () => {
  test("names the deleted entry", () => expect(whiteoutTarget(".wh.foo")).toBe("foo"));
  for (const bad of [".wh.", ".wh..", ".wh...", ".wh..wh.x"]) {
    test(`${bad} is rejected`, () => expect(() => whiteoutTarget(bad)).toThrow(/invalid whiteout/));
  }
});
