/** Plan shapes for issue #12: loopback, no mount namespace, read-only /dev and tmpfs, the cwd before seccomp. */
import { describe, expect, test } from "bun:test";
import { compileCreate, compileExec, type CreateFacts } from "../../../../../runtime/lib/plan/compile.ts";
import type { Spec } from "../../../../../runtime/lib/spec-types.ts";
import { ops, planFacts, planSpec } from "./plan-fixture.ts";
import { hostPseudoFsMounts } from "../../../../../runtime/lib/linux/host-pseudofs.ts";
import { ownBoundingSet } from "../../../../../runtime/lib/linux/capabilities.ts";

const facts: CreateFacts = planFacts({ cgroupLayout: { unified: false, v1: ["memory"], hybridUnified: true } });

const spec = planSpec;

const seccomp = { program: new Uint8Array(8), flags: 0 };

describe("issue #12 plan shapes", () => {
  test("lo is brought up in a new network namespace only (runc specconv loopback)", () => {
    expect(ops(compileCreate(spec(), facts), "child")).toContain("LOOPBACK_UP");
    const joined = compileCreate(spec((s) => (s.linux!.namespaces = s.linux!.namespaces!.map((n) => (n.type === "network" ? { type: "network", path: "/run/netns/x" } : n)))), facts);
    expect(ops(joined, "child")).not.toContain("LOOPBACK_UP");
    expect(ops(compileCreate(spec((s) => (s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== "network"))), facts), "child")).not.toContain("LOOPBACK_UP");
  });

  test("without a mount namespace: the rootfs is only opened and chroot'ed into, even with --no-pivot", () => {
    const c = compileCreate(spec((s) => (s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== "mount"))), { ...facts, noPivot: true });
    const init = ops(c, "init");
    expect(init[0]).toBe("ROOTFS_OPEN");
    expect(init).toContain("CHROOT");
    for (const op of ["ROOTFS_PREPARE", "PIVOT_ROOT", "MOVE_ROOT"] as const) expect(init).not.toContain(op);
  });

  test("/dev and tmpfs mounts asked ro are mounted rw and made read-only after the console (runc finalizeRootfs)", () => {
    const c = compileCreate(spec((s) => {
      s.process!.terminal = true;
      s.mounts = s.mounts!.map((m) => (m.destination === "/dev" ? { ...m, options: [...m.options!, "ro"] } : m));
      s.mounts.push({ destination: "/scratch", type: "tmpfs", source: "tmpfs", options: ["ro", "nosuid"] });
      s.mounts.push({ destination: "/copied", type: "tmpfs", source: "tmpfs", options: ["ro", "tmpcopyup"] });
    }), { ...facts, consoleSocket: "/run/console.sock" });
    const devMount = c.plan.init.find((st) => st.op === "MOUNT_IN_ROOT" && st.args[1] === "/dev")!;
    expect(Number(devMount.args[3]) & 1).toBe(0);
    const init = ops(c, "init");
    const readonly = c.plan.init.filter((st) => st.op === "SET_READONLY_IN_ROOT").map((st) => st.args[0]);
    expect(readonly).toEqual(["/dev", "/scratch"]); // tmpcopyup makes its own tmpfs read-only
    expect(init.indexOf("SET_READONLY_IN_ROOT")).toBeGreaterThan(init.indexOf("CONSOLE"));
    expect(c.origins[c.plan.init.find((st) => st.op === "SET_READONLY_IN_ROOT")!.origin]!.pointer).toBe("/mounts/1");
  });

  test("rootfsPropagation is set on the new root after the pivot; unbindable never on the host's copy of / (it would refuse the self-bind)", () => {
    const prop = (value: "private" | "shared" | "slave" | "unbindable") => compileCreate(spec((s) => (s.linux!.rootfsPropagation = value)), facts);
    const unbindable = prop("unbindable");
    expect(unbindable.plan.init[0]!.args[1]).toBe((1 << 19) | 16384); // MS_SLAVE|MS_REC
    const init = ops(unbindable, "init");
    expect(init.indexOf("ROOT_PROPAGATION")).toBe(init.indexOf("PIVOT_ROOT") + 1);
    expect(unbindable.plan.init[init.indexOf("ROOT_PROPAGATION")]!.args).toEqual([1 << 17]);
    expect(prop("shared").plan.init[0]!.args[1]).toBe(1 << 20);
    expect(ops(prop("private"), "init")).not.toContain("ROOT_PROPAGATION");
    expect(ops(compileCreate(spec(), facts), "init")).not.toContain("ROOT_PROPAGATION");
  });

  test("--no-pivot: the host's full proc and sysfs mounts outside the rootfs are detached before the MS_MOVE (runc msMoveRoot)", () => {
    const mountinfo = [
      "22 1 0:21 / /proc rw,nosuid - proc proc rw",
      "23 1 0:22 / /sys rw,nosuid - sysfs sysfs rw",
      "24 22 0:40 / /proc/sys/fs/binfmt_misc rw - binfmt_misc binfmt_misc rw",
      "25 1 0:21 /sys /mnt/partial rw - proc proc rw",
      "26 1 0:41 / /b/rootfs/proc rw - proc proc rw",
      "27 1 0:42 / /with\\040space rw - sysfs sysfs rw",
    ].join("\n");
    expect(hostPseudoFsMounts("/b/rootfs", mountinfo)).toEqual(["/proc", "/sys", "/with space"]);
    const c = compileCreate(spec(), { ...facts, noPivot: true, hostPseudoFs: ["/proc", "/sys"] });
    const init = ops(c, "init");
    expect(init.indexOf("HIDE_HOST_MOUNTS")).toBe(init.indexOf("MOVE_ROOT") - 1);
    expect(c.plan.init[init.indexOf("HIDE_HOST_MOUNTS")]!.args).toEqual([["/proc", "/sys"]]);
    expect(ops(compileCreate(spec(), { ...facts, hostPseudoFs: ["/proc"] }), "init")).not.toContain("HIDE_HOST_MOUNTS");
  });

  test("user namespace without a cgroup namespace: every hierarchy is bound from the host, none mounted fresh", () => {
    const c = compileCreate(spec((s) => {
      s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== "cgroup");
      s.linux!.namespaces!.push({ type: "user" });
      s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    }), { ...facts, cgroupLayout: { ...facts.cgroupLayout, v1: ["memory", "pids"], containerDirs: { memory: "/sys/fs/cgroup/memory/c1" } } });
    const mounts = c.plan.init.filter((st) => st.op === "MOUNT_IN_ROOT" && String(st.args[1]).startsWith("/sys/fs/cgroup/"));
    expect(mounts.map((st) => [st.args[0], st.args[1], st.args[2]])).toEqual([
      ["/sys/fs/cgroup/memory/c1", "/sys/fs/cgroup/memory", ""],
      ["/sys/fs/cgroup/pids", "/sys/fs/cgroup/pids", ""],
      ["/sys/fs/cgroup/unified", "/sys/fs/cgroup/unified", ""],
    ]);
    // With its own cgroup namespace the kernel allows fresh mounts (the namespace belongs to the new user namespace).
    const own = compileCreate(spec((s) => {
      s.linux!.namespaces!.push({ type: "user" });
      s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    }), facts);
    expect(own.plan.init.filter((st) => st.op === "MOUNT_IN_ROOT" && st.args[2] === "cgroup2").length).toBe(1);
  });

  test("user namespace, root runtime: bind sources are opened by stage0 in the container's mount namespace and mounted from their slots", () => {
    const userns = (s: Spec) => {
      s.linux!.namespaces!.push({ type: "user" });
      s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.mounts!.push({ destination: "/data", type: "bind", source: "/srv/data", options: ["rbind", "ro"] });
    };
    const c = compileCreate(spec(userns), facts);
    const send = c.plan.parent.find((st) => st.op === "SEND_MOUNT_SOURCES")!;
    const receive = c.plan.child.find((st) => st.op === "RECEIVE_MOUNT_SOURCES")!;
    expect(send.args[0]).toContain("/srv/data");
    expect((receive.args[0] as number[]).length).toBe((send.args[0] as string[]).length);
    expect(ops(c, "parent").at(-1)).toBe("SEND_MOUNT_SOURCES"); // after the id maps
    expect(ops(c, "child").slice(-2)).toEqual(["RECEIVE_MOUNT_SOURCES", "FORK_INIT"]);
    const mount = c.plan.init.find((st) => st.op === "MOUNT_SLOT_IN_ROOT" && st.args[1] === "/data")!;
    const slot = (receive.args[0] as number[])[(send.args[0] as string[]).indexOf("/srv/data")]!;
    expect(mount.args).toEqual([slot, "/data", 4096 | 16384]);
    // Without a user namespace, or run unprivileged, the helper mounts the path itself.
    expect(ops(compileCreate(spec((s) => s.mounts!.push({ destination: "/data", type: "bind", source: "/srv/data" })), facts), "parent")).not.toContain("SEND_MOUNT_SOURCES");
    const own = (s: Spec) => {
      userns(s);
      s.linux!.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
    };
    expect(ops(compileCreate(spec(own), { ...facts, host: { euid: 1000, egid: 1000 } }), "parent")).not.toContain("SEND_MOUNT_SOURCES");
  });

  test("exec with a notifying profile: the listener socket is connected, HOOKS_SYNC brings the agent's payload, SECCOMP sends the fd", () => {
    const c = compileExec(spec().process!, { pid: 1, namespaces: [], cgroupProcs: [], preserveFds: 0, foreground: false, seccomp: { ...seccomp, listenerPath: "/run/agent.sock" }, pointerBase: "" });
    const connect = c.plan.host.find((st) => st.op === "CONNECT_SLOT")!;
    expect(connect.args[1]).toBe("/run/agent.sock");
    const init = ops(c, "init");
    expect(init.indexOf("HOOKS_SYNC")).toBeGreaterThan(-1);
    expect(init.indexOf("HOOKS_SYNC")).toBeLessThan(init.indexOf("SECCOMP"));
    expect(c.plan.init.find((st) => st.op === "SECCOMP")!.args[2]).toBe(connect.args[0]);
    expect(ops(compileExec(spec().process!, { pid: 1, namespaces: [], cgroupProcs: [], preserveFds: 0, foreground: false, seccomp, pointerBase: "" }), "init")).not.toContain("HOOKS_SYNC");
  });

  test("capabilities outside the runtime's bounding set: dropped from every set with one warning (config.md: SHOULD NOT fail)", () => {
    expect(ownBoundingSet("Name:\tx\nCapBnd:\t000001fffeffffff\n")).toBe(0x1fffeffffffn);
    const all = ["CAP_CHOWN", "CAP_SYS_RESOURCE"];
    const c = compileCreate(spec((s) => (s.process!.capabilities = { bounding: all, effective: all, permitted: all, inheritable: all, ambient: all })), { ...facts, grantableCaps: 0x1fffeffffffn });
    expect(c.plan.init.find((st) => st.op === "CAP_BOUNDING")!.args).toEqual([1n]);
    expect(c.plan.init.find((st) => st.op === "CAPS")!.args).toEqual([1n, 1n, 1n]);
    expect(c.plan.init.find((st) => st.op === "AMBIENT")!.args).toEqual([1n]);
    expect(c.warnings).toEqual(["config.json /process/capabilities: CAP_SYS_RESOURCE cannot be granted (not in the runtime's own bounding set); dropped from every set"]);
  });

  test("the cwd: first tried before an early seccomp filter and the privilege drop, retried after (runc finalizeNamespace)", () => {
    for (const c of [compileCreate(spec((s) => (s.process!.noNewPrivileges = false)), { ...facts, seccomp }), compileExec({ ...spec().process!, noNewPrivileges: false }, { pid: 1, namespaces: [], cgroupProcs: [], preserveFds: 0, foreground: false, seccomp, pointerBase: "" })]) {
      const init = ops(c, "init");
      expect(init.indexOf("CHDIR_EARLY")).toBeLessThan(init.indexOf("SECCOMP"));
      expect(init.indexOf("SECCOMP")).toBeLessThan(init.indexOf("SETRESID"));
      expect(init.indexOf("CHDIR_DEFERRED")).toBeGreaterThan(init.indexOf("SETRESID"));
      expect(init).not.toContain("CHDIR");
    }
  });
});
