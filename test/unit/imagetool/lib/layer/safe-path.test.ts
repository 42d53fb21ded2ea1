import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cleanEntryName, entryHostPath, resolveDirInRoot, resolveFileInRoot } from "../../../../../imagetool/lib/layer/safe-path.ts";

describe("cleanEntryName", () => {
  const ok: Array<[string, string[]]> = [
    ["a/b/c", ["a", "b", "c"]], ["./a//b/", ["a", "b"]], ["a/./b/../c", ["a", "c"]], ["./", []], [".", []], ["a/..", []],
    ["...", ["..."]], ["..a", ["..a"]],
  ];
  for (const [name, want] of ok) test(`${JSON.stringify(name)} → ${want.join("/") || "(root)"}`, () => expect(cleanEntryName(name)).toEqual(want));
  const bad: Array<[string, RegExp]> = [
    ["/etc/passwd", /absolute/], ["../x", /escapes/], ["a/../../x", /escapes/], ["./../x", /escapes/], ["a/\0b", /NUL/],
  ];
  for (const [name, err] of bad) test(`${JSON.stringify(name)} rejected`, () => expect(() => cleanEntryName(name)).toThrow(err));
});

describe("resolving inside a root", () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), "bocker-safepath-"));
    mkdirSync(join(root, "usr/lib"), { recursive: true });
    symlinkSync("usr/lib", join(root, "lib"));
    symlinkSync("/usr", join(root, "abs"));
    symlinkSync("../../../../../../etc", join(root, "climb"));
    symlinkSync("loop2", join(root, "loop1"));
    symlinkSync("loop1", join(root, "loop2"));
    writeFileSync(join(root, "file"), "");
    writeFileSync(join(root, "usr/lib/os-release"), "x");
    symlinkSync("/usr/lib/os-release", join(root, "os-release"));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test("relative symlinks are followed", () => expect(resolveDirInRoot(root, ["lib"])).toEqual(["usr", "lib"]));
  test("absolute symlinks are rooted at the root, not the host", () => expect(resolveDirInRoot(root, ["abs", "lib"])).toEqual(["usr", "lib"]));
  test("'..' in a symlink stops at the root", () => expect(entryHostPath(root, ["climb", "passwd"], { create: true })).toBe(join(root, "etc", "passwd")));
  test("symlink loops are an error", () => expect(() => resolveDirInRoot(root, ["loop1", "x"])).toThrow(/too many levels/));
  test("a file as a parent is ENOTDIR", () => expect(() => resolveDirInRoot(root, ["file", "x"])).toThrow(/not a directory/));
  test("missing parents fail unless create is set", () => {
    expect(() => resolveDirInRoot(root, ["new", "dir"])).toThrow(/ENOENT/);
    const made: string[] = [];
    expect(resolveDirInRoot(root, ["new", "dir"], { create: true, onCreate: (_h, c) => made.push(c.join("/")) })).toEqual(["new", "dir"]);
    expect(made).toEqual(["new", "new/dir"]);
  });
  test("the last component is not followed by entryHostPath", () => expect(entryHostPath(root, ["lib"])).toBe(join(root, "lib")));
  test("resolveFileInRoot follows the last component inside the root", () => {
    expect(resolveFileInRoot(root, "/os-release")).toBe(join(root, "usr/lib/os-release"));
    expect(resolveFileInRoot(root, "/climb/..")).toBe(root);
  });
});
