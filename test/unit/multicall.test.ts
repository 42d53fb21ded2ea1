/** dist/ holds one executable under the three tools' names; the name it runs under picks the tool. */
import { expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { distBinary } from "../fixtures/dist.ts";

const run = (path: string, args: string[]) => {
  const r = Bun.spawnSync([path, ...args], { stdout: "pipe", stderr: "pipe" });
  return { code: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
};

test("the three tools are hard links to one file", () => {
  const inodes = (["bocker-runtime", "bocker-imagetool", "bocker"] as const).map((n) => statSync(distBinary(n)).ino);
  expect(new Set(inodes).size).toBe(1);
});

test("each name answers as its own tool", () => {
  expect(run(distBinary("bocker-runtime"), ["--version"]).stdout).toStartWith("bocker-runtime version ");
  expect(run(distBinary("bocker-imagetool"), ["--version"]).stdout).toStartWith("bocker-imagetool version ");
  expect(run(distBinary("bocker"), ["help"]).stdout).toContain("bocker init <directory>");
});

test("installed under a name of its own (containerd's BinaryName, podman's --runtime), it is the runtime", () => {
  const dir = mkdtempSync(join(tmpdir(), "bocker-multicall-"));
  try {
    symlinkSync(distBinary("bocker-runtime"), join(dir, "runc"));
    expect(run(join(dir, "runc"), ["--version"]).stdout).toStartWith("bocker-runtime version ");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
