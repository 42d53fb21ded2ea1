/** What the plan compiler needs to know about the host, read here so compile.ts stays pure. */
import { statSync } from "node:fs";
import { detectCgroups } from "./cgroups/index.ts";
import type { CgroupMountFacts, SourceKind } from "./linux/mounts.ts";

export function sourceKind(path: string): SourceKind {
  try {
    return statSync(path).isDirectory() ? "dir" : "file";
  } catch {
    return "missing";
  }
}

/**
 * The cgroup hierarchies under /sys/fs/cgroup, as a `type: cgroup` mount reproduces them, from the
 * cgroups library's layout of this host (the same one the container's cgroups are placed in).
 */
export function readCgroupMountFacts(): CgroupMountFacts {
  const hierarchies = detectCgroups().hierarchies.filter((h) => h.mountpoint.startsWith("/sys/fs/cgroup"));
  return {
    unified: hierarchies.some((h) => h.version === 2 && h.mountpoint === "/sys/fs/cgroup"),
    v1: hierarchies.filter((h) => h.version === 1).map((h) => h.controllers.join(",")),
    hybridUnified: hierarchies.some((h) => h.version === 2 && h.mountpoint !== "/sys/fs/cgroup"),
  };
}
