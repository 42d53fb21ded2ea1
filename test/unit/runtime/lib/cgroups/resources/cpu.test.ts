import { describe, expect, test } from "bun:test";
import { cpuWrites, sharesToWeight } from "../../../../../../runtime/lib/cgroups/resources/cpu.ts";
import { cpusetWrites } from "../../../../../../runtime/lib/cgroups/resources/cpuset.ts";
import { HYBRID, hostContext, pairs, V2 } from "../host-context.ts";

const v1 = hostContext({ versions: HYBRID });
const v2 = hostContext({ versions: V2 });

describe("cpu on cgroup v1", () => {
  test("every field, in runc's order", () => {
    const writes = cpuWrites({ shares: 512, quota: 50000, period: 100000, burst: 1000, realtimePeriod: 1000000, realtimeRuntime: 950000, idle: 0 }, v1);
    expect(pairs(writes)).toEqual([
      ["cpu.rt_period_us", "1000000"],
      ["cpu.rt_runtime_us", "950000"],
      ["cpu.shares", "512"],
      ["cpu.cfs_period_us", "100000"],
      ["cpu.cfs_quota_us", "50000"],
      ["cpu.cfs_burst_us", "1000"],
      ["cpu.idle", "0"],
    ]);
    expect(writes.find((w) => w.file === "cpu.shares")!.verifyReadBack).toBe(true);
    expect(writes.find((w) => w.file === "cpu.cfs_period_us")!.retryAfterOnEinval).toBe(true);
    expect(writes.find((w) => w.file === "cpu.rt_period_us")!.retryAfterOnEinval).toBe(true);
  });

  test("period alone is not retried; quota -1 is written as is", () => {
    expect(cpuWrites({ period: 100000 }, v1)[0]!.retryAfterOnEinval).toBe(false);
    expect(pairs(cpuWrites({ quota: -1 }, v1))).toEqual([["cpu.cfs_quota_us", "-1"]]);
  });

  test("nothing set, nothing written; missing controller is an error", () => {
    expect(cpuWrites({}, v1)).toEqual([]);
    expect(cpuWrites({ cpus: "0" }, v1)).toEqual([]);
    expect(() => cpuWrites({ shares: 2 }, hostContext({ versions: {} }))).toThrow(/cpu cgroup controller is not available/);
  });
});

describe("cpu on cgroup v2", () => {
  test("idle, weight from shares, burst, max", () => {
    expect(pairs(cpuWrites({ shares: 1024, quota: 50000, period: 100000, burst: 1000, idle: 1 }, v2))).toEqual([
      ["cpu.idle", "1"],
      ["cpu.weight", "100"],
      ["cpu.max.burst", "1000"],
      ["cpu.max", "50000 100000"],
    ]);
  });

  test("period alone is 'max PERIOD'; quota alone has no period", () => {
    expect(pairs(cpuWrites({ period: 200000 }, v2))).toEqual([["cpu.max", "max 200000"]]);
    expect(pairs(cpuWrites({ quota: 20000 }, v2))).toEqual([["cpu.max", "20000"]]);
    expect(pairs(cpuWrites({ quota: -1, period: 100000 }, v2))).toEqual([["cpu.max", "max 100000"]]);
  });

  test("real-time limits are an error", () => {
    expect(() => cpuWrites({ realtimeRuntime: 1 }, v2)).toThrow(/not supported by cgroup v2.*realtimeRuntime/);
  });

  test("ConvertCPUSharesToCgroupV2Value (quadratic, opencontainers/cgroups)", () => {
    expect([0, 2, 3, 512, 1024, 2048, 262144, 300000].map(sharesToWeight)).toEqual([0, 1, 2, 59, 100, 174, 10000, 10000]);
  });
});

describe("cpuset", () => {
  test("cpus and mems, same files on v1 and v2", () => {
    for (const ctx of [v1, v2]) {
      expect(pairs(cpusetWrites({ cpus: "0-1", mems: "0" }, ctx))).toEqual([
        ["cpuset.cpus", "0-1"],
        ["cpuset.mems", "0"],
      ]);
    }
    expect(cpusetWrites({ shares: 10 }, v1)).toEqual([]);
  });
});
