import { describe, expect, test } from "bun:test";
import { buildLayout } from "../../../../../runtime/lib/cgroups/detect.ts";
import { leafFor, placementLeaves } from "../../../../../runtime/lib/cgroups/fs.ts";
import { blkioEntries, ioStatEntries, keyValues } from "../../../../../runtime/lib/cgroups/stats.ts";

describe("stats parsers", () => {
  test("key/value files", () => {
    expect(keyValues("oom_kill_disable 0\nunder_oom 1\noom_kill 3\n")).toEqual({ oom_kill_disable: 0, under_oom: 1, oom_kill: 3 });
    expect(keyValues("usage_usec 100\nuser_usec 60\n\n")).toEqual({ usage_usec: 100, user_usec: 60 });
    expect(keyValues(undefined)).toEqual({});
  });

  test("v1 blkio lines: Total and blank lines are skipped, zero minor/value omitted like Go's omitempty", () => {
    expect(blkioEntries("8:0 Read 4096\n8:0 Write 0\nTotal 4096\n")).toEqual([
      { major: 8, op: "Read", value: 4096 },
      { major: 8, op: "Write" },
    ]);
  });

  test("v2 io.stat maps onto the v1 shape (runc fs2 statIo)", () => {
    expect(ioStatEntries("254:0 rbytes=1024 wbytes=2048 rios=1 wios=2 dbytes=0 dios=0\n")).toEqual({
      bytes: [
        { major: 254, op: "Read", value: 1024 },
        { major: 254, op: "Write", value: 2048 },
      ],
      ios: [
        { major: 254, op: "Read", value: 1 },
        { major: 254, op: "Write", value: 2 },
      ],
    });
  });
});

describe("placement → hierarchies", () => {
  const layout = buildLayout(
    "32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n",
    "4:memory:/\n1:cpu:/\n0::/\n",
    () => "hugetlb",
  );
  test("each cgroup.procs is matched to its hierarchy by mountpoint", () => {
    const leaves = placementLeaves(["/sys/fs/cgroup/memory/x/cgroup.procs", "/sys/fs/cgroup/unified/x/cgroup.procs", "/elsewhere/cgroup.procs"], layout);
    expect(leaves.map((l) => [l.hierarchy.mountpoint, l.dir])).toEqual([
      ["/sys/fs/cgroup/memory", "/sys/fs/cgroup/memory/x"],
      ["/sys/fs/cgroup/unified", "/sys/fs/cgroup/unified/x"],
    ]);
    expect(leafFor(leaves, "hugetlb")?.dir).toBe("/sys/fs/cgroup/unified/x");
    expect(leafFor(leaves, "cgroup")?.dir).toBe("/sys/fs/cgroup/unified/x");
    expect(leafFor(leaves, "cpu")).toBeUndefined();
  });
});
