import { describe, expect, test } from "bun:test";
import { binarySize, decimalSize, formatTable, fromRuntime, netBytes, runtimeStats, statsRow } from "../../../bocker/stats.ts";
import type { Stats } from "../../../schemas/generated/types/runtime-events.ts";

const entry = (usage: number, limit: number) => ({ usage, limit, failcnt: 0 });

/** A whole `events --stats` data object as bocker-runtime prints it, idle unless told. */
function stats(change: { cpuNs?: number; mem?: [number, number]; raw?: Record<string, number>; pids?: number; blkio?: Stats["blkio"] } = {}): Stats {
  const zero = entry(0, 0);
  return {
    cpu: { usage: { total: change.cpuNs ?? 0, kernel: 0, user: 0 }, throttling: {} },
    cpuset: { cpu_exclusive: 0, mem_hardwall: 0, mem_exclusive: 0, memory_migrate: 0, memory_spread_page: 0, memory_spread_slab: 0, memory_pressure: 0, sched_load_balance: 0, sched_relax_domain_level: 0 },
    memory: { usage: change.mem ? entry(...change.mem) : zero, swap: zero, kernel: zero, kernelTCP: zero, ...(change.raw ? { raw: change.raw } : {}) },
    pids: change.pids !== undefined ? { current: change.pids } : {},
    blkio: change.blkio ?? {},
    hugetlb: {},
    intel_rdt: {},
    network_interfaces: null,
  };
}

const NET_DEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:    1000      10    0    0    0     0          0         0     1000      10    0    0    0     0       0          0
  eth0:    1290      15    0    0    0     0          0         0      516       6    0    0    0     0       0          0
`;

describe("bocker stats", () => {
  test("network bytes leave lo out", () => {
    expect(netBytes(NET_DEV)).toEqual({ rx: 1290, tx: 516 });
  });

  test("memory use is usage minus inactive file pages; block I/O sums reads and writes", () => {
    const s = fromRuntime(
      stats({
        cpuNs: 5e8,
        mem: [10_000_000, 512_000_000],
        raw: { total_inactive_file: 4_000_000 },
        pids: 3,
        blkio: { ioServiceBytesRecursive: [{ op: "Read", value: 4096 }, { op: "Write", value: 1500 }, { op: "Read", value: 4096 }, { op: "Total", value: 9692 }] },
      }),
      { rx: 1290, tx: 516 },
      1000,
    );
    expect(s).toMatchObject({ memUsed: 6_000_000, memLimit: 512_000_000, blkRead: 8192, blkWrite: 1500, pids: 3 });
  });

  test("docker's units and columns", () => {
    expect(binarySize(512_000_000)).toBe("488.3MiB");
    expect(binarySize(228 * 1024)).toBe("228KiB");
    expect(binarySize(0)).toBe("0B");
    expect(decimalSize(1290)).toBe("1.29kB");
    expect(decimalSize(516)).toBe("516B");
    const prev = fromRuntime(stats(), { rx: 0, tx: 0 }, 0);
    const cur = fromRuntime(stats({ cpuNs: 5e8, mem: [1024, 2048] }), { rx: 1290, tx: 516 }, 1000);
    const row = statsRow("ps_1", "web", prev, cur);
    expect(row).toEqual(["ps_1", "web", "50.00%", "1KiB / 2KiB", "50.00%", "1.29kB / 516B", "0B / 0B", "0"]);
    expect(formatTable([row])).toBe(
      "CONTAINER ID   NAME   CPU %    MEM USAGE / LIMIT   MEM %    NET I/O         BLOCK I/O   PIDS\n" +
        "ps_1           web    50.00%   1KiB / 2KiB         50.00%   1.29kB / 516B   0B / 0B     0\n",
    );
    expect(statsRow("ps_2", "ps_2", undefined, undefined).slice(2)).toEqual(["--", "-- / --", "--", "--", "--", "--"]);
  });

  test("the runtime's output is read through the events schema: a stats event, or an error naming the command and the field", () => {
    const data = stats({ cpuNs: 7 });
    expect(runtimeStats("ps_1", JSON.stringify({ type: "stats", id: "ps_1", data })).cpu.usage.total).toBe(7);
    expect(() => runtimeStats("ps_1", JSON.stringify({ type: "stats", id: "ps_1", data: { ...data, memory: undefined } }))).toThrow(/bocker-runtime events --stats ps_1.*memory/s);
    expect(() => runtimeStats("ps_1", "runtime said no")).toThrow("bocker-runtime events --stats ps_1: not JSON: runtime said no");
  });
});
