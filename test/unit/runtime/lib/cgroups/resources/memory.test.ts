import { describe, expect, test } from "bun:test";
import { memoryWrites, swapToV2 } from "../../../../../../runtime/lib/cgroups/resources/memory.ts";
import { HYBRID, hostContext, pairs, V2 } from "../host-context.ts";

const v1 = hostContext({ versions: HYBRID });
const v2 = hostContext({ versions: V2 });

describe("memory on cgroup v1", () => {
  test("512 MB limit, reservation, swappiness, OOM killer, hierarchy", () => {
    const { writes, warnings } = memoryWrites(
      { limit: 536870912, reservation: 268435456, swappiness: 10, disableOOMKiller: true, useHierarchy: true },
      v1,
    );
    expect(warnings).toEqual([]);
    expect(pairs(writes)).toEqual([
      ["memory.limit_in_bytes", "536870912"],
      ["memory.soft_limit_in_bytes", "268435456"],
      ["memory.oom_control", "1"],
      ["memory.swappiness", "10"],
      ["memory.use_hierarchy", "1"],
    ]);
    expect(writes[0]!.pointer).toBe("/linux/resources/memory/limit");
  });

  test("memory+swap on a fresh cgroup: limit first, then memsw (runc setMemoryAndSwap)", () => {
    expect(pairs(memoryWrites({ limit: 100, swap: 200 }, v1).writes)).toEqual([
      ["memory.limit_in_bytes", "100"],
      ["memory.memsw.limit_in_bytes", "200"],
    ]);
  });

  test("raising above the current limit writes memsw first", () => {
    const ctx = hostContext({ versions: HYBRID, values: { "memory.limit_in_bytes": "100\n" }, update: true });
    expect(pairs(memoryWrites({ limit: 300, swap: 400 }, ctx).writes)).toEqual([
      ["memory.memsw.limit_in_bytes", "400"],
      ["memory.limit_in_bytes", "300"],
    ]);
  });

  test("unlimited memory without swap means unlimited swap too", () => {
    expect(pairs(memoryWrites({ limit: -1 }, v1).writes)).toEqual([
      ["memory.memsw.limit_in_bytes", "-1"],
      ["memory.limit_in_bytes", "-1"],
    ]);
    const noSwap = hostContext({ versions: HYBRID, files: ["memory.limit_in_bytes"] });
    expect(pairs(memoryWrites({ limit: -1 }, noSwap).writes)).toEqual([["memory.limit_in_bytes", "-1"]]);
  });

  test("a swap limit without swap accounting is an error", () => {
    const noSwap = hostContext({ versions: HYBRID, files: ["memory.limit_in_bytes"] });
    expect(() => memoryWrites({ limit: 100, swap: 200 }, noSwap)).toThrow(/no swap accounting.*\/linux\/resources\/memory\/swap/);
  });

  test("kernel and kernelTCP are ignored with a warning, as runc does", () => {
    const { writes, warnings } = memoryWrites({ kernel: 1000, kernelTCP: 1000 }, v1);
    expect(writes).toEqual([]);
    expect(warnings[0]).toMatch(/kernel memory settings are ignored/);
  });

  test("swappiness out of range is an error", () => {
    expect(() => memoryWrites({ swappiness: 101 }, v1)).toThrow(/0-100.*swappiness/);
  });

  test("checkBeforeUpdate refuses a limit below the current usage", () => {
    const ctx = hostContext({ versions: HYBRID, values: { "memory.usage_in_bytes": "5000\n" }, update: true });
    expect(() => memoryWrites({ limit: 4096, checkBeforeUpdate: true }, ctx)).toThrow(/below current usage 5000/);
    expect(pairs(memoryWrites({ limit: 8192, checkBeforeUpdate: true }, ctx).writes)).toEqual([["memory.limit_in_bytes", "8192"]]);
  });

  test("values beyond 2^53 keep their digits", () => {
    expect(memoryWrites({ limit: 2 ** 60 }, v1).writes[0]!.value).toBe("1152921504606846976");
  });

  test("a memory config on a host without the memory controller is an error", () => {
    expect(() => memoryWrites({ limit: 1 }, hostContext({ versions: { cgroup: 2 } }))).toThrow(/memory cgroup controller is not available/);
  });
});

describe("memory on cgroup v2", () => {
  test("limit, swap (minus memory), reservation", () => {
    expect(pairs(memoryWrites({ limit: 536870912, swap: 1073741824, reservation: 1024 }, v2).writes)).toEqual([
      ["memory.swap.max", "536870912"],
      ["memory.max", "536870912"],
      ["memory.low", "1024"],
    ]);
  });

  test("-1 is max; swap equal to memory disables swap", () => {
    expect(pairs(memoryWrites({ limit: -1 }, v2).writes)).toEqual([
      ["memory.swap.max", "max"],
      ["memory.max", "max"],
    ]);
    expect(pairs(memoryWrites({ limit: 100, swap: 100 }, v2).writes)).toEqual([
      ["memory.swap.max", "0"],
      ["memory.max", "100"],
    ]);
  });

  test("ConvertMemorySwapToCgroupV2Value cases", () => {
    expect(swapToV2(0, -1)).toBe(-1);
    expect(swapToV2(-1, 100)).toBe(-1);
    expect(swapToV2(500, -1)).toBe(500);
    expect(swapToV2(300, 100)).toBe(200);
    expect(() => swapToV2(300, 0)).toThrow(/without memory limit/);
    expect(() => swapToV2(50, 100)).toThrow(/should be >= memory limit/);
  });

  test("v1-only knobs are errors on v2", () => {
    expect(() => memoryWrites({ swappiness: 60 }, v2)).toThrow(/not supported by cgroup v2/);
    expect(() => memoryWrites({ disableOOMKiller: true }, v2)).toThrow(/not supported by cgroup v2/);
    expect(() => memoryWrites({ useHierarchy: false }, v2)).toThrow(/always hierarchical/);
  });

  test("without swap accounting max/0 are skipped, a real swap limit is an error", () => {
    const ctx = hostContext({ versions: V2, files: ["memory.max"] });
    expect(pairs(memoryWrites({ limit: 100, swap: 100 }, ctx).writes)).toEqual([["memory.max", "100"]]);
    expect(() => memoryWrites({ limit: 100, swap: 300 }, ctx)).toThrow(/memory.swap.max is missing/);
  });

  test("checkBeforeUpdate reads memory.current", () => {
    const ctx = hostContext({ versions: V2, values: { "memory.current": "9000" }, update: true });
    expect(() => memoryWrites({ limit: 100, checkBeforeUpdate: true }, ctx)).toThrow(/below current usage 9000/);
  });
});
