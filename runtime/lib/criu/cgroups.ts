/**
 * What criu needs to know about the container's cgroups, read from its recorded placement and the
 * host's layout (cgroups/detect.ts): the freezer to stop the tree with (runc FreezeCgroup), the v1
 * hierarchies a `cgroup` mount binds into the container (linux/mounts.ts: external mounts for
 * criu), and, for restore, the cgroup-root of each hierarchy so the restored tasks land in the new
 * container's cgroups (runc criuApplyCgroups: CgRoot per controller). On a pure cgroup v2 host
 * that is the one unified directory, under criu's "" key, frozen through its cgroup.freeze
 * (criu 3.17 and 4.1 do both; test/v2/run.sh checks 3.17 there).
 */
import { dirname, relative } from "node:path";
import { detectCgroups, type CgroupPlacement } from "../cgroups/index.ts";

export interface CriuCgroupView {
  /** The freezer directory of the container (v1 freezer, or the v2 cgroup itself). */
  freezerDir?: string;
  /** Directory name under /sys/fs/cgroup of each bound v1 hierarchy → the container's directory in it. */
  binds: Record<string, string>;
  /** criu's controller key ("memory", "cpu,cpuacct", "name=systemd"; "" for cgroup2) → path in the hierarchy. */
  roots: Record<string, string>;
}

const CGROUP_ROOT = "/sys/fs/cgroup/";

export function criuCgroupView(placement: CgroupPlacement): CriuCgroupView {
  const view: CriuCgroupView = { binds: {}, roots: {} };
  const hierarchies = detectCgroups().hierarchies;
  for (const file of placement.procsFiles) {
    const dir = dirname(file);
    const h = hierarchies.filter((x) => dir === x.mountpoint || dir.startsWith(`${x.mountpoint}/`)).sort((a, b) => b.mountpoint.length - a.mountpoint.length)[0];
    if (!h) continue;
    const inHierarchy = `/${relative(h.mountpoint, dir)}`;
    if (h.version === 2) {
      view.roots[""] = inHierarchy;
      if (h.mountpoint === "/sys/fs/cgroup") view.freezerDir ??= dir;
      continue;
    }
    view.roots[h.controllers.join(",")] = inHierarchy;
    if (h.controllers.includes("freezer")) view.freezerDir = dir;
    // linux/mounts.ts binds the container's own directory of each v1 hierarchy under /sys/fs/cgroup.
    if (h.mountpoint.startsWith(CGROUP_ROOT)) view.binds[h.mountpoint.slice(CGROUP_ROOT.length)] = dir;
  }
  return view;
}
