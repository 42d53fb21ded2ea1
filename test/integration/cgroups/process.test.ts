import { afterEach, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import {
  cgroupPids,
  cgroupStats,
  destroyCgroup,
  findCgroupPlacement,
  freezeCgroup,
  freezerState,
  killCgroup,
  oomEvents,
  oomKillCount,
  setupCgroup,
  thawCgroup,
  updateCgroup,
} from "../../../runtime/lib/cgroups/index.ts";
import { formatSchemaIssues, validateRuntimeEvent } from "../../../schemas/index.ts";
import { Cleanup } from "../../../common/cleanup.ts";
import { describeRoot } from "../../fixtures/root.ts";
import { PURE_V2, enter, leafIn, procState, read, startSleep, track, uniqueId } from "./fixture.ts";

const cleanup = new Cleanup();

/** The task's state once it has settled: right after a freeze or thaw it may still show R a moment. */
async function settledState(pid: number, want: string): Promise<string> {
  for (let i = 0; i < 200 && procState(pid) !== want; i++) await Bun.sleep(10);
  return procState(pid);
}
afterEach(() => cleanup.run());

describeRoot("a process in the container's cgroups", () => {
  test("pids, freeze/thaw, stats, kill with SIGTERM, destroy leaves nothing", async () => {
    const p = track(cleanup, setupCgroup({ id: uniqueId("proc"), resources: { memory: { limit: 64 * 1024 * 1024 }, pids: { limit: 20 } } }));
    const sleep = startSleep(cleanup);
    enter(p, sleep.pid);
    expect(cgroupPids(p)).toEqual([sleep.pid]);

    freezeCgroup(p);
    expect(freezerState(p)).toBe("frozen");
    if (PURE_V2) expect(read(leafIn(p, "freezer"), "cgroup.events")).toContain("frozen 1");
    else expect(read(leafIn(p, "freezer"), "freezer.state")).toBe("FROZEN");
    // v1 frozen tasks sit in an uninterruptible wait; v2's freezer parks them in an interruptible one.
    expect(await settledState(sleep.pid, PURE_V2 ? "S" : "D")).toBe(PURE_V2 ? "S" : "D");
    thawCgroup(p);
    expect(freezerState(p)).toBe("thawed");
    expect(await settledState(sleep.pid, "S")).toBe("S");

    killCgroup(p, "SIGTERM");
    expect(await sleep.exited).not.toBe(0);
    expect(sleep.signalCode).toBe("SIGTERM");
    expect(freezerState(p)).toBe("thawed"); // the kill froze and thawed again
    expect(cgroupPids(p)).toEqual([]);
    destroyCgroup(p);
    for (const d of p.dirs) expect(existsSync(d)).toBe(false);
  });

  test("stats in runc's events --stats shape", async () => {
    const p = track(cleanup, setupCgroup({ id: uniqueId("stats"), resources: { memory: { limit: 64 << 20 }, pids: { limit: 20 }, hugepageLimits: [{ pageSize: "2MB", limit: 2 << 20 }] } }));
    // Work done after joining is what the cgroup accounts: count in the shell, then become sleep.
    const sh = Bun.spawn(["sh", "-c", "read x; i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; exec sleep 1000"], { stdin: "pipe" });
    cleanup.add("kill sh", async () => {
      if (sh.exitCode === null) sh.kill("SIGKILL");
      await sh.exited;
    });
    enter(p, sh.pid);
    sh.stdin.write("go\n");
    sh.stdin.flush();
    const comm = () => Bun.file(`/proc/${sh.pid}/comm`).text();
    for (let i = 0; i < 500 && (await comm()).trim() !== "sleep"; i++) await Bun.sleep(10);
    const stats = cgroupStats(p);
    const checked = validateRuntimeEvent({ type: "stats", id: "x", data: stats });
    expect(checked.ok ? "" : formatSchemaIssues("stats", checked.errors)).toBe("");
    expect(stats.pids).toEqual({ current: 1, limit: 20 });
    expect(stats.memory.usage).toMatchObject({ limit: 64 << 20, failcnt: 0 });
    expect(stats.memory.usage.usage).toBeGreaterThan(0);
    expect(stats.cpu.usage.total).toBeGreaterThan(0);
    if (PURE_V2) {
      expect(stats.memory.raw!.anon).toBeGreaterThanOrEqual(0); // memory.stat's v2 keys
    } else {
      expect(stats.memory.raw!.total_rss).toBeGreaterThanOrEqual(0);
      expect(stats.cpu.usage.percpu).toHaveLength(Number(read("/sys/fs/cgroup/cpuacct", "cpuacct.usage_percpu").split(" ").length));
    }
    expect(typeof stats.cpu.usage.kernel).toBe("number");
    // v1 cpusets are filled from the parent; a v2 cpuset.cpus left empty means "the parent's" (not reported, as runc fs2).
    if (!PURE_V2) expect(stats.cpuset.cpus!.length).toBeGreaterThan(0);
    expect(stats.hugetlb["2MB"]).toEqual({ failcnt: 0 });
    expect(stats.network_interfaces).toBeNull();
  });

  test("SIGKILL reaches every process, children included (cgroup.kill on the unified hierarchy)", async () => {
    const p = track(cleanup, setupCgroup({ id: uniqueId("killall") }));
    const parent = Bun.spawn(["sh", "-c", "read x; sleep 1000 & sleep 1000 & wait"], { stdin: "pipe", stdout: "ignore" });
    cleanup.add("kill sh", async () => {
      if (parent.exitCode === null) parent.kill("SIGKILL");
      await parent.exited;
    });
    enter(p, parent.pid);
    parent.stdin.write("go\n");
    parent.stdin.flush();
    for (let i = 0; i < 200 && cgroupPids(p).length < 3; i++) await Bun.sleep(10);
    const pids = cgroupPids(p);
    expect(pids).toHaveLength(3);
    killCgroup(p, 9);
    await parent.exited;
    for (let i = 0; i < 200 && cgroupPids(p).length > 0; i++) await Bun.sleep(10);
    expect(cgroupPids(p)).toEqual([]);
    for (const pid of pids) expect(existsSync(`/proc/${pid}/status`) && procState(pid) !== "Z").toBe(false);
    destroyCgroup(p); // retries EBUSY while the killed tasks are reaped
    for (const d of p.dirs) expect(existsSync(d)).toBe(false);
  });

  test("destroy waits for exiting tasks, and fails loudly if one stays", async () => {
    const p = track(cleanup, setupCgroup({ id: uniqueId("busy") }));
    const sleep = startSleep(cleanup);
    enter(p, sleep.pid);
    expect(() => destroyCgroup(p)).toThrow(/remove cgroup \/sys\/fs\/cgroup\/.*: EBUSY/);
    sleep.kill("SIGKILL");
    await sleep.exited;
    destroyCgroup(p);
    for (const d of p.dirs) expect(existsSync(d)).toBe(false);
  });

  test("update: runc semantics, only what is given; checkBeforeUpdate", () => {
    const p = track(cleanup, setupCgroup({ id: uniqueId("update"), resources: { memory: { limit: 64 << 20, swap: 64 << 20 }, pids: { limit: 5 }, cpu: { shares: 256 } } }));
    const memory = leafIn(p, "memory");
    // v1: memory+swap in memsw (raising both needs memsw first: the ordering makes it work); v2:
    // swap alone in memory.swap.max (runc fs2: swap - limit) and cpu.weight for shares.
    const [limitFile, swapFile] = PURE_V2 ? ["memory.max", "memory.swap.max"] : ["memory.limit_in_bytes", "memory.memsw.limit_in_bytes"];
    updateCgroup(p, { memory: { limit: 128 << 20, swap: 256 << 20 } });
    expect(read(memory, limitFile)).toBe(String(128 << 20));
    expect(read(memory, swapFile)).toBe(String(PURE_V2 ? 128 << 20 : 256 << 20));
    expect(read(leafIn(p, "pids"), "pids.max")).toBe("5");
    expect(read(leafIn(p, "cpu"), PURE_V2 ? "cpu.weight" : "cpu.shares")).toBe(PURE_V2 ? "35" : "256");
    // Lowering both: the limit must shrink first.
    updateCgroup(p, { memory: { limit: 32 << 20, swap: 32 << 20 }, pids: { limit: 0 } });
    expect(read(memory, limitFile)).toBe(String(32 << 20));
    expect(read(leafIn(p, "pids"), "pids.max")).toBe("max");
    // Devices are left alone unless given (v1: the devices list; v2's program is devices-bpf.test.ts).
    if (!PURE_V2) expect(read(leafIn(p, "devices"), "devices.list")).toContain("c 1:3 rwm");
    expect(() => updateCgroup(p, { memory: { limit: 1, checkBeforeUpdate: true } })).not.toThrow(); // empty cgroup: usage 0
    expect(() => updateCgroup(p, { memory: { limit: -5 } })).toThrow(/cannot set memory limit: write -5/);
  });

  // cpu.rt_* exist only with CONFIG_RT_GROUP_SCHED (off in many distribution kernels).
  test("realtime period and runtime: a period the kernel rejects first is retried after the runtime (runc)", () => {
    if (PURE_V2) {
      expect(() => track(cleanup, setupCgroup({ id: uniqueId("rt"), resources: { cpu: { realtimePeriod: 100000 } } }))).toThrow(
        "real-time cpu limits are not supported by cgroup v2 (config.json /linux/resources/cpu/realtimePeriod)",
      );
      return;
    }
    if (!existsSync("/sys/fs/cgroup/cpu/cpu.rt_period_us")) {
      const id = uniqueId("rt");
      expect(() => track(cleanup, setupCgroup({ id, resources: { cpu: { realtimePeriod: 100000 } } }))).toThrow(
        /^cannot set cpu realtime period: write 100000 to \/sys\/fs\/cgroup\/cpu\/.*\/cpu\.rt_period_us: ENOENT \(config\.json \/linux\/resources\/cpu\/realtimePeriod\)$/,
      );
      return;
    }
    const p = track(cleanup, setupCgroup({ id: uniqueId("rt"), resources: { cpu: { realtimePeriod: 100000, realtimeRuntime: 50000 } } }));
    const cpu = leafIn(p, "cpu");
    expect([read(cpu, "cpu.rt_period_us"), read(cpu, "cpu.rt_runtime_us")]).toEqual(["100000", "50000"]);
    // period 10000 < current runtime 50000: EINVAL until the runtime has shrunk.
    updateCgroup(p, { cpu: { realtimePeriod: 10000, realtimeRuntime: 5000 } });
    expect([read(cpu, "cpu.rt_period_us"), read(cpu, "cpu.rt_runtime_us")]).toEqual(["10000", "5000"]);
    expect(() => updateCgroup(p, { cpu: { realtimePeriod: 1000 } })).toThrow(/cannot set cpu realtime period: write 1000 to .*cpu\.rt_period_us: EINVAL/);
  });

  test("an OOM kill is counted and reported as an event", async () => {
    // Swap accounting may be off (no memory.memsw.*): then only the limit, and the hog may swap a while.
    const swap = existsSync("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes") || PURE_V2 ? { swap: 16 << 20 } : {};
    const p = track(cleanup, setupCgroup({ id: uniqueId("oom"), resources: { memory: { limit: 16 << 20, ...swap } } }));
    expect(oomKillCount(p)).toBe(0);
    const abort = new AbortController();
    const seen = (async () => {
      for await (const e of oomEvents(p, { intervalMs: 20, signal: abort.signal })) return e;
    })();
    const hog = Bun.spawn(["sh", "-c", "read x; head -c 256m /dev/zero | tail"], { stdin: "pipe", stderr: "ignore" });
    cleanup.add("kill hog", async () => {
      if (hog.exitCode === null) hog.kill("SIGKILL");
      await hog.exited;
    });
    enter(p, hog.pid);
    hog.stdin.write("go\n");
    hog.stdin.flush();
    await hog.exited;
    expect(hog.exitCode).toBe(128 + 9); // tail, which holds the unbroken "line", was OOM-killed
    expect(await seen).toBe("oom");
    abort.abort();
    expect(oomKillCount(p)).toBeGreaterThanOrEqual(1);
  });

  test("after a crash, the placement is found again from the id (default rule)", () => {
    const id = uniqueId("lost");
    const p = track(cleanup, setupCgroup({ id }));
    const found = findCgroupPlacement({ id })!;
    expect(found.procsFiles.sort()).toEqual(p.procsFiles.sort());
    expect(found.dirs.sort()).toEqual(p.dirs.sort());
    destroyCgroup(found);
    for (const d of p.dirs) expect(existsSync(d)).toBe(false);
    expect(findCgroupPlacement({ id })).toBeUndefined();
  });
});
