import { describe, expect, test } from "bun:test";
import { DEFAULT_CAPABILITIES, defaultSpec } from "../../../../../imagetool/lib/bundle/defaults.ts";

describe("default spec (runc spec's secure defaults)", () => {
  const spec = defaultSpec();
  test("namespaces pid, network, ipc, uts, mount", () => {
    expect(spec.linux!.namespaces!.map((n) => n.type).sort()).toEqual(["ipc", "mount", "network", "pid", "uts"]);
  });
  test("the standard mounts", () => {
    expect(spec.mounts!.map((m) => m.destination)).toEqual(["/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/sys/fs/cgroup"]);
    expect(spec.mounts!.find((m) => m.destination === "/sys")!.options).toContain("ro");
  });
  test("masked and read-only paths", () => {
    expect(spec.linux!.maskedPaths).toEqual(expect.arrayContaining(["/proc/kcore", "/proc/keys", "/sys/firmware"]));
    expect(spec.linux!.readonlyPaths).toEqual(expect.arrayContaining(["/proc/sys", "/proc/sysrq-trigger"]));
  });
  test("runc's capability set, no ambient, no_new_privs, nofile 1024, no terminal", () => {
    expect(DEFAULT_CAPABILITIES).toEqual(["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]);
    expect(spec.process!.capabilities).toEqual({ bounding: DEFAULT_CAPABILITIES, effective: DEFAULT_CAPABILITIES, permitted: DEFAULT_CAPABILITIES });
    expect(spec.process!.noNewPrivileges).toBe(true);
    expect(spec.process!.rlimits).toEqual([{ type: "RLIMIT_NOFILE", hard: 1024, soft: 1024 }]);
    expect(spec.process!.terminal).toBe(false);
  });
  test("the default seccomp profile: deny by default with EPERM", () => {
    expect(spec.linux!.seccomp).toMatchObject({ defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: 1 });
    expect(spec.linux!.seccomp!.syscalls!.length).toBeGreaterThan(0);
  });
  test("each call returns a fresh object", () => {
    defaultSpec().process!.capabilities!.bounding!.push("CAP_SYS_ADMIN");
    expect(defaultSpec().process!.capabilities!.bounding).toEqual(DEFAULT_CAPABILITIES);
  });
});
