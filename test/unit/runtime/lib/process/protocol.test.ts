import { describe, expect, test } from "bun:test";
import { ParentProtocol, helperError, parseHelperLine } from "../../../../../runtime/lib/process/protocol.ts";

describe("helper messages", () => {
  test("parse each kind; control bytes come back unescaped", () => {
    expect(parseHelperLine("init 1234")).toEqual({ kind: "init", pid: 1234 });
    expect(parseHelperLine("hooks")).toEqual({ kind: "hooks" });
    expect(parseHelperLine("cgroup 77")).toEqual({ kind: "cgroup", pid: 77 });
    expect(parseHelperLine("error 3 1 mount(\\x0a) failed")).toEqual({ kind: "error", origin: 3, errno: 1, message: "mount(\n) failed" });
    expect(parseHelperLine("error - 22 invalid plan")).toEqual({ kind: "error", origin: undefined, errno: 22, message: "invalid plan" });
    expect(() => parseHelperLine("bogus")).toThrow("unknown message");
  });
  test("errors name the step, errno and config pointer", () => {
    const err = helperError({ kind: "error", origin: 1, errno: 1, message: "mount(\"proc\", \"/proc\") failed" }, [{ description: "x", pointer: "" }, { description: "mount proc proc on /proc (0)", pointer: "/mounts/0" }], "config.json");
    expect(err.message).toBe('mount proc proc on /proc (0): EPERM (operation not permitted) (config.json /mounts/0): mount("proc", "/proc") failed');
    expect(err.context.errno).toBe("EPERM");
  });
});

describe("ParentProtocol phases", () => {
  test("init, hooks, reply, EOF", () => {
    const p = new ParentProtocol(true);
    expect(p.accept({ kind: "init", pid: 5 })).toBe("setup");
    expect(p.accept({ kind: "hooks" })).toBe("hooks");
    p.replied();
    expect(p.accept({ kind: "eof" })).toBe("done");
  });
  test("out-of-phase messages are rejected", () => {
    expect(() => new ParentProtocol(true).accept({ kind: "hooks" })).toThrow("protocol error: hooks while in phase await-init");
    expect(() => new ParentProtocol(false).accept({ kind: "eof" })).toThrow("exited before it created the container process");
    const p = new ParentProtocol(false);
    p.accept({ kind: "init", pid: 1 });
    expect(() => p.accept({ kind: "hooks" })).toThrow("protocol error");
    const q = new ParentProtocol(true);
    q.accept({ kind: "init", pid: 1 });
    q.accept({ kind: "hooks" });
    expect(() => q.accept({ kind: "init", pid: 2 })).toThrow("protocol error");
  });
  test("--systemd-cgroup: `cgroup` comes first and must be answered before `init`", () => {
    const p = new ParentProtocol(false, true);
    expect(p.phase).toBe("await-cgroup");
    expect(() => new ParentProtocol(false, true).accept({ kind: "init", pid: 5 })).toThrow("protocol error: init while in phase await-cgroup");
    expect(() => new ParentProtocol(false, true).accept({ kind: "eof" })).toThrow("exited before it forked");
    expect(p.accept({ kind: "cgroup", pid: 4 })).toBe("await-cgroup");
    p.placed();
    expect(p.accept({ kind: "init", pid: 5 })).toBe("setup");
    expect(() => p.placed()).toThrow("cgroup reply in phase setup");
    expect(() => new ParentProtocol(false).accept({ kind: "cgroup", pid: 4 })).toThrow("protocol error: cgroup while in phase await-init");
  });
  test("an error is accepted in any phase", () => {
    expect(new ParentProtocol(true).accept({ kind: "error", origin: 0, errno: 1, message: "" })).toBe("failed");
  });
});
