/**
 * The cgroup v2 code paths, exercised on this hybrid host's cgroup2 mount: it has no controllers
 * but hugetlb, yet its core files (cgroup.freeze, cgroup.events, cgroup.kill, cpu.stat) work, so a
 * placement restricted to the unified hierarchy runs the v2 freezer, kill and stats code for real.
 */
import { afterEach, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { posix } from "node:path";
import { cgroupPids, cgroupStats, freezeCgroup, freezerState, killCgroup, setupCgroup, thawCgroup, type CgroupPlacement } from "../../../runtime/lib/cgroups/index.ts";
import { Cleanup } from "../../../common/cleanup.ts";
import { describeRoot } from "../../fixtures/root.ts";
import { PURE_V2, blockDevices, defaultDirs, enter, leafIn, read, startSleep, track, uniqueId } from "./fixture.ts";

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

function unifiedOnly(p: CgroupPlacement): CgroupPlacement {
  return { path: p.path, dirs: [], procsFiles: [posix.join(leafIn(p, "unified"), "cgroup.procs")] };
}

describeRoot("cgroup v2 paths on the unified hierarchy", () => {
  test("freeze/thaw through cgroup.freeze and cgroup.events", () => {
    const p = track(cleanup, setupCgroup({ id: uniqueId("v2freeze") }));
    const sleep = startSleep(cleanup);
    enter(p, sleep.pid);
    const v2 = unifiedOnly(p);
    freezeCgroup(v2);
    expect(read(leafIn(p, "unified"), "cgroup.events")).toContain("frozen 1");
    expect(freezerState(v2)).toBe("frozen");
    if (!PURE_V2) expect(read(leafIn(p, "freezer"), "freezer.state")).toBe("THAWED"); // the v1 freezer was not used
    thawCgroup(v2);
    expect(read(leafIn(p, "unified"), "cgroup.events")).toContain("frozen 0");
    expect(freezerState(v2)).toBe("thawed");
  });

  test("signals through the v2 freezer, and cpu stats from the v2 cpu.stat", async () => {
    const p = track(cleanup, setupCgroup({ id: uniqueId("v2kill") }));
    const sleep = startSleep(cleanup);
    enter(p, sleep.pid);
    const v2 = unifiedOnly(p);
    expect(cgroupPids(v2)).toEqual([sleep.pid]);
    const stats = cgroupStats(v2) as any;
    expect(stats.cpu.usage).toHaveProperty("kernel");
    if (!PURE_V2) expect(stats.memory.usage).toEqual({ limit: 0, failcnt: 0 }); // memory is not on v2 here
    else expect(stats.memory.usage.usage).toBeGreaterThan(0); // memory.current
    killCgroup(v2, "SIGUSR1");
    await sleep.exited;
    expect(sleep.signalCode).toBe("SIGUSR1");
    expect(freezerState(v2)).toBe("thawed");
  });
});

describeRoot("errors for what this host's kernel lacks", () => {
  // BFQ is optional (CONFIG_IOSCHED_BFQ, and a module that may not be loaded): without it the v1
  // blkio hierarchy has no weight files at all (CFQ's blkio.weight went with CFQ in Linux 5.0).
  // v1 only: cgroup v2's io.weight / io.bfq.weight are covered by the translation's unit tests.
  test.skipIf(PURE_V2)("blkio weights go to the BFQ files, or without BFQ fail naming the file and pointer", () => {
    const bfq = existsSync("/sys/fs/cgroup/blkio/blkio.bfq.weight");
    const weight = { blockIO: { weight: 500 } };
    if (bfq) {
      const p = track(cleanup, setupCgroup({ id: uniqueId("weight"), resources: weight }));
      expect(read(leafIn(p, "blkio"), "blkio.bfq.weight")).toBe("500");
      // A device whose scheduler is not BFQ refuses a per-device BFQ weight.
      const dev = blockDevices().find((d) => d.scheduler !== "bfq");
      if (dev) {
        expect(() => track(cleanup, setupCgroup({ id: uniqueId("wdev"), resources: { blockIO: { weightDevice: [{ ...dev, weight: 300 }] } } }))).toThrow(
          new RegExp(`cannot set blkio device weight: write ${dev.major}:${dev.minor} 300 to .*/blkio\\.bfq\\.weight_device: ENOTSUP \\(config\\.json /linux/resources/blockIO/weightDevice/0/weight\\)`),
        );
      }
    } else {
      const id = uniqueId("weight");
      expect(() => track(cleanup, setupCgroup({ id, resources: weight }))).toThrow(
        /^cannot set blkio weight: write 500 to \/sys\/fs\/cgroup\/blkio\/.*\/blkio\.weight: ENOENT \(config\.json \/linux\/resources\/blockIO\/weight\)$/,
      );
      for (const d of defaultDirs(id)) expect(existsSync(d)).toBe(false);
      expect(() => track(cleanup, setupCgroup({ id: uniqueId("wdev"), resources: { blockIO: { weightDevice: [{ major: 254, minor: 0, weight: 300 }] } } }))).toThrow(
        /cannot set blkio device weight: write 254:0 300 to .*\/blkio\.weight_device: ENOENT \(config\.json \/linux\/resources\/blockIO\/weightDevice\/0\/weight\)/,
      );
    }
    // CFQ's leaf weights are gone since Linux 5.0.
    expect(() => track(cleanup, setupCgroup({ id: uniqueId("leaf"), resources: { blockIO: { leafWeight: 500 } } }))).toThrow(
      /cannot set blkio leaf weight: write 500 to \/sys\/fs\/cgroup\/blkio\/.*\/blkio\.leaf_weight: ENOENT \(config\.json \/linux\/resources\/blockIO\/leafWeight\)/,
    );
  });

  test("a hugepage size the kernel does not have", () => {
    // 64KB exists on arm64 (contiguous PTEs); pick a size this kernel lacks.
    const size = ["64KB", "32KB", "128KB"].find((s) => !existsSync(`/sys/kernel/mm/hugepages/hugepages-${parseInt(s)}kB`))!;
    expect(() => track(cleanup, setupCgroup({ id: uniqueId("huge"), resources: { hugepageLimits: [{ pageSize: size, limit: 65536 }] } }))).toThrow(new RegExp(`hugepage size ${size} is not supported`));
  });
});
