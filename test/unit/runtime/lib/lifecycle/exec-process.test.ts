import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execProcessOf, type ExecProcessSettings } from "../../../../../runtime/lib/lifecycle/exec-process.ts";
import { defaultSpec } from "../../../../../runtime/lib/default-spec.ts";
import { RuntimeError } from "../../../../../runtime/lib/errors.ts";
import type { Process } from "../../../../../runtime/lib/spec-types.ts";

const tmp = mkdtempSync(join(tmpdir(), "bocker-exec-process-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function base(): Process {
  const p = defaultSpec().process!;
  p.env = ["PATH=/bin", "TERM=xterm"];
  p.user = { uid: 1, gid: 2, additionalGids: [7] };
  p.capabilities = { bounding: ["CAP_KILL"], effective: ["CAP_KILL"], permitted: ["CAP_KILL"] };
  return p;
}

function settings(over: Partial<ExecProcessSettings> = {}): ExecProcessSettings {
  return { args: ["/bin/sh"], tty: false, env: [], additionalGids: [], caps: [], noNewPrivs: false, ...over };
}

function failure(fn: () => unknown): RuntimeError {
  try {
    fn();
  } catch (err) {
    return err as RuntimeError;
  }
  throw new Error("expected an error");
}

describe("exec's process from flags (runc exec.go getProcess)", () => {
  test("the container's process is the base: args replaced, the rest kept", () => {
    const p = execProcessOf(base(), settings({ args: ["/bin/ls", "-l"] }));
    expect(p.args).toEqual(["/bin/ls", "-l"]);
    expect(p.cwd).toBe("/");
    expect(p.user).toEqual({ uid: 1, gid: 2, additionalGids: [7] });
    expect(p.env).toEqual(["PATH=/bin", "TERM=xterm"]);
    expect(p.terminal).toBe(false);
  });

  test("--env replaces a variable by name and appends new ones; --cwd and --tty override", () => {
    const p = execProcessOf(base(), settings({ env: ["TERM=dumb", "A=1"], cwd: "/tmp", tty: true }));
    expect(p.env).toEqual(["PATH=/bin", "TERM=dumb", "A=1"]);
    expect(p.cwd).toBe("/tmp");
    expect(p.terminal).toBe(true);
  });

  test("--user UID keeps the container's gid, UID:GID sets both; --additional-gids replaces the list", () => {
    expect(execProcessOf(base(), settings({ user: "5" })).user).toEqual({ uid: 5, gid: 2, additionalGids: [7] });
    expect(execProcessOf(base(), settings({ user: "5:6", additionalGids: ["8", "9"] })).user).toEqual({ uid: 5, gid: 6, additionalGids: [8, 9] });
  });

  test("--user that is not UID[:GID] is a usage error quoting it", () => {
    const err = failure(() => execProcessOf(base(), settings({ user: "root" })));
    expect(err.code).toBe("USAGE");
    expect(err.message).toContain('"root"');
  });

  test("--cap adds to bounding, effective and permitted once; inheritable and ambient stay", () => {
    const b = base();
    b.capabilities!.inheritable = ["CAP_CHOWN"];
    const caps = execProcessOf(b, settings({ caps: ["CAP_NET_ADMIN", "CAP_KILL"] })).capabilities!;
    expect(caps.bounding).toEqual(["CAP_KILL", "CAP_NET_ADMIN"]);
    expect(caps.effective).toEqual(["CAP_KILL", "CAP_NET_ADMIN"]);
    expect(caps.permitted).toEqual(["CAP_KILL", "CAP_NET_ADMIN"]);
    expect(caps.inheritable).toEqual(["CAP_CHOWN"]);
  });

  test("--no-new-privs turns it on; it never turns the container's off", () => {
    expect(execProcessOf({ ...base(), noNewPrivileges: false }, settings({ noNewPrivs: true })).noNewPrivileges).toBe(true);
    expect(execProcessOf({ ...base(), noNewPrivileges: true }, settings()).noNewPrivileges).toBe(true);
  });

  test("no command and no --process file is a usage error", () => {
    expect(failure(() => execProcessOf(base(), settings({ args: [] }))).code).toBe("USAGE");
  });

  test("a relative --cwd is refused with its pointer", () => {
    const err = failure(() => execProcessOf(base(), settings({ cwd: "tmp" })));
    expect(err.code).toBe("CONFIG_INVALID");
    expect(err.message).toContain("/cwd");
  });
});

describe("exec --process FILE", () => {
  test("the file is the whole process; a missing user is the container's, flags are ignored", () => {
    const file = join(tmp, "p.json");
    writeFileSync(file, JSON.stringify({ args: ["/bin/echo", "hi"], cwd: "/srv", env: ["X=1"] }));
    const p = execProcessOf(base(), settings({ file, env: ["IGNORED=1"], tty: true }));
    expect(p.args).toEqual(["/bin/echo", "hi"]);
    expect(p.cwd).toBe("/srv");
    expect(p.env).toEqual(["X=1"]);
    expect(p.user).toEqual({ uid: 1, gid: 2, additionalGids: [7] });
    expect(p.terminal).toBeUndefined();
  });

  test("a file that is not JSON is an error naming it; a missing file is an IO error", () => {
    const file = join(tmp, "bad.json");
    writeFileSync(file, "{");
    const bad = failure(() => execProcessOf(base(), settings({ file })));
    expect(bad.code).toBe("CONFIG_INVALID");
    expect(bad.message).toContain(file);
    expect(failure(() => execProcessOf(base(), settings({ file: join(tmp, "none.json") }))).message).toContain("none.json");
  });

  test("a file whose process breaks a Linux rule is refused naming the file and pointer", () => {
    const file = join(tmp, "noargs.json");
    writeFileSync(file, JSON.stringify({ args: [], cwd: "/" }));
    const err = failure(() => execProcessOf(base(), settings({ file })));
    expect(err.code).toBe("CONFIG_INVALID");
    expect(err.message).toContain("noargs.json");
    expect(err.message).toContain("/args");
  });
});
