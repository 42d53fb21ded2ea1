import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkExecutable, resolveInRoot } from "../../../../runtime/lib/exec-lookup.ts";
import { defaultSpec } from "../../../../runtime/lib/default-spec.ts";

const root = mkdtempSync(join(tmpdir(), "bocker-lookup-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
mkdirSync(join(root, "bin"));
mkdirSync(join(root, "etc"));
writeFileSync(join(root, "bin", "busybox"), "");
chmodSync(join(root, "bin", "busybox"), 0o755);
symlinkSync("busybox", join(root, "bin", "sh"));
writeFileSync(join(root, "etc", "passwd"), "");
symlinkSync("/etc/passwd", join(root, "bin", "escape")); // absolute: must stay inside the root
symlinkSync("../../../../../../bin/sh", join(root, "bin", "dotdot"));

function spec(args: string[]) {
  const s = defaultSpec();
  s.process!.args = args;
  s.process!.env = ["PATH=/usr/bin:/bin"];
  return s;
}

describe("resolveInRoot", () => {
  test("relative and absolute symlinks and .. stay inside the root", () => {
    expect(resolveInRoot(root, "/bin/sh")).toBe(join(root, "bin", "busybox"));
    expect(resolveInRoot(root, "/bin/escape")).toBe(join(root, "etc", "passwd"));
    expect(resolveInRoot(root, "/bin/dotdot")).toBe(join(root, "bin", "busybox"));
    expect(resolveInRoot(root, "/nope/x")).toBeUndefined();
  });
});

describe("checkExecutable (runc fails create for these)", () => {
  test("found directly, through PATH and through symlinks", () => {
    expect(() => checkExecutable(spec(["/bin/sh"]), root)).not.toThrow();
    expect(() => checkExecutable(spec(["sh"]), root)).not.toThrow();
  });
  test("missing path, missing in PATH, not executable", () => {
    expect(() => checkExecutable(spec(["/no/such"]), root)).toThrow('exec: "/no/such": stat /no/such: no such file or directory (config.json /process/args/0)');
    expect(() => checkExecutable(spec(["nosuch"]), root)).toThrow("executable file not found in $PATH");
    expect(() => checkExecutable(spec(["/etc/passwd"]), root)).toThrow('exec: "/etc/passwd": permission denied');
  });
  test("a path under a mount destination cannot be judged before the mounts exist", () => {
    const s = spec(["/data/tool"]);
    s.mounts!.push({ destination: "/data", source: "/srv", type: "bind", options: ["bind"] });
    expect(() => checkExecutable(s, root)).not.toThrow();
  });
});
