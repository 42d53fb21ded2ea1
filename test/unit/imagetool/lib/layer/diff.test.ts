/** Layer generation from trees, read back with the tar reader (current user, no root needed). */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { chmodSync, linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tarDiff, tarTree } from "../../../../../imagetool/lib/layer/diff.ts";
import { readTar } from "../../../../../imagetool/lib/tar/reader.ts";

let work: string;
beforeEach(() => void (work = mkdtempSync(join(tmpdir(), "bocker-diff-"))));
afterEach(() => rmSync(work, { recursive: true, force: true }));

async function entries(tar: AsyncIterable<Uint8Array>): Promise<string[]> {
  const out: string[] = [];
  for await (const e of readTar(tar)) out.push(`${e.header.type} ${e.header.name}${e.header.linkname ? ` -> ${e.header.linkname}` : ""}`);
  return out;
}

describe("tarTree", () => {
  test("sorted, directories first, hardlinks as links to the first path", async () => {
    const root = join(work, "t");
    mkdirSync(join(root, "b"), { recursive: true });
    writeFileSync(join(root, "b/one"), "1");
    linkSync(join(root, "b/one"), join(root, "b/two"));
    symlinkSync("b/one", join(root, "a"));
    expect(await entries(tarTree(root))).toEqual(["symlink a -> b/one", "dir b/", "file b/one", "hardlink b/two -> b/one"]);
  });
});

describe("tarDiff", () => {
  test("added, changed and deleted entries; unchanged ones are left out", async () => {
    const lower = join(work, "lower");
    const upper = join(work, "upper");
    for (const r of [lower, upper]) {
      mkdirSync(join(r, "keep"), { recursive: true });
      mkdirSync(join(r, "gone-dir/x"), { recursive: true });
      writeFileSync(join(r, "keep/same"), "same");
      writeFileSync(join(r, "keep/edit"), "v1");
      writeFileSync(join(r, "keep/mode"), "m");
      writeFileSync(join(r, "gone"), "g");
      for (const f of ["keep/same", "keep/edit", "keep/mode", "gone"]) utimesSync(join(r, f), 1000, 1000);
    }
    rmSync(join(upper, "gone"));
    rmSync(join(upper, "gone-dir"), { recursive: true });
    writeFileSync(join(upper, "keep/edit"), "v2");
    chmodSync(join(upper, "keep/mode"), 0o600);
    writeFileSync(join(upper, "keep/new"), "n");
    rmSync(join(lower, "keep/same")); // a type change: file in upper, nothing in lower
    mkdirSync(join(lower, "keep/same-as-dir"));
    writeFileSync(join(upper, "keep/same-as-dir"), "now a file");
    expect((await entries(tarDiff(lower, upper))).sort()).toEqual([
      "file .wh.gone", "file .wh.gone-dir", "file keep/edit", "file keep/mode", "file keep/new", "file keep/same", "file keep/same-as-dir",
    ].sort());
  });
});
