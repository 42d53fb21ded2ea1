import { describe, expect, test } from "bun:test";
import { compileCreate, compileExec, type CreateFacts } from "../../../../../runtime/lib/plan/compile.ts";
import { encodePlan } from "../../../../../runtime/lib/plan/encode.ts";
import { explainPlan } from "../../../../../runtime/lib/plan/explain.ts";
import { ops, planFacts, planSpec } from "./plan-fixture.ts";
import type { Spec } from "../../../../../runtime/lib/spec-types.ts";
import type { CompiledPlan } from "../../../../../runtime/lib/plan/builder.ts";

function facts(over: Partial<CreateFacts> = {}): CreateFacts {
  return planFacts({
    cgroupProcs: ["/sys/fs/cgroup/pids/c1/cgroup.procs"],
    sourceKind: (p) => (p.endsWith(".txt") ? "file" : p === "/missing" ? "missing" : "dir"),
    cgroupLayout: { unified: false, v1: ["cpu,cpuacct", "memory", "name=systemd"], hybridUnified: true },
    ...over,
  });
}

const spec = planSpec;

const origin = (c: CompiledPlan, section: keyof CompiledPlan["plan"], op: string) => c.origins[c.plan[section].find((s) => s.op === op)!.origin]!;

describe("compileCreate", () => {
  test("stages follow the README diagram and runc's init order", () => {
    const c = compileCreate(spec(), facts());
    expect(ops(c, "host")).toEqual(["OPEN_SLOT"]);
    expect(ops(c, "parent")).toEqual(["CGROUP_ENTER", "RELEASE_CHILD"]);
    // --systemd-cgroup: the runtime starts the scope with stage1's pid before the cgroup.procs writes.
    expect(ops(compileCreate(spec(), facts({ cgroupSync: true })), "parent")).toEqual(["CGROUP_SYNC", "CGROUP_ENTER", "RELEASE_CHILD"]);
    expect(ops(c, "child")).toEqual(["AWAIT_RELEASE", "UNSHARE", "LOOPBACK_UP", "FORK_INIT"]);
    const init = ops(c, "init");
    const order = ["ROOTFS_PREPARE", "MOUNT_IN_ROOT", "MKNOD_IN_ROOT", "PIVOT_ROOT", "REMOUNT_ROOT_READONLY", "SETSID", "SETHOSTNAME", "READONLY_PATH", "MASK_PATH", "RLIMIT", "NO_NEW_PRIVS", "CHDIR_EARLY", "CAP_BOUNDING", "SETRESID", "CAPS", "CHDIR_DEFERRED", "REPORT_DONE", "EXEC_FIFO_WAIT", "CLOSE_FDS", "EXEC_PREPARE", "EXEC"];
    const positions = order.map((op) => init.indexOf(op as never));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(init.at(-1)).toBe("EXEC");
    expect(() => encodePlan(c.plan)).not.toThrow();
    const cwd = compileCreate(spec((s) => (s.process!.cwd = "/work")), facts());
    const mkCwd = cwd.plan.init.findIndex((s) => s.op === "MKDIR_IN_ROOT" && s.args[0] === "/work");
    expect(mkCwd).toBeGreaterThan(-1);
    expect(mkCwd).toBeLessThan(ops(cwd, "init").indexOf("PIVOT_ROOT"));
  });

  test("namespaces: one unshare with every new namespace; user ns first with id maps written by the parent", () => {
    const c = compileCreate(
      spec((s) => {
        s.linux!.namespaces!.push({ type: "user" });
        s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
        s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      }),
      facts(),
    );
    expect(ops(c, "child")).toEqual(["AWAIT_RELEASE", "UNSHARE", "REQUEST_IDMAPS", "SETRESID", "UNSHARE", "LOOPBACK_UP", "FORK_INIT"]);
    expect(c.plan.child[1]!.args).toEqual([0x10000000]);
    expect(c.plan.child[4]!.args).toEqual([0x20000 | 0x04000000 | 0x08000000 | 0x40000000 | 0x20000000 | 0x02000000]);
    expect(ops(c, "parent")).toEqual(["CGROUP_ENTER", "RELEASE_CHILD", "AWAIT_CHILD_USERNS", "WRITE_CHILD_PROC", "WRITE_CHILD_PROC", "RESUME_CHILD"]);
    expect(c.plan.parent[3]!.args).toEqual(["uid_map", "0 100000 65536\n"]);
    // in a user namespace devices are bind-mounted, not created
    expect(ops(c, "init")).toContain("BIND_DEVICE_IN_ROOT");
    expect(ops(c, "init")).not.toContain("MKNOD_IN_ROOT");
  });

  test("joined namespaces are opened on the host and joined user first", () => {
    const c = compileCreate(
      spec((s) => {
        s.linux!.namespaces = [{ type: "mount" }, { type: "network", path: "/run/netns/x" }, { type: "user", path: "/proc/1/ns/user" }];
        delete s.hostname;
      }),
      facts(),
    );
    expect(c.plan.host.filter((s) => s.op === "OPEN_SLOT").map((s) => s.args[1])).toEqual(["/run/x/c1/exec.fifo", "/proc/1/ns/user", "/run/netns/x"]);
    expect(c.plan.child.filter((s) => s.op === "SETNS").map((s) => s.args[1])).toEqual([0x10000000, 0x40000000]);
    expect(origin(c, "child", "SETNS").pointer).toBe("/linux/namespaces/2");
  });

  test("mounts keep their config.json pointer; bind mounts remount for ro and set propagation", () => {
    const c = compileCreate(
      spec((s) => {
        s.mounts!.push({ destination: "/data", source: "/srv", type: "bind", options: ["rbind", "ro", "nosuid", "rslave"] });
        s.mounts!.push({ destination: "/etc/x.txt", source: "/host/x.txt", options: ["bind"] });
      }),
      facts(),
    );
    const dataSteps = c.plan.init.filter((s) => s.args[0] === "/data" || s.args[1] === "/data");
    expect(dataSteps.map((s) => s.op)).toEqual(["MKDIR_IN_ROOT", "MOUNT_IN_ROOT", "REMOUNT_IN_ROOT", "PROPAGATE_IN_ROOT"]);
    expect(dataSteps[1]!.args).toEqual(["/srv", "/data", "", 4096 | 16384, ""]);
    expect(dataSteps[2]!.args).toEqual(["/data", 4096 | 1 | 2]);
    expect(dataSteps[3]!.args).toEqual(["/data", (1 << 19) | 16384]);
    expect(c.origins[dataSteps[0]!.origin]!.pointer).toBe("/mounts/7");
    const file = c.plan.init.filter((s) => s.args[0] === "/etc/x.txt");
    expect(file[0]!.op).toBe("MKFILE_IN_ROOT");
    const proc = c.plan.init.find((s) => s.op === "MOUNT_IN_ROOT" && s.args[1] === "/proc")!;
    expect(c.origins[proc.origin]).toEqual({ description: "mount proc proc on /proc (0)", pointer: "/mounts/0" });
  });

  test("a cgroup mount on a hybrid host becomes a tmpfs with one mount per hierarchy", () => {
    const c = compileCreate(spec(), facts());
    const targets = c.plan.init.filter((s) => s.op === "MOUNT_IN_ROOT" && String(s.args[1]).startsWith("/sys/fs/cgroup")).map((s) => [s.args[1], s.args[2], s.args[4]]);
    expect(targets).toEqual([
      ["/sys/fs/cgroup", "tmpfs", "mode=755"],
      ["/sys/fs/cgroup/cpu,cpuacct", "cgroup", "cpu,cpuacct"],
      ["/sys/fs/cgroup/memory", "cgroup", "memory"],
      ["/sys/fs/cgroup/systemd", "cgroup", "none,name=systemd"],
      ["/sys/fs/cgroup/unified", "cgroup2", ""],
    ]);
  });

  test("a missing bind source and an idmapped non-bind mount are config errors naming the pointer", () => {
    expect(() => compileCreate(spec((s) => s.mounts!.push({ destination: "/x", source: "/missing", type: "bind" })), facts())).toThrow("/mounts/7/source");
    expect(() => compileCreate(spec((s) => s.mounts!.push({ destination: "/x", source: "tmpfs", type: "tmpfs", options: ["idmap"] })), facts())).toThrow("/mounts/7: idmapped mounts are only supported for bind mounts");
    // tmpcopyup: the helper copies the destination's content into the new tmpfs; tmpfs only
    const copied = compileCreate(spec((s) => s.mounts!.push({ destination: "/etc", source: "tmpfs", type: "tmpfs", options: ["tmpcopyup", "nosuid", "size=1m"] })), facts());
    expect(copied.plan.init.find((st) => st.op === "TMPCOPYUP_IN_ROOT")!.args).toEqual(["/etc", 2, "source=tmpfs,size=1m"]);
    expect(copied.plan.init.some((st) => st.op === "MOUNT_IN_ROOT" && st.args[1] === "/etc")).toBe(false);
    expect(() => compileCreate(spec((s) => s.mounts!.push({ destination: "/etc", source: "/etc", type: "bind", options: ["rbind", "tmpcopyup"] })), facts())).toThrow("/mounts/7/options: tmpcopyup needs type tmpfs");
  });

  test("--pidfd-socket: connected in HOST, the init sends its pidfd right after the console (runc standard_init)", () => {
    const c = compileCreate(spec((s) => (s.process!.terminal = true)), facts({ consoleSocket: "/c.sock", pidfdSocket: "/p.sock" }));
    expect(c.plan.host.filter((st) => st.op === "CONNECT_SLOT").map((st) => st.args)).toEqual([[1, "/c.sock"], [2, "/p.sock"]]);
    const init = ops(c, "init");
    expect(init.indexOf("SEND_PIDFD")).toBe(init.indexOf("CONSOLE") + 1);
    expect(c.plan.init.find((st) => st.op === "SEND_PIDFD")!.args).toEqual([2, "standard"]);
    const e = compileExec({ args: ["x"], cwd: "/", user: { uid: 0, gid: 0 } }, { pid: 1, namespaces: [], cgroupProcs: [], preserveFds: 0, foreground: false, pointerBase: "", pidfdSocket: "/p.sock" });
    expect(e.plan.init.find((st) => st.op === "SEND_PIDFD")!.args).toEqual([0, "setns"]);
  });

  test("hooks: sync only when a hook needs it; createContainer before pivot, startContainer after the FIFO", () => {
    expect(ops(compileCreate(spec(), facts()), "init")).not.toContain("HOOKS_SYNC");
    const c = compileCreate(
      spec((s) => {
        s.hooks = { prestart: [{ path: "/bin/true" }], createContainer: [{ path: "/bin/cc", args: ["cc", "-x"], env: ["A=1"], timeout: 3 }], startContainer: [{ path: "/bin/sc" }] };
      }),
      facts(),
    );
    const init = ops(c, "init");
    expect(init.indexOf("HOOKS_SYNC")).toBeLessThan(init.indexOf("RUN_HOOK"));
    // createContainer hooks run in the rootfs (runc prepareRootfs), startContainer in process.cwd
    expect(init.slice(init.indexOf("HOOKS_SYNC") + 1, init.indexOf("RUN_HOOK"))).toEqual(["CHDIR"]);
    expect(c.plan.init.find((st) => st.op === "CHDIR")!.args).toEqual([facts().rootfs]);
    expect(init.lastIndexOf("CHDIR")).toBeLessThan(init.lastIndexOf("RUN_HOOK"));
    expect(init.indexOf("RUN_HOOK")).toBeLessThan(init.indexOf("PIVOT_ROOT"));
    const hooks = c.plan.init.filter((s) => s.op === "RUN_HOOK");
    expect(hooks.map((s) => s.args)).toEqual([
      ["/bin/cc", ["cc", "-x"], ["A=1"], 3],
      ["/bin/sc", ["/bin/sc"], [], 0],
    ]);
    expect(init.lastIndexOf("RUN_HOOK")).toBeGreaterThan(init.indexOf("EXEC_FIFO_WAIT"));
    expect(c.origins[hooks[1]!.origin]!.pointer).toBe("/hooks/startContainer/0");
  });

  test("seccomp goes before the capability drop without no_new_privs, and last with it; the fd sweep always precedes it", () => {
    const seccomp = { program: new Uint8Array(16), flags: 0 };
    const late = ops(compileCreate(spec(), facts({ seccomp })), "init");
    // Only execve runs under a late filter: profiles that deny close_range (written before it existed) must work.
    expect(late.slice(late.indexOf("EXEC_FIFO_WAIT") + 1)).toEqual(["CLOSE_FDS", "EXEC_PREPARE", "SECCOMP", "EXEC"]);
    const early = ops(compileCreate(spec((s) => (s.process!.noNewPrivileges = false)), facts({ seccomp })), "init");
    expect(early).not.toContain("NO_NEW_PRIVS");
    expect(early.indexOf("SECCOMP")).toBeLessThan(early.indexOf("CAP_BOUNDING"));
    expect(early.indexOf("CLOSE_FDS")).toBe(early.indexOf("SECCOMP") - 1);
    expect(early.slice(-2)).toEqual(["EXEC_PREPARE", "EXEC"]);
  });

  test("startContainer hooks run under a late seccomp filter (runc), and SIGPIPE stays ignored until they are done", () => {
    const seccomp = { program: new Uint8Array(16), flags: 0 };
    const init = ops(compileCreate(spec((s) => (s.hooks = { startContainer: [{ path: "/bin/sc" }] })), facts({ seccomp })), "init");
    expect(init.slice(init.indexOf("EXEC_FIFO_WAIT") + 1)).toEqual(["CLOSE_FDS", "SECCOMP", "RUN_HOOK", "EXEC_PREPARE", "EXEC"]);
  });

  test("capabilities become masks; an unknown name names its pointer", () => {
    const c = compileCreate(spec(), facts());
    const caps = c.plan.init.find((s) => s.op === "CAPS")!;
    const mask = (1n << 29n) | (1n << 5n) | (1n << 10n); // AUDIT_WRITE, KILL, NET_BIND_SERVICE
    expect(caps.args).toEqual([mask, mask, 0n]);
    expect(() => compileCreate(spec((s) => s.process!.capabilities!.effective!.push("CAP_BOGUS")), facts())).toThrow("/process/capabilities/effective");
  });

  test("console socket, foreground, preserve-fds, no-pivot, rlimits", () => {
    const c = compileCreate(
      spec((s) => {
        s.process!.terminal = true;
        s.process!.rlimits = [{ type: "RLIMIT_NOFILE", soft: 10, hard: 2 ** 64 }];
      }),
      facts({ consoleSocket: "/tmp/cs.sock", foreground: true, preserveFds: 2, noPivot: true }),
    );
    expect(ops(c, "host")).toEqual(["OPEN_SLOT", "CONNECT_SLOT", "FOREGROUND"]);
    const init = ops(c, "init");
    expect(init).toContain("MOVE_ROOT");
    expect(init).not.toContain("PIVOT_ROOT");
    expect(init.indexOf("CONSOLE")).toBe(init.indexOf("SETSID") + 1);
    expect(c.plan.init.find((s) => s.op === "CONSOLE")!.args).toEqual([1, 1]);
    expect(c.plan.init.find((s) => s.op === "CLOSE_FDS")!.args).toEqual([5]);
    expect(c.plan.init.find((s) => s.op === "RLIMIT")!.args).toEqual([7, 10n, -1n]);
  });

  test("consoleSize: a CONSOLE_SIZE step after CONSOLE when both sides are set, none otherwise (runc)", () => {
    const sized = (size: { height: number; width: number } | undefined, consoleSocket?: string) =>
      compileCreate(spec((s) => ((s.process!.terminal = consoleSocket !== undefined), (s.process!.consoleSize = size))), facts({ consoleSocket }));
    const init = ops(sized({ height: 30, width: 100 }, "/tmp/cs.sock"), "init");
    expect(init.indexOf("CONSOLE_SIZE")).toBe(init.indexOf("CONSOLE") + 1);
    expect(sized({ height: 30, width: 100 }, "/tmp/cs.sock").plan.init.find((s) => s.op === "CONSOLE_SIZE")!.args).toEqual([30, 100]);
    expect(ops(sized({ height: 0, width: 100 }, "/tmp/cs.sock"), "init")).not.toContain("CONSOLE_SIZE");
    expect(ops(sized({ height: 30, width: 100 }), "init")).not.toContain("CONSOLE_SIZE");
  });

  test("explain prints every step with its pointer", () => {
    const text = explainPlan(compileCreate(spec(), facts()), "config.json");
    expect(text).toContain("mount proc proc on /proc (0)   [config.json /mounts/0]");
    expect(text).toContain("MOUNT_IN_ROOT \"proc\" \"/proc\" \"proc\" 0 \"\"");
    expect(text).toContain("[config.json /process/args]");
    expect(text).toContain("init: the container's first process");
  });
});

describe("compileExec", () => {
  test("joins the given namespaces of the pid, enters the cgroups, no rootfs work and no FIFO", () => {
    const proc = spec().process!;
    const c = compileExec(proc, { pid: 42, namespaces: ["mount", "pid", "user"], cgroupProcs: ["/cg/cgroup.procs"], preserveFds: 0, foreground: true, pointerBase: "" });
    expect(c.plan.host.filter((s) => s.op === "OPEN_SLOT").map((s) => s.args[1])).toEqual(["/proc/42/ns/user", "/proc/42/ns/pid", "/proc/42/ns/mnt"]);
    expect(ops(c, "host")).toContain("FOREGROUND");
    const init = ops(c, "init");
    expect(init).not.toContain("ROOTFS_PREPARE");
    expect(init).not.toContain("EXEC_FIFO_WAIT");
    expect(init.at(-1)).toBe("EXEC");
    expect(() => encodePlan(c.plan)).not.toThrow();
  });
});
