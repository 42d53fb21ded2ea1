import { describe, expect, test } from "bun:test";
import { binarySize, decimalSize, formatTable, fromRuntime, netBytes, statsRow } from "../../../bocker/stats.ts";

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
      {
        cpu: { usage: { total: 5e8 } },
        memory: { usage: { usage: 10_000_000, limit: 512_000_000 }, raw: { total_inactive_file: 4_000_000 } },
        pids: { current: 3 },
        blkio: { ioServiceBytesRecursive: [{ op: "Read", value: 4096 }, { op: "Write", value: 1500 }, { op: "Read", value: 4096 }, { op: "Total", value: 9692 }] },
      },
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
    const prev = fromRuntime({ cpu: { usage: { total: 0 } } }, { rx: 0, tx: 0 }, 0);
    const cur = fromRuntime({ cpu: { usage: { total: 5e8 } }, memory: { usage: { usage: 1024, limit: 2048 } } }, { rx: 1290, tx: 516 }, 1000);
    const row = statsRow("ps_1", "web", prev, cur);
    expect(row).toEqual(["ps_1", "web", "50.00%", "1KiB / 2KiB", "50.00%", "1.29kB / 516B", "0B / 0B", "0"]);
    expect(formatTable([row])).toBe(
      "CONTAINER ID   NAME   CPU %    MEM USAGE / LIMIT   MEM %    NET I/O         BLOCK I/O   PIDS\n" +
        "ps_1           web    50.00%   1KiB / 2KiB         50.00%   1.29kB / 516B   0B / 0B     0\n",
    );
    expect(statsRow("ps_2", "ps_2", undefined, undefined).slice(2)).toEqual(["--", "-- / --", "--", "--", "--", "--"]);
  });
});
