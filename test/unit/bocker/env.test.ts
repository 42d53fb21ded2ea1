import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { containerEnv, readEnvFile } from "../../../bocker/env.ts";

const dir = mkdtempSync(join(tmpdir(), "bocker-env-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
}

describe("run -e and --env-file, as Docker reads them", () => {
  test("KEY=VALUE lines verbatim; comments and blank lines skipped; a bare KEY takes our value or is dropped", () => {
    const path = file("a.env", "# comment\nA=1\r\n\n  B=two words = \"kept\"\nHOME_DIR\nUNSET_ONE\n");
    expect(readEnvFile(path, { HOME_DIR: "/root" })).toEqual(["A=1", 'B=two words = "kept"', "HOME_DIR=/root"]);
  });

  test("files first, in order, then -e: the image tool lets later ones win", () => {
    const a = file("1.env", "X=file1\n");
    const b = file("2.env", "X=file2\nY=file2\n");
    expect(containerEnv([a, b], ["Y=flag", "Z"], { Z: "ours" })).toEqual(["X=file1", "X=file2", "Y=file2", "Y=flag", "Z=ours"]);
  });

  test("a bad line names the file and line; a missing file names the file", () => {
    const bad = file("bad.env", "OK=1\n=no key\n");
    expect(() => readEnvFile(bad, {})).toThrow(`--env-file ${bad} line 2: '=no key' is not KEY=VALUE`);
    expect(() => containerEnv([], ["BAD KEY=1"], {})).toThrow("-e BAD KEY=1: 'BAD KEY=1' is not KEY=VALUE");
    expect(() => readEnvFile(join(dir, "missing.env"), {})).toThrow(`--env-file ${join(dir, "missing.env")}: ENOENT`);
  });
});
