/**
 * Where the kernel keeps each cgroup controller on this host: cgroup v1 (one mount per hierarchy),
 * v2 (one unified mount) or hybrid (both: v1 controllers plus a cgroup2 mount, usually at
 * /sys/fs/cgroup/unified, holding whatever controllers v1 did not claim). Read from
 * /proc/self/mountinfo (proc(5)) and /proc/self/cgroup (cgroups(7)); parsing is pure so it is
 * unit-tested on recorded texts. crun 1.8 refuses hybrid hosts; we place each controller where it is.
 */
import { readFileSync } from "node:fs";
import { posix } from "node:path";
import { parseMountinfo, type MountinfoEntry } from "../mountinfo.ts";

export interface Hierarchy {
  version: 1 | 2;
  /** Where the hierarchy is mounted: /sys/fs/cgroup/memory. */
  mountpoint: string;
  /** Which cgroup of the hierarchy the mount shows at its mountpoint (mountinfo field 4). */
  mountRoot: string;
  /** v1: the subsystems bound to it (and "name=…" for named hierarchies); v2: cgroup.controllers. */
  controllers: string[];
  /** This process's cgroup in the hierarchy (/proc/self/cgroup). */
  ownPath: string;
}

export type CgroupMode = "v1" | "v2" | "hybrid" | "none";

export interface CgroupLayout {
  mode: CgroupMode;
  hierarchies: Hierarchy[];
}

/** Known v1 subsystems (kernel cgroup_subsys.h); other super options are mount flags. */
const V1_SUBSYSTEMS = new Set([
  "cpuset", "cpu", "cpuacct", "blkio", "io", "memory", "devices", "freezer", "net_cls", "perf_event",
  "net_prio", "hugetlb", "pids", "rdma", "misc", "debug",
]);

/** The cgroup and cgroup2 mounts of a mountinfo text (mountinfo.ts parses it). */
export function parseCgroupMounts(mountinfo: string): MountinfoEntry[] {
  return parseMountinfo(mountinfo).filter((m) => m.fstype === "cgroup" || m.fstype === "cgroup2");
}

/** /proc/<pid>/cgroup → controller (or "name=x", or "" for the v2 entry) → cgroup path. */
export function parseProcCgroup(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (!line) continue;
    const first = line.indexOf(":");
    const second = line.indexOf(":", first + 1);
    if (first < 0 || second < 0) throw new Error(`invalid /proc/self/cgroup line: ${JSON.stringify(line)}`);
    const controllers = line.slice(first + 1, second);
    const path = line.slice(second + 1);
    for (const c of controllers.split(",")) out.set(c, path);
  }
  return out;
}

/**
 * Builds the layout. `v2Controllers(mountpoint)` returns the text of cgroup.controllers at the
 * cgroup2 mount (injected so tests can feed recorded hosts).
 */
export function buildLayout(mountinfo: string, procCgroup: string, v2Controllers: (mountpoint: string) => string): CgroupLayout {
  const own = parseProcCgroup(procCgroup);
  const seen = new Set<string>();
  const hierarchies: Hierarchy[] = [];
  for (const m of parseCgroupMounts(mountinfo)) {
    // The same hierarchy mounted twice (bind mounts) shares one superblock: keep the first.
    if (seen.has(m.dev)) continue;
    seen.add(m.dev);
    if (m.fstype === "cgroup2") {
      const ownPath = own.get("");
      if (ownPath === undefined) continue;
      const controllers = v2Controllers(m.mountpoint).split(/\s+/).filter(Boolean);
      hierarchies.push({ version: 2, mountpoint: m.mountpoint, mountRoot: m.root, controllers, ownPath });
    } else {
      const controllers = m.superOptions.filter((o) => V1_SUBSYSTEMS.has(o) || o.startsWith("name="));
      const key = controllers.find((c) => own.has(c));
      if (key === undefined) continue;
      hierarchies.push({ version: 1, mountpoint: m.mountpoint, mountRoot: m.root, controllers, ownPath: own.get(key)! });
    }
  }
  const v1 = hierarchies.some((h) => h.version === 1);
  const v2 = hierarchies.some((h) => h.version === 2);
  const mode: CgroupMode = v1 && v2 ? "hybrid" : v1 ? "v1" : v2 ? "v2" : "none";
  return { mode, hierarchies };
}

let cached: CgroupLayout | undefined;

/** The layout of this host as seen by this process (read once per process). */
export function detectCgroups(): CgroupLayout {
  cached ??= buildLayout(readFileSync("/proc/self/mountinfo", "utf8"), readFileSync("/proc/self/cgroup", "utf8"), (mp) => {
    try {
      return readFileSync(posix.join(mp, "cgroup.controllers"), "utf8");
    } catch {
      return "";
    }
  });
  return cached;
}

/** The hierarchy holding `controller`; "cgroup" means the v2 hierarchy's core files. */
export function hierarchyOf(layout: CgroupLayout, controller: string): Hierarchy | undefined {
  if (controller === "cgroup") return layout.hierarchies.find((h) => h.version === 2);
  return (
    layout.hierarchies.find((h) => h.version === 1 && h.controllers.includes(controller)) ??
    layout.hierarchies.find((h) => h.version === 2 && h.controllers.includes(controller))
  );
}

/** The directory of cgroup `path` (absolute within the hierarchy) under the hierarchy's mount. */
export function dirOf(h: Hierarchy, path: string): string {
  const root = h.mountRoot === "/" ? "" : h.mountRoot;
  if (root && path !== root && !path.startsWith(`${root}/`)) {
    throw new Error(`cgroup ${path} is outside the part of the hierarchy mounted at ${h.mountpoint} (${h.mountRoot})`);
  }
  return posix.join(h.mountpoint, path.slice(root.length));
}
