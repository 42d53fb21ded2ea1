import { afterEach, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { posix } from "node:path";
import { destroyCgroup, detectCgroups, setupCgroup, systemdRunning, updateCgroup } from "../../../runtime/lib/cgroups/index.ts";
import { planSystemdCgroup } from "../../../runtime/lib/cgroups/systemd/scope.ts";
import { Cleanup } from "../../../common/cleanup.ts";
import { describeRoot } from "../../fixtures/root.ts";
import { PURE_V2, blockDevices, defaultDirs, enter, foreignCgroup, leafIn, leafOfController, read, startSleep, track, uniqueId } from "./fixture.ts";

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

describeRoot("setupCgroup on the real hierarchies", () => {
  test("confineDevices: false writes no device rules (rootless: devices.deny needs CAP_SYS_ADMIN)", () => {
    const p = track(cleanup, setupCgroup({ id: uniqueId("nodev"), confineDevices: false, resources: { pids: { limit: 5 } } }));
    // A new v1 devices cgroup inherits its parent's list; ours (the host's) allows everything.
    if (!PURE_V2) expect(read(leafIn(p, "devices"), "devices.list")).toBe("a *:* rwm");
    expect(read(leafIn(p, "pids"), "pids.max")).toBe("5");
  });

  test("creates the container under our own cgroup in every hierarchy and applies the limits", () => {
    const id = uniqueId("limits");
    const warnings: string[] = [];
    const { major, minor } = blockDevices()[0]!;
    const p = track(
      cleanup,
      setupCgroup({
        id,
        warn: (w) => warnings.push(w),
        resources: {
          // cgroup v2 has no memory.swappiness: asking for it there is an error (memory.ts).
          memory: { limit: 512 * 1024 * 1024, reservation: 256 * 1024 * 1024, ...(PURE_V2 ? {} : { swappiness: 20 }), kernel: 1 },
          cpu: { shares: 512, quota: 50000, period: 100000, cpus: "0", mems: "0" },
          pids: { limit: 10 },
          blockIO: { throttleReadBpsDevice: [{ major, minor, rate: 1048576 }], throttleWriteIOPSDevice: [{ major, minor, rate: 100 }] },
          hugepageLimits: [{ pageSize: "2MB", limit: 4 * 2097152 }],
        },
      }),
    );
    expect(p.path).toBe(id);
    expect(p.dirs.sort()).toEqual(defaultDirs(id).sort());
    expect(p.procsFiles).toHaveLength(detectCgroups().hierarchies.length);
    for (const f of p.procsFiles) expect(existsSync(f)).toBe(true);

    expect(warnings).toEqual([expect.stringMatching(/kernel memory settings are ignored/)]);
    if (PURE_V2) {
      // runc fs2: memory.max/low, cpu.weight and cpu.max, io.max per device, hugetlb.<size>.max.
      const dir = leafIn(p, "memory");
      expect(dir).toBe(defaultDirs(id)[0]!);
      expect([read(dir, "memory.max"), read(dir, "memory.low")]).toEqual(["536870912", "268435456"]);
      expect([read(dir, "cpu.weight"), read(dir, "cpu.max")]).toEqual(["59", "50000 100000"]);
      expect([read(dir, "cpuset.cpus"), read(dir, "cpuset.mems"), read(dir, "pids.max")]).toEqual(["0", "0", "10"]);
      expect(read(dir, "io.max")).toBe(`${major}:${minor} rbps=1048576 wbps=max riops=max wiops=100`);
      expect(read(dir, "hugetlb.2MB.max")).toBe("8388608");
      destroyCgroup(p);
      for (const d of p.dirs) expect(existsSync(d)).toBe(false);
      return;
    }
    const memory = leafIn(p, "memory");
    expect(memory).toBe(posix.join("/sys/fs/cgroup/memory", detectCgroups().hierarchies.find((h) => h.mountpoint.endsWith("memory"))!.ownPath, id));
    expect(read(memory, "memory.limit_in_bytes")).toBe("536870912");
    expect(read(memory, "memory.soft_limit_in_bytes")).toBe("268435456");
    expect(read(memory, "memory.swappiness")).toBe("20");
    expect(read(leafIn(p, "cpu"), "cpu.shares")).toBe("512");
    expect(read(leafIn(p, "cpu"), "cpu.cfs_quota_us")).toBe("50000");
    expect(read(leafIn(p, "cpu"), "cpu.cfs_period_us")).toBe("100000");
    expect(read(leafIn(p, "cpuset"), "cpuset.cpus")).toBe("0");
    expect(read(leafIn(p, "cpuset"), "cpuset.mems")).toBe("0");
    expect(read(leafIn(p, "pids"), "pids.max")).toBe("10");
    expect(read(leafIn(p, "blkio"), "blkio.throttle.read_bps_device")).toBe(`${major}:${minor} 1048576`);
    expect(read(leafIn(p, "blkio"), "blkio.throttle.write_iops_device")).toBe(`${major}:${minor} 100`);
    // hugetlb lives on the cgroup2 mount of this hybrid host, on others in its v1 hierarchy.
    const hugetlbV2 = detectCgroups().hierarchies.find((h) => h.controllers.includes("hugetlb"))!.version === 2;
    expect(read(leafOfController(p, "hugetlb"), hugetlbV2 ? "hugetlb.2MB.max" : "hugetlb.2MB.limit_in_bytes")).toBe("8388608");
    // runc's device policy: deny all, then the defaults.
    const devices = read(leafIn(p, "devices"), "devices.list").split("\n");
    expect(devices).toContain("c 1:3 rwm");
    expect(devices).toContain("c 136:* rwm");
    expect(devices).not.toContain("a *:* rwm");

    destroyCgroup(p);
    for (const d of p.dirs) expect(existsSync(d)).toBe(false);
  });

  test.skipIf(PURE_V2)("v1 device update: the kernel ends up with exactly the new rules, reached by differences", () => {
    const p = track(cleanup, setupCgroup({ id: uniqueId("devupdate") }));
    const list = () => read(leafIn(p, "devices"), "devices.list").split("\n");
    updateCgroup(p, { devices: [{ allow: false, access: "rwm" }, { allow: true, type: "c", major: 4, minor: 1, access: "rw" }] });
    expect(list()).toContain("c 4:1 rw");
    expect(list()).toContain("c 1:3 rwm");
    updateCgroup(p, { devices: [{ allow: false, access: "rwm" }, { allow: true, type: "c", major: 4, minor: 1, access: "r" }, { allow: true, type: "b", major: 8, minor: 0, access: "m" }] });
    expect(list()).toContain("c 4:1 r");
    expect(list()).toContain("b 8:0 m");
    expect(list()).toContain("c 136:* rwm");
    updateCgroup(p, { devices: [{ allow: false, access: "rwm" }] });
    expect(list().filter((l) => l.startsWith("c 4:") || l.startsWith("b 8:"))).toEqual([]);
    expect(list()).not.toContain("a *:* rwm");
  });

  test.skipIf(PURE_V2)("a new v1 cpuset cgroup inherits cpus and mems so tasks can join", () => {
    const p = track(cleanup, setupCgroup({ id: uniqueId("cpuset") }));
    const parent = read("/sys/fs/cgroup/cpuset", "cpuset.cpus");
    expect(read(leafIn(p, "cpuset"), "cpuset.cpus")).toBe(parent);
    expect(read(leafIn(p, "cpuset"), "cpuset.mems")).not.toBe("");
  });

  // v2 has no such trap: an empty cpuset.cpus there means "the parent's effective cpus".
  test.skipIf(!existsSync("/sys/fs/cgroup/cpuset/cpuset.cpus"))("v1 cpuset: empty ancestors someone else made (pod cgroups) are filled from their parents, set ones are kept", async () => {
    const pod = `/sys/fs/cgroup/cpuset/${uniqueId("pod")}`;
    foreignCgroup(cleanup, pod); // cpus and mems empty, as a pod cgroup made by another manager
    const sub = foreignCgroup(cleanup, `${pod}/set`);
    const p = track(cleanup, setupCgroup({ id: "c", cgroupsPath: `${pod.replace("/sys/fs/cgroup/cpuset", "")}/c` }));
    const sleep = startSleep(cleanup);
    enter(p, sleep.pid); // ENOSPC when any level has no cpus or mems
    expect(read(pod, "cpuset.cpus")).toBe(read("/sys/fs/cgroup/cpuset", "cpuset.cpus"));
    expect(read(pod, "cpuset.mems")).toBe(read("/sys/fs/cgroup/cpuset", "cpuset.mems"));
    // A level that already has cpus keeps them (never reshape what we did not create).
    writeFileSync(`${sub}/cpuset.cpus`, "0");
    writeFileSync(`${sub}/cpuset.mems`, read(pod, "cpuset.mems"));
    const q = track(cleanup, setupCgroup({ id: "c", cgroupsPath: `${sub.replace("/sys/fs/cgroup/cpuset", "")}/c` }));
    expect(read(sub, "cpuset.cpus")).toBe("0");
    expect(read(leafIn(q, "cpuset"), "cpuset.cpus")).toBe("0");
  });

  test("a memory limit the kernel rejects: error names file, value and pointer; nothing is left", () => {
    const id = uniqueId("badmem");
    let err: Error | undefined;
    try {
      track(cleanup, setupCgroup({ id, resources: { memory: { limit: -5 } } }));
    } catch (e) {
      err = e as Error;
    }
    expect(err?.message).toMatch(/^cannot set memory limit: write -5 to \/sys\/fs\/cgroup\/.*\/memory\.(limit_in_bytes|max): EINVAL \(config\.json \/linux\/resources\/memory\/limit\)$/);
    for (const d of defaultDirs(id)) expect(existsSync(d)).toBe(false);
  });

  test("cpuset cpus the host lacks: error names cpuset.cpus; nothing is left", () => {
    const id = uniqueId("badcpus");
    expect(() => track(cleanup, setupCgroup({ id, resources: { cpu: { cpus: "99" } } }))).toThrow(/cannot set cpuset cpus: write 99 to \/sys\/fs\/cgroup\/.*\/cpuset\.cpus: (ERANGE|EINVAL) \(config\.json \/linux\/resources\/cpu\/cpus\)/);
    for (const d of defaultDirs(id)) expect(existsSync(d)).toBe(false);
  });

  // v1 only: cgroup v2 takes cpu.weight, which the translation computes within its range.
  test.skipIf(PURE_V2)("cpu shares the kernel clamps are an error, not silently changed", () => {
    const id = uniqueId("shares");
    expect(() => track(cleanup, setupCgroup({ id, resources: { cpu: { shares: 1 } } }))).toThrow(/cannot set cpu shares: write 1 to .*cpu\.shares: the kernel accepted it as 2/);
    for (const d of defaultDirs(id)) expect(existsSync(d)).toBe(false);
  });

  test("network classID: written where net_cls is mounted, else an error and nothing is created", () => {
    const id = uniqueId("netcls");
    if (detectCgroups().hierarchies.some((h) => h.controllers.includes("net_cls"))) {
      const p = track(cleanup, setupCgroup({ id, resources: { network: { classID: 1 } } }));
      expect(read(leafOfController(p, "net_cls"), "net_cls.classid")).toBe("1");
      return;
    }
    expect(() => track(cleanup, setupCgroup({ id, resources: { network: { classID: 1 } } }))).toThrow(/net_cls cgroup controller is not available.*\/linux\/resources\/network\/classID/);
    for (const d of defaultDirs(id)) expect(existsSync(d)).toBe(false);
  });

  test.skipIf(!PURE_V2)("unified keys on a pure v2 host: written to the container's cgroup", () => {
    const p = track(cleanup, setupCgroup({ id: uniqueId("unified"), resources: { unified: { "memory.high": "1000000", "cgroup.max.descendants": "5" } } }));
    expect(read(leafIn(p, "unified"), "memory.high")).toBe("999424"); // rounded down to whole pages
    expect(read(leafIn(p, "unified"), "cgroup.max.descendants")).toBe("5");
  });

  test.skipIf(PURE_V2)("unified keys for v1 controllers are refused on this hybrid host; v2 ones are written", () => {
    const id = uniqueId("unified");
    expect(() => track(cleanup, setupCgroup({ id, resources: { unified: { "memory.high": "1000000" } } }))).toThrow(/controller "memory" is on a cgroup v1 hierarchy/);
    for (const d of defaultDirs(id)) expect(existsSync(d)).toBe(false);
    const p = track(cleanup, setupCgroup({ id, resources: { unified: { "hugetlb.2MB.max": "2097152", "cgroup.max.descendants": "5" } } }));
    expect(read(leafIn(p, "unified"), "hugetlb.2MB.max")).toBe("2097152");
    expect(read(leafIn(p, "unified"), "cgroup.max.descendants")).toBe("5");
  });

  test("nested relative paths: shared parents stay while another container uses them", () => {
    const group = uniqueId("group");
    const a = track(cleanup, setupCgroup({ id: "a", cgroupsPath: `${group}/a` }));
    const b = track(cleanup, setupCgroup({ id: "b", cgroupsPath: `${group}/b` }));
    const parent = posix.dirname(leafIn(a, "pids"));
    expect(a.dirs).toContain(parent); // a created the parent
    expect(b.dirs).not.toContain(parent); // b found it
    destroyCgroup(a);
    expect(existsSync(leafIn(a, "pids"))).toBe(false);
    expect(existsSync(parent)).toBe(true); // still holds b
    destroyCgroup(b);
    expect(existsSync(parent)).toBe(true); // b did not create it, so b does not remove it
    destroyCgroup(a); // a's record still names it; now empty, it goes
    expect(existsSync(parent)).toBe(false);
  });

  test("beforeCreate hears of every directory before the first mkdir, exactly those that get made", () => {
    const group = uniqueId("planned");
    const heard: Array<{ dirs: string[]; existing: string[] }> = [];
    const p = track(
      cleanup,
      setupCgroup({ id: "c", cgroupsPath: `${group}/c`, beforeCreate: (planned) => heard.push({ dirs: planned.dirs, existing: planned.dirs.filter((d) => existsSync(d)) }) }),
    );
    cleanup.add("the group", () => destroyCgroup({ path: group, dirs: p.dirs.filter((d) => d.endsWith(`/${group}`)), procsFiles: [] }));
    expect(heard).toHaveLength(1);
    expect(heard[0]!.existing).toEqual([]);
    expect(heard[0]!.dirs.sort()).toEqual([...p.dirs].sort());
  });

  test.skipIf(!PURE_V2)("v2: absolute path below a cgroup we did not create: only our part is removed", () => {
    const foreign = `/${uniqueId("foreign")}`;
    foreignCgroup(cleanup, `/sys/fs/cgroup${foreign}`);
    const p = track(cleanup, setupCgroup({ id: "c", cgroupsPath: `${foreign}/c`, resources: { pids: { limit: 3 } } }));
    expect(leafIn(p, "pids")).toBe(`/sys/fs/cgroup${foreign}/c`);
    expect(p.dirs).toEqual([`/sys/fs/cgroup${foreign}/c`]);
    expect(read(`/sys/fs/cgroup${foreign}/c`, "pids.max")).toBe("3");
    destroyCgroup(p);
    expect(existsSync(`/sys/fs/cgroup${foreign}/c`)).toBe(false);
    expect(existsSync(`/sys/fs/cgroup${foreign}`)).toBe(true);
  });

  test.skipIf(PURE_V2)("absolute path below a cgroup we did not create: only our part is removed", () => {
    const foreign = `/${uniqueId("foreign")}`;
    for (const name of ["pids", "memory", "freezer"]) foreignCgroup(cleanup, `/sys/fs/cgroup/${name}${foreign}`);
    const p = track(cleanup, setupCgroup({ id: "c", cgroupsPath: `${foreign}/c`, resources: { pids: { limit: 3 } } }));
    expect(leafIn(p, "pids")).toBe(`/sys/fs/cgroup/pids${foreign}/c`);
    expect(leafIn(p, "memory")).toBe(`/sys/fs/cgroup/memory${foreign}/c`); // absolute: not under our own cgroup
    expect(p.dirs).not.toContain(`/sys/fs/cgroup/pids${foreign}`);
    expect(p.dirs).toContain(`/sys/fs/cgroup/cpu${foreign}`); // cpu had no such parent: we made it
    destroyCgroup(p);
    expect(existsSync(`/sys/fs/cgroup/pids${foreign}/c`)).toBe(false);
    expect(existsSync(`/sys/fs/cgroup/pids${foreign}`)).toBe(true);
    expect(existsSync(`/sys/fs/cgroup/cpu${foreign}`)).toBe(false);
  });

  // The systemd driver itself (a transient unit) is tested where systemd is PID 1: systemd.test.ts.
  test("--systemd-cgroup: the cgroup is planned as the unit's, made by nobody but systemd", () => {
    expect(() => setupCgroup({ id: "x", systemd: true })).toThrow(/made by systemd/);
    const tag = uniqueId("sd").replace(/-/g, "_");
    if (!systemdRunning() || !PURE_V2) {
      const why = !systemdRunning() ? "systemd not running on this host, cannot use systemd cgroups manager" : "--systemd-cgroup needs a pure cgroup v2 host";
      expect(() => planSystemdCgroup({ id: "x", cgroupsPath: `${tag}-app.slice:bt:x` })).toThrow(why);
      return;
    }
    const p = planSystemdCgroup({ id: "x", cgroupsPath: `${tag}-app.slice:bt:x` });
    expect(p).toMatchObject({ path: `/${tag}.slice/${tag}-app.slice/bt-x.scope`, dirs: [], systemdUnit: "bt-x.scope" });
    expect(p.procsFiles).toEqual([`/sys/fs/cgroup/${tag}.slice/${tag}-app.slice/bt-x.scope/cgroup.procs`]);
    expect(existsSync(`/sys/fs/cgroup/${tag}.slice`)).toBe(false);
  });

  test("layout detection (hybrid here, v2 in test/v2/run.sh's VM) matches /proc/self/mountinfo", () => {
    const layout = detectCgroups();
    const lines = readFileSync("/proc/self/mountinfo", "utf8").split("\n");
    const v1 = lines.some((l) => / - cgroup /.test(l));
    const v2 = lines.some((l) => / - cgroup2 /.test(l));
    expect(layout.mode).toBe(v1 && v2 ? "hybrid" : v2 ? "v2" : "v1");
    const mounted = lines.filter((l) => / - cgroup2? /.test(l)).length;
    expect(layout.hierarchies).toHaveLength(mounted);
  });
});
