import { describe, expect, test } from "bun:test";
import { buildLayout, dirOf, hierarchyOf, parseCgroupMounts, parseProcCgroup } from "../../../../../runtime/lib/cgroups/detect.ts";

/** Recorded from the development machine (Debian 12, hybrid, no systemd). */
const HYBRID_MOUNTINFO = `22 1 254:0 / / rw,relatime - ext4 /dev/vda rw
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;
const HYBRID_CGROUP = `9:name=systemd:/
8:pids:/
7:blkio:/
6:freezer:/
5:devices:/
4:memory:/process_api/00b4
3:cpuset:/
2:cpuacct:/
1:cpu:/
0::/
`;

/** A systemd host on cgroup v2 only. */
const V2_MOUNTINFO = `24 1 8:1 / / rw - ext4 /dev/sda1 rw
28 24 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
`;
const V2_CGROUP = "0::/user.slice/user-1000.slice/session-3.scope\n";

/** Inside a docker container on a v1 host: cpu,cpuacct co-mounted, mount roots are the container's cgroup. */
const DOCKER_V1_MOUNTINFO = `600 500 0:50 / / rw - overlay overlay rw
610 600 0:60 /docker/abc /sys/fs/cgroup/cpu,cpuacct ro,nosuid - cgroup cgroup rw,cpu,cpuacct
611 600 0:61 /docker/abc /sys/fs/cgroup/memory ro,nosuid - cgroup cgroup rw,memory
612 600 0:62 /docker/abc /sys/fs/cgroup/systemd ro,nosuid - cgroup cgroup rw,xattr,name=systemd
613 600 0:61 /docker/abc /mnt/memory\\040copy ro - cgroup cgroup rw,memory
`;
const DOCKER_V1_CGROUP = `12:memory:/docker/abc
4:cpu,cpuacct:/docker/abc/sub
1:name=systemd:/docker/abc
`;

describe("detect", () => {
  test("this machine: hybrid, every v1 controller and hugetlb on v2", () => {
    const layout = buildLayout(HYBRID_MOUNTINFO, HYBRID_CGROUP, () => "hugetlb\n");
    expect(layout.mode).toBe("hybrid");
    expect(layout.hierarchies).toHaveLength(10);
    expect(hierarchyOf(layout, "memory")).toMatchObject({ version: 1, mountpoint: "/sys/fs/cgroup/memory", ownPath: "/process_api/00b4" });
    expect(hierarchyOf(layout, "hugetlb")).toMatchObject({ version: 2, mountpoint: "/sys/fs/cgroup/unified", ownPath: "/" });
    expect(hierarchyOf(layout, "cgroup")?.version).toBe(2);
    expect(hierarchyOf(layout, "name=systemd")?.mountpoint).toBe("/sys/fs/cgroup/systemd");
    expect(hierarchyOf(layout, "net_cls")).toBeUndefined();
  });

  test("pure v2", () => {
    const layout = buildLayout(V2_MOUNTINFO, V2_CGROUP, (mp) => (mp === "/sys/fs/cgroup" ? "cpuset cpu io memory hugetlb pids rdma misc" : ""));
    expect(layout.mode).toBe("v2");
    expect(layout.hierarchies).toEqual([
      { version: 2, mountpoint: "/sys/fs/cgroup", mountRoot: "/", controllers: ["cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma", "misc"], ownPath: "/user.slice/user-1000.slice/session-3.scope" },
    ]);
    expect(hierarchyOf(layout, "memory")?.version).toBe(2);
  });

  test("v1 in a container: co-mounted controllers, mount roots, duplicate mounts dropped", () => {
    const layout = buildLayout(DOCKER_V1_MOUNTINFO, DOCKER_V1_CGROUP, () => "");
    expect(layout.mode).toBe("v1");
    expect(layout.hierarchies.map((h) => h.controllers)).toEqual([["cpu", "cpuacct"], ["memory"], ["name=systemd"]]);
    const cpu = hierarchyOf(layout, "cpuacct")!;
    expect(cpu.ownPath).toBe("/docker/abc/sub");
    expect(dirOf(cpu, "/docker/abc/sub/x")).toBe("/sys/fs/cgroup/cpu,cpuacct/sub/x");
    expect(() => dirOf(cpu, "/elsewhere")).toThrow(/outside the part of the hierarchy/);
  });

  test("mountinfo escapes and non-cgroup mounts", () => {
    const mounts = parseCgroupMounts(DOCKER_V1_MOUNTINFO);
    expect(mounts.map((m) => m.mountpoint)).toContain("/mnt/memory copy");
    expect(parseCgroupMounts("22 1 254:0 / / rw - ext4 /dev/vda rw\n")).toEqual([]);
  });

  test("no cgroups at all", () => {
    expect(buildLayout("22 1 254:0 / / rw - ext4 /dev/vda rw\n", "", () => "").mode).toBe("none");
  });

  test("/proc/self/cgroup parsing", () => {
    const m = parseProcCgroup(DOCKER_V1_CGROUP);
    expect(m.get("cpu")).toBe("/docker/abc/sub");
    expect(m.get("cpuacct")).toBe("/docker/abc/sub");
    expect(m.get("name=systemd")).toBe("/docker/abc");
    expect(() => parseProcCgroup("garbage\n")).toThrow(/invalid \/proc\/self\/cgroup line/);
  });
});
