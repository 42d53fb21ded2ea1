import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadBundleConfig, processIssues, semanticIssues } from "../../../../runtime/lib/config.ts";
import { defaultSpec } from "../../../../runtime/lib/default-spec.ts";
import type { Spec } from "../../../../runtime/lib/spec-types.ts";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function bundle(doc: unknown, withRootfs = true): string {
  const dir = mkdtempSync(join(tmpdir(), "bocker-config-"));
  dirs.push(dir);
  if (withRootfs) mkdirSync(join(dir, "rootfs"));
  writeFileSync(join(dir, "config.json"), typeof doc === "string" ? doc : JSON.stringify(doc));
  return dir;
}

function spec(mut: (s: Spec) => void): Spec {
  const s = defaultSpec();
  mut(s);
  return s;
}

const pointers = (s: Spec) => semanticIssues(s).map((i) => i.pointer);

describe("semantic checks (runc configs/validate)", () => {
  test("the default spec is valid", () => {
    expect(semanticIssues(defaultSpec())).toEqual([]);
  });
  test("process.user and its uid and gid are required on Linux", () => {
    expect(pointers(spec((s) => delete (s.process as { user?: unknown }).user))).toEqual(["/process/user"]);
    expect(pointers(spec((s) => (s.process!.user = {} as never)))).toEqual(["/process/user/uid", "/process/user/gid"]);
  });
  test("what config.md requires and the schema leaves optional: ioPriority.priority, personality.domain", () => {
    expect(pointers(spec((s) => (s.process!.ioPriority = { class: "IOPRIO_CLASS_BE" } as never)))).toEqual(["/process/ioPriority/priority"]);
    expect(pointers(spec((s) => (s.linux!.personality = { flags: [] } as never)))).toEqual(["/linux/personality/domain"]);
  });
  test("exec's process file gets the same process checks, at its root", () => {
    const proc = { ...defaultSpec().process!, user: { uid: 0 }, ioPriority: { class: "IOPRIO_CLASS_BE" }, args: [] } as never;
    expect(processIssues(proc, "").map((i) => i.pointer)).toEqual(["/args", "/user/gid", "/ioPriority/priority"]);
  });
  test("relative hook path, zero timeout", () => {
    expect(pointers(spec((s) => (s.hooks = { prestart: [{ path: "hook" }], poststop: [{ path: "/h", timeout: 0 }] })))).toEqual(["/hooks/prestart/0/path", "/hooks/poststop/0/timeout"]);
  });
  test("duplicate and unknown rlimits, soft above hard", () => {
    const issues = semanticIssues(spec((s) => (s.process!.rlimits = [{ type: "RLIMIT_NOFILE", soft: 1, hard: 1 }, { type: "RLIMIT_NOFILE", soft: 5, hard: 2 }, { type: "RLIMIT_BOGUS", soft: 1, hard: 1 }])));
    expect(issues.map((i) => i.pointer)).toEqual(["/process/rlimits/1/type", "/process/rlimits/1", "/process/rlimits/2/type"]);
    expect(issues[0]!.message).toContain("duplicate rlimit RLIMIT_NOFILE");
  });
  test("sysctls must belong to a namespace the container has", () => {
    const issues = semanticIssues(spec((s) => {
      s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== "network");
      s.linux!.sysctl = { "net.ipv4.ip_forward": "1", "kernel.shmmax": "1000", "vm.swappiness": "1" };
    }));
    expect(issues.map((i) => i.pointer)).toEqual(["/linux/sysctl/net.ipv4.ip_forward", "/linux/sysctl/vm.swappiness"]);
  });
  test("hostname needs a uts namespace; user namespace needs mappings; relative cwd", () => {
    expect(pointers(spec((s) => {
      s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== "uts");
      s.linux!.namespaces!.push({ type: "user" });
      s.process!.cwd = "tmp";
    }))).toEqual(["/process/cwd", "/hostname", "/linux/uidMappings"]);
  });
  test("a joined uts namespace may get a hostname (runc Namespaces.Contains)", () => {
    expect(pointers(spec((s) => (s.linux!.namespaces = s.linux!.namespaces!.map((n) => (n.type === "uts" ? { type: "uts", path: "/proc/1/ns/uts" } : n)))))).toEqual([]);
  });
  test("no mount namespace is allowed (config-linux.md: the runtime's is inherited), but not paths to mask or a read-only root", () => {
    const noMount = (s: Spec) => (s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== "mount"));
    expect(pointers(spec((s) => {
      noMount(s);
      delete s.linux!.maskedPaths;
      delete s.linux!.readonlyPaths;
      s.root = { path: "rootfs" };
    }))).toEqual([]);
    expect(pointers(spec((s) => {
      noMount(s);
      s.root = { path: "rootfs", readonly: true };
    }))).toEqual(["/linux/maskedPaths", "/linux/readonlyPaths", "/root/readonly"]);
  });
  test("duplicate namespaces, relative mount destination, device outside /dev", () => {
    expect(pointers(spec((s) => {
      s.linux!.namespaces!.push({ type: "pid" });
      s.mounts!.push({ destination: "data", type: "tmpfs", source: "tmpfs" });
      s.linux!.devices = [{ type: "c", path: "/etc/null", major: 1, minor: 3 }];
    }))).toEqual(["/mounts/7/destination", "/linux/namespaces/6/type", "/linux/devices/0/path"]);
  });
});

describe("loadBundleConfig", () => {
  test("loads a valid bundle and resolves the rootfs", () => {
    const dir = bundle(defaultSpec());
    const c = loadBundleConfig(dir);
    expect(c.rootfs).toBe(join(dir, "rootfs"));
    expect(c.file).toBe(join(dir, "config.json"));
  });
  test("bad JSON names the file", () => {
    const dir = bundle("{ nope");
    expect(() => loadBundleConfig(dir)).toThrow(`${dir}/config.json: not valid JSON`);
  });
  test("a schema error names file and pointer", () => {
    const dir = bundle(spec((s) => ((s.process as unknown as { args: unknown }).args = "sh")));
    expect(() => loadBundleConfig(dir)).toThrow(/config\.json: \/process\/args/);
  });
  test("a semantic error names file and pointer", () => {
    const dir = bundle(spec((s) => (s.process!.cwd = "relative")));
    expect(() => loadBundleConfig(dir)).toThrow(`${dir}/config.json: /process/cwd: must be an absolute path`);
  });
  test("a missing rootfs is reported at /root/path", () => {
    const dir = bundle(defaultSpec(), false);
    expect(() => loadBundleConfig(dir)).toThrow("/root/path: root filesystem");
  });
  test("a missing config.json is an ENOENT naming the path", () => {
    expect(() => loadBundleConfig("/nonexistent-bundle")).toThrow("read /nonexistent-bundle/config.json: ENOENT");
  });
});

describe("spec --rootless (runc ToRootless)", () => {
  test("adds a user namespace mapping the caller, drops the network namespace and resources, binds /sys", async () => {
    const { toRootless } = await import("../../../../runtime/lib/default-spec.ts");
    const s = toRootless(defaultSpec(), 1000, 1001);
    expect(s.linux!.namespaces!.map((n) => n.type)).toEqual(["pid", "ipc", "uts", "mount", "cgroup", "user"]);
    expect(s.linux!.uidMappings).toEqual([{ containerID: 0, hostID: 1000, size: 1 }]);
    expect(s.linux!.gidMappings).toEqual([{ containerID: 0, hostID: 1001, size: 1 }]);
    expect(s.linux!.resources).toBeUndefined();
    expect(s.mounts!.find((m) => m.destination === "/sys")).toEqual({ destination: "/sys", type: "none", source: "/sys", options: ["rbind", "nosuid", "noexec", "nodev", "ro"] });
    expect(s.mounts!.find((m) => m.destination === "/dev/pts")!.options).not.toContain("gid=5");
    expect(semanticIssues(s)).toEqual([]);
  });
});
