import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkRootfsAccess, checkUserNamespace, hostIdOf, idMapStrategy, idMapText, validateIdMappings, type HostIdentity } from "../../../../../runtime/lib/linux/idmap.ts";
import { userNamespaceMounts } from "../../../../../runtime/lib/linux/userns-mounts.ts";
import { compileCreate, compileExec, type CreateFacts } from "../../../../../runtime/lib/plan/compile.ts";
import { defaultSpec, toRootless } from "../../../../../runtime/lib/default-spec.ts";
import { defaultStateRoot } from "../../../../../runtime/lib/state.ts";
import type { Spec } from "../../../../../runtime/lib/spec-types.ts";
import { planFacts } from "../plan/plan-fixture.ts";

const USER: HostIdentity = { euid: 1000, egid: 1001, newuidmap: "/usr/bin/newuidmap", newgidmap: "/usr/bin/newgidmap" };
const own = (id: number) => [{ containerID: 0, hostID: id, size: 1 }];
const many = [{ containerID: 0, hostID: 1000, size: 1 }, { containerID: 1, hostID: 100000, size: 65536 }];

function facts(host?: HostIdentity): CreateFacts {
  return planFacts({ cgroupLayout: { unified: false, v1: ["memory"], hybridUnified: false }, host });
}

function rootlessSpec(mut: (s: Spec) => void = () => {}): Spec {
  const s = toRootless(defaultSpec(), 1000, 1001);
  delete s.linux!.seccomp;
  s.process!.terminal = false;
  mut(s);
  return s;
}

describe("id maps", () => {
  test("map text is one `container host size` line per range", () => {
    expect(idMapText(many)).toBe("0 1000 1\n1 100000 65536\n");
  });

  test("validation: empty ranges, 32-bit overflow, overlaps on either side, too many lines", () => {
    expect(() => validateIdMappings([], "/linux/uidMappings")).toThrow("/linux/uidMappings: a new user namespace needs at least one mapping");
    expect(() => validateIdMappings([{ containerID: 0, hostID: 1, size: 0 }], "/p")).toThrow("/p/0: range 0 1 0 is empty");
    expect(() => validateIdMappings([{ containerID: 0, hostID: 2 ** 32 - 1, size: 2 }], "/p")).toThrow("leaves the 32-bit id space");
    expect(() => validateIdMappings([{ containerID: 0, hostID: 10, size: 5 }, { containerID: 10, hostID: 14, size: 1 }], "/p")).toThrow("/p/1: range 10 14 1 overlaps /p/0");
    expect(() => validateIdMappings([{ containerID: 0, hostID: 10, size: 5 }, { containerID: 4, hostID: 100, size: 1 }], "/p")).toThrow("overlaps /p/0");
    expect(() => validateIdMappings(Array.from({ length: 341 }, (_, i) => ({ containerID: i, hostID: i, size: 1 })), "/p")).toThrow("at most 340");
    expect(() => validateIdMappings(many, "/p")).not.toThrow();
  });

  test("hostIdOf follows the ranges", () => {
    expect(hostIdOf(many, 0)).toBe(1000);
    expect(hostIdOf(many, 1000)).toBe(100999);
    expect(hostIdOf(many, 65537)).toBeUndefined();
  });

  test("strategy: root writes anything; a user writes only its own id (setgroups denied first) and uses the tools otherwise", () => {
    expect(idMapStrategy(many, many, { euid: 0, egid: 0 })).toEqual({ uid: "write", gid: "write", setgroupsDenied: false });
    expect(idMapStrategy(own(1000), own(1001), USER)).toEqual({ uid: "write", gid: "write", setgroupsDenied: true });
    expect(idMapStrategy(many, own(1001), USER)).toEqual({ uid: "tool", gid: "write", setgroupsDenied: true });
    expect(idMapStrategy(own(1000), many, USER)).toEqual({ uid: "write", gid: "tool", setgroupsDenied: false });
    // someone else's id is not "own": the kernel would refuse the direct write
    expect(idMapStrategy(own(1001), own(1001), USER).uid).toBe("tool");
    expect(() => idMapStrategy(many, own(1001), { euid: 1000, egid: 1001 })).toThrow("/linux/uidMappings: running unprivileged, the mappings may only map your own uid 1000 (one range of size 1) unless newuidmap (package uidmap)");
  });
});

describe("compiled plans", () => {
  const parent = (s: Spec, host?: HostIdentity) => compileCreate(s, facts(host)).plan.parent.map((x) => (x.op === "WRITE_CHILD_PROC" || x.op === "RUN_IDMAP_TOOL" ? `${x.op} ${x.args[0]}` : x.op));

  test("rootless single-id maps: uid_map, then setgroups deny, then gid_map (CVE-2014-8989); no setgroups(2) in the container", () => {
    expect(parent(rootlessSpec(), USER)).toEqual(["RELEASE_CHILD", "AWAIT_CHILD_USERNS", "WRITE_CHILD_PROC uid_map", "WRITE_CHILD_PROC setgroups", "WRITE_CHILD_PROC gid_map", "RESUME_CHILD"]);
    const c = compileCreate(rootlessSpec(), facts(USER));
    expect(c.plan.parent.find((x) => x.args[0] === "setgroups")!.args[1]).toBe("deny");
    expect(c.plan.init.map((x) => x.op)).not.toContain("SETGROUPS");
    expect(() => compileCreate(rootlessSpec((s) => (s.process!.user.additionalGids = [5])), facts(USER))).toThrow("/process/user/additionalGids: setgroups is denied");
  });

  test("rootless multi-range maps run newuidmap/newgidmap with the ranges; setgroups stays allowed", () => {
    const s = rootlessSpec((x) => {
      x.linux!.uidMappings = many;
      x.linux!.gidMappings = [{ containerID: 0, hostID: 1001, size: 1 }, { containerID: 1, hostID: 200000, size: 10 }];
    });
    const c = compileCreate(s, facts(USER));
    expect(parent(s, USER)).toEqual(["RELEASE_CHILD", "AWAIT_CHILD_USERNS", "RUN_IDMAP_TOOL /usr/bin/newuidmap", "RUN_IDMAP_TOOL /usr/bin/newgidmap", "RESUME_CHILD"]);
    expect(c.plan.parent[2]!.args[1]).toEqual(["0", "1000", "1", "1", "100000", "65536"]);
    expect(c.plan.init.map((x) => x.op)).toContain("SETGROUPS");
  });

  test("root writes every map itself and never touches setgroups", () => {
    const s = rootlessSpec((x) => (x.linux!.uidMappings = x.linux!.gidMappings = many));
    // then it opens the bind sources (here the rbind of /sys) in the container's mount namespace
    expect(parent(s)).toEqual(["RELEASE_CHILD", "AWAIT_CHILD_USERNS", "WRITE_CHILD_PROC uid_map", "WRITE_CHILD_PROC gid_map", "RESUME_CHILD", "SEND_MOUNT_SOURCES"]);
  });

  test("unprivileged without a user namespace is refused", () => {
    const s = rootlessSpec((x) => (x.linux!.namespaces = x.linux!.namespaces!.filter((n) => n.type !== "user")));
    expect(() => compileCreate(s, facts(USER))).toThrow("runs unprivileged (euid 1000), so the container needs a user namespace");
  });

  test("exec into a namespace that denies setgroups skips setgroups(2)", () => {
    const proc = rootlessSpec().process!;
    const base = { pid: 42, namespaces: ["user", "mount"], cgroupProcs: [], preserveFds: 0, foreground: true, pointerBase: "" };
    expect(compileExec(proc, { ...base, setgroupsDenied: true }).plan.init.map((x) => x.op)).not.toContain("SETGROUPS");
    expect(compileExec(proc, base).plan.init.map((x) => x.op)).toContain("SETGROUPS");
  });
});

describe("user namespace mounts", () => {
  const sysfs = { destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"] };
  test("sysfs becomes an rbind of the host /sys when the user namespace has no network namespace of its own", () => {
    expect(userNamespaceMounts([sysfs], { namespaces: [{ type: "user" }, { type: "mount" }] })).toEqual([
      { destination: "/sys", type: "bind", source: "/sys", options: ["rbind", "nosuid", "noexec", "nodev", "ro"] },
    ]);
  });
  test("unchanged with a new network namespace, or without a new user namespace", () => {
    expect(userNamespaceMounts([sysfs], { namespaces: [{ type: "user" }, { type: "network" }] })).toEqual([sysfs]);
    expect(userNamespaceMounts([sysfs], { namespaces: [{ type: "mount" }] })).toEqual([sysfs]);
    expect(userNamespaceMounts([sysfs], { namespaces: [{ type: "user", path: "/proc/1/ns/user" }] })).toEqual([sysfs]);
  });
});

describe("rootfs reachable by the mapped root", () => {
  const dir = mkdtempSync(join(tmpdir(), "bocker-idmap-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const me = process.geteuid!();
  const myGid = process.getegid!();

  test("a directory on the way that others cannot search is an error naming it", () => {
    const locked = join(dir, "locked");
    mkdirSync(join(locked, "rootfs"), { recursive: true });
    chmodSync(dir, 0o755);
    chmodSync(locked, 0o700);
    const maps = [{ containerID: 0, hostID: 900000, size: 10 }];
    expect(() => checkRootfsAccess(join(locked, "rootfs"), maps, maps)).toThrow(`${locked} (mode 0700, owner ${me}:${myGid}) cannot be searched by the container's root, host uid 900000 gid 900000`);
    chmodSync(locked, 0o711);
    expect(() => checkRootfsAccess(join(locked, "rootfs"), maps, maps)).not.toThrow();
  });

  test("an owner inside the mapping is fine (CAP_DAC_OVERRIDE in the namespace); an unmapped root is an error", () => {
    const mine = join(dir, "mine");
    mkdirSync(join(mine, "rootfs"), { recursive: true });
    chmodSync(mine, 0o700);
    const self = (id: number) => [{ containerID: 0, hostID: id, size: 1 }];
    expect(() => checkRootfsAccess(join(mine, "rootfs"), self(me), self(myGid))).not.toThrow();
    expect(() => checkRootfsAccess(join(mine, "rootfs"), [{ containerID: 1, hostID: me, size: 1 }], self(myGid))).toThrow("/linux/uidMappings: container uid 0 is not mapped");
  });
});

describe("process ids in a new user namespace", () => {
  const spec = (mut: (s: Spec) => void) => {
    const s = defaultSpec();
    s.linux!.namespaces!.push({ type: "user" });
    s.linux!.uidMappings = s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 100 }];
    mut(s);
    return s;
  };
  test("the user, group and additional groups must be mapped", () => {
    expect(() => checkUserNamespace(spec((s) => (s.process!.user = { uid: 100, gid: 0 })), "/")).toThrow("/process/user/uid: uid 100 is not mapped by linux.uidMappings");
    expect(() => checkUserNamespace(spec((s) => (s.process!.user = { uid: 0, gid: 200 })), "/")).toThrow("/process/user/gid: gid 200 is not mapped by linux.gidMappings");
    expect(() => checkUserNamespace(spec((s) => (s.process!.user = { uid: 99, gid: 99, additionalGids: [1, 150] })), "/")).toThrow("/process/user/additionalGids/1: gid 150");
    expect(() => checkUserNamespace(spec((s) => (s.process!.user = { uid: 99, gid: 99, additionalGids: [1] })), "/")).not.toThrow();
  });
  test("nothing to check without a new user namespace", () => {
    const s = defaultSpec();
    s.process!.user = { uid: 12345, gid: 12345 };
    expect(() => checkUserNamespace(s, "/nonexistent")).not.toThrow();
  });
});

describe("rootless defaults", () => {
  test("state root: $XDG_RUNTIME_DIR/bocker-runtime for a user, /run/bocker-runtime for root or without XDG_RUNTIME_DIR", () => {
    expect(defaultStateRoot(1000, { XDG_RUNTIME_DIR: "/run/user/1000" })).toEqual({ root: "/run/user/1000/bocker-runtime", xdg: true });
    expect(defaultStateRoot(0, { XDG_RUNTIME_DIR: "/run/user/0" })).toEqual({ root: "/run/bocker-runtime", xdg: false });
    expect(defaultStateRoot(1000, {})).toEqual({ root: "/run/bocker-runtime", xdg: false });
  });
});
