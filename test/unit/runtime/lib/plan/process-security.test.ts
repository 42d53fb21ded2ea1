import { describe, expect, test } from "bun:test";
import { compileCreate, compileExec, type CreateFacts } from "../../../../../runtime/lib/plan/compile.ts";
import { encodePlan } from "../../../../../runtime/lib/plan/encode.ts";
import { explainPlan } from "../../../../../runtime/lib/plan/explain.ts";
import { planFacts, planSpec } from "./plan-fixture.ts";
import { summarizeIssues } from "../../../../../runtime/lib/config-schema.ts";
import type { Spec } from "../../../../../runtime/lib/spec-types.ts";

const facts = planFacts;
const spec = planSpec;

const execFacts = { pid: 42, namespaces: ["mount"], cgroupProcs: [], preserveFds: 0, foreground: false, pointerBase: "" };
const seccomp = (listenerPath?: string) => ({ program: new Uint8Array(8), flags: 0, ...(listenerPath ? { listenerPath } : {}), skippedSyscalls: [] });

describe("process.scheduler", () => {
  test("becomes one SCHED step before the privilege drop, with every field", () => {
    const c = compileCreate(spec((s) => (s.process!.scheduler = { policy: "SCHED_DEADLINE", flags: ["SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_RECLAIM"], runtime: 10, deadline: 20, period: 30 })), facts());
    const ops = c.plan.init.map((s) => s.op);
    expect(c.plan.init.find((s) => s.op === "SCHED")!.args).toEqual([6, 3, 0, 0, 10, 20, 30]);
    expect(ops.indexOf("SCHED")).toBeLessThan(ops.indexOf("CAP_BOUNDING"));
    expect(explainPlan(c, "config.json")).toContain("scheduler SCHED_DEADLINE flags SCHED_FLAG_RESET_ON_FORK|SCHED_FLAG_RECLAIM runtime 10 deadline 20 period 30   [config.json /process/scheduler]");
    expect(() => encodePlan(c.plan)).not.toThrow();
    const e = compileExec({ ...spec().process!, scheduler: { policy: "SCHED_IDLE", nice: -3, priority: 0 } }, execFacts);
    expect(e.plan.init.find((s) => s.op === "SCHED")!.args).toEqual([5, 0, -3, 0, 0, 0, 0]);
  });

  test("unknown policy or flag, or nice out of range: a config error naming the pointer", () => {
    expect(() => compileCreate(spec((s) => (s.process!.scheduler = { policy: "SCHED_FANCY" as never })), facts())).toThrow("config.json /process/scheduler/policy: unknown scheduling policy \"SCHED_FANCY\"");
    expect(() => compileCreate(spec((s) => (s.process!.scheduler = { policy: "SCHED_OTHER", flags: ["SCHED_FLAG_X" as never] })), facts())).toThrow("/process/scheduler/flags/0");
    expect(() => compileCreate(spec((s) => (s.process!.scheduler = { policy: "SCHED_OTHER", nice: 40 })), facts())).toThrow("/process/scheduler/nice");
  });
});

describe("LSM labels", () => {
  test("with the LSM active: SET_EXEC_LABEL steps before the privilege drop, for create and exec", () => {
    const c = compileCreate(spec((s) => {
      s.process!.apparmorProfile = "docker-default";
      s.process!.selinuxLabel = "system_u:system_r:container_t:s0";
      s.linux!.mountLabel = "system_u:object_r:container_file_t:s0";
    }), facts({ lsm: { apparmor: true, selinux: true } }));
    const labels = c.plan.init.filter((s) => s.op === "SET_EXEC_LABEL").map((s) => s.args);
    expect(labels).toEqual([
      [["apparmor/exec", "exec"], "exec docker-default"],
      [["exec"], "system_u:system_r:container_t:s0"],
    ]);
    const ops = c.plan.init.map((s) => s.op);
    expect(ops.indexOf("SET_EXEC_LABEL")).toBeGreaterThan(ops.indexOf("PIVOT_ROOT"));
    expect(ops.lastIndexOf("SET_EXEC_LABEL")).toBeLessThan(ops.indexOf("CAP_BOUNDING"));
    expect(() => encodePlan(c.plan)).not.toThrow();
    const e = compileExec({ ...spec().process!, apparmorProfile: "p" }, { ...execFacts, lsm: { apparmor: true, selinux: false } });
    expect(e.plan.init.filter((s) => s.op === "SET_EXEC_LABEL").length).toBe(1);
  });

  test("without the LSM: an error with the pointer, for each of the three fields", () => {
    expect(() => compileCreate(spec((s) => (s.process!.apparmorProfile = "x")), facts())).toThrow("config.json /process/apparmorProfile: apparmorProfile \"x\" is set but AppArmor is not enabled");
    expect(() => compileCreate(spec((s) => (s.process!.selinuxLabel = "x")), facts({ lsm: { apparmor: true, selinux: false } }))).toThrow("/process/selinuxLabel");
    expect(() => compileCreate(spec((s) => (s.linux!.mountLabel = "x")), facts())).toThrow("/linux/mountLabel");
    expect(() => compileExec({ ...spec().process!, apparmorProfile: "p" }, execFacts)).toThrow("AppArmor is not enabled");
  });
});

describe("ambient capabilities", () => {
  test("only those both permitted and inheritable are raised; the others are notes for --debug and --log (runc)", () => {
    const c = compileCreate(spec((s) => {
      s.process!.capabilities = { bounding: ["CAP_KILL", "CAP_CHOWN"], permitted: ["CAP_KILL", "CAP_CHOWN"], inheritable: ["CAP_CHOWN"], ambient: ["CAP_KILL", "CAP_CHOWN"] };
    }), facts());
    expect(c.plan.init.find((s) => s.op === "AMBIENT")!.args).toEqual([1n]); // CAP_CHOWN = 0
    expect(c.warnings).toEqual([]);
    expect(c.notes).toEqual(["config.json /process/capabilities/ambient/0: ambient capability CAP_KILL is not both permitted and inheritable; skipped (capabilities(7))"]);
    expect(explainPlan(c, "config.json")).toContain("note: config.json /process/capabilities/ambient/0");
    const none = compileCreate(spec((s) => (s.process!.capabilities = { bounding: ["CAP_KILL"], permitted: ["CAP_KILL"], ambient: ["CAP_KILL"] })), facts());
    expect(none.plan.init.some((s) => s.op === "AMBIENT")).toBe(false);
    expect(() => compileCreate(spec((s) => (s.process!.capabilities = { ambient: ["CAP_NOPE"] })), facts())).toThrow("/process/capabilities/ambient/0");
  });
});

describe("seccomp listener", () => {
  test("connected only when the compiled profile notifies; then HOOKS_SYNC precedes SECCOMP", () => {
    const withListener = compileCreate(spec((s) => (s.linux!.seccomp = { defaultAction: "SCMP_ACT_ALLOW", listenerPath: "/run/agent.sock" })), facts({ seccomp: seccomp("/run/agent.sock") }));
    expect(withListener.plan.host.map((s) => [s.op, ...s.args])).toContainEqual(["CONNECT_SLOT", 1, "/run/agent.sock"]);
    const init = withListener.plan.init.map((s) => s.op);
    expect(init.indexOf("HOOKS_SYNC")).toBeGreaterThan(-1);
    expect(init.indexOf("HOOKS_SYNC")).toBeLessThan(init.indexOf("SECCOMP"));
    expect(withListener.plan.init.find((s) => s.op === "SECCOMP")!.args[2]).toBe(1);

    // listenerPath without a SCMP_ACT_NOTIFY rule: nothing to send, so no socket is connected.
    const unused = compileCreate(spec((s) => (s.linux!.seccomp = { defaultAction: "SCMP_ACT_ALLOW", listenerPath: "/run/agent.sock" })), facts({ seccomp: seccomp() }));
    expect(unused.plan.host.some((s) => s.op === "CONNECT_SLOT")).toBe(false);
    expect(unused.plan.init.some((s) => s.op === "HOOKS_SYNC")).toBe(false);
    expect(unused.plan.init.find((s) => s.op === "SECCOMP")!.args[2]).toBe(-1);
  });
});

describe("terminal", () => {
  test("create binds the pty onto /dev/console; exec does not", () => {
    const c = compileCreate(spec((s) => (s.process!.terminal = true)), facts({ consoleSocket: "/run/c.sock" }));
    expect(c.plan.init.find((s) => s.op === "CONSOLE")!.args).toEqual([1, 1]);
    const e = compileExec({ ...spec().process!, terminal: true }, { ...execFacts, consoleSocket: "/run/c.sock" });
    expect(e.plan.init.find((s) => s.op === "CONSOLE")!.args).toEqual([0, 0]);
  });
});

describe("summarizeIssues", () => {
  test("the first five issues, then a count of the rest", () => {
    const issues = Array.from({ length: 12 }, (_, i) => ({ pointer: `/mounts/${i}`, message: "must be object" }));
    const text = summarizeIssues("/b/config.json", issues);
    expect(text.split("\n")).toEqual([...issues.slice(0, 5).map((i) => `/b/config.json: ${i.pointer}: must be object`), "/b/config.json: and 7 more issues"]);
    expect(summarizeIssues("c.json", issues.slice(0, 2)).split("\n").length).toBe(2);
    expect(summarizeIssues("c.json", issues.slice(0, 6)).endsWith("and 1 more issue")).toBe(true);
  });
});
