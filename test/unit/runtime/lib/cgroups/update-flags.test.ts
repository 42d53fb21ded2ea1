import { describe, expect, test } from "bun:test";
import { parseArgs } from "../../../../../runtime/lib/args.ts";
import { rdtFromFlags, resourcesFromFlags, UPDATE_FLAGS } from "../../../../../runtime/lib/cgroups/update-flags.ts";

function resources(argv: string[], warnings: string[] = []) {
  return resourcesFromFlags(parseArgs([...argv, "id"], UPDATE_FLAGS).flags, (w) => warnings.push(w));
}

describe("runc update flags → linux.resources", () => {
  test("every runc flag lands on its spec field; sizes take go-units suffixes", () => {
    const r = resources([
      "--memory", "50M", "--memory-swap", "-1", "--memory-reservation", "1g",
      "--cpu-share", "512", "--cpu-period", "100000", "--cpu-quota", "-1", "--cpu-burst", "1000",
      "--cpu-rt-period", "1000000", "--cpu-rt-runtime", "950000", "--cpu-idle", "1",
      "--cpuset-cpus", "0-1", "--cpuset-mems", "0", "--blkio-weight", "300", "--pids-limit", "42",
    ]);
    expect(r).toEqual({
      memory: { limit: 50 << 20, swap: -1, reservation: 1 << 30 },
      cpu: { shares: 512, period: 100000, quota: -1, burst: 1000, realtimePeriod: 1000000, realtimeRuntime: 950000, idle: 1, cpus: "0-1", mems: "0" },
      blockIO: { weight: 300 },
      pids: { limit: 42 },
    });
  });
  test("only what is given; 0 for the IntFlags blkio-weight and pids-limit means not given (runc)", () => {
    expect(resources(["--cpu-rt-runtime", "5000"])).toEqual({ cpu: { realtimeRuntime: 5000 } });
    expect(resources(["--blkio-weight", "0", "--pids-limit", "0"])).toEqual({});
    expect(resources(["--pids-limit", "-1"])).toEqual({ pids: { limit: -1 } });
    expect(resources(["--cpu-shares=256"])).toEqual({ cpu: { shares: 256 } });
  });
  test("kernel memory flags are accepted and ignored with runc's warning", () => {
    const warnings: string[] = [];
    expect(resources(["--kernel-memory", "50M", "--kernel-memory-tcp", "1M"], warnings)).toEqual({});
    expect(warnings).toEqual(["Setting --kernel-memory is ignored and will be removed", "Setting --kernel-memory-tcp is ignored and will be removed"]);
  });
  test("bad values name the flag", () => {
    expect(() => resources(["--memory", "lots"])).toThrow("invalid value for memory: invalid size: 'lots'");
    expect(() => resources(["--cpu-period", "-5"])).toThrow('invalid value for cpu-period: "-5" is not an integer');
    expect(() => resources(["--cpu-quota", "1.5"])).toThrow("invalid value for cpu-quota");
  });
  test("the Intel RDT schema flags are read apart from the cgroup resources", () => {
    expect(resources(["--l3-cache-schema", "L3:0=ff", "--mem-bw-schema", "MB:0=70"])).toEqual({});
    const rdt = (argv: string[]) => rdtFromFlags(parseArgs(argv, UPDATE_FLAGS).flags);
    expect(rdt(["--l3-cache-schema", "L3:0=ff"])).toEqual({ l3CacheSchema: "L3:0=ff", memBwSchema: undefined });
    expect(rdt(["--mem-bw-schema", "MB:0=70", "--memory", "1M"])).toEqual({ l3CacheSchema: undefined, memBwSchema: "MB:0=70" });
    expect(rdt(["--memory", "1M"])).toBeUndefined();
  });
});
