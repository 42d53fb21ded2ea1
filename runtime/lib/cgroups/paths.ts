/**
 * The cgroup path rule. runtime-spec config-linux.md "Cgroups Path": an absolute cgroupsPath is
 * taken as given (relative to each hierarchy's root); a relative one, and the default when none is
 * set, are relative to the runtime's own cgroup (runc fs: GetOwnCgroupPath + Join). On a pure
 * cgroup v2 host they are relative to its *parent* instead (runc fs2 defaultpath.go): under systemd
 * the runtime's own cgroup is a service or a login scope that always holds processes, and cgroup
 * v2's no-internal-process rule then forbids enabling domain controllers (memory, io) for any child
 * of it, while enabling only the threaded ones (cpu, cpuset, pids) turns it into a thread root whose
 * new children are "domain invalid" (cgroup.procs: EOPNOTSUPP). The parent (a slice) holds no
 * processes. Hybrid and v1 hosts keep their v1 controllers there, so the rule stays as it was. The
 * default name is the container id, as in runc. With --systemd-cgroup the path is "slice:prefix:name"
 * (runc specconv): systemd makes the unit's cgroup, <expanded slice>/<prefix>-<name>.scope.
 */
import { posix } from "node:path";
import { invalid } from "./resources/common.ts";
import { systemdUnitOf } from "./systemd/properties.ts";

export { expandSlice } from "./systemd/properties.ts";

export interface PathRequest {
  id: string;
  cgroupsPath?: string;
  systemd?: boolean;
}

export interface ResolvedPath {
  /** Absolute ("/a/b") or relative to the runtime's own cgroup ("a/b"). */
  path: string;
  relative: boolean;
}

const POINTER = "/linux/cgroupsPath";

/** runc utils.CleanPath: a relative path cannot climb out of where it is joined ("../x" → "x"). */
function cleanPath(p: string): string {
  if (p.startsWith("/")) return posix.normalize(p).replace(/\/+$/, "") || "/";
  return posix.normalize(`/${p}`).slice(1).replace(/\/+$/, "");
}

export function resolveCgroupPath(req: PathRequest): ResolvedPath {
  if (!req.id || req.id.includes("/") || req.id === "." || req.id === "..") {
    throw invalid(POINTER, `container id "${req.id}" cannot name a cgroup`);
  }
  if (req.systemd) return { path: systemdUnitOf(req.id, req.cgroupsPath).path, relative: false };
  const given = req.cgroupsPath ?? "";
  const path = given === "" ? req.id : cleanPath(given);
  if (path === "" || path === "/") {
    throw invalid(POINTER, `cgroupsPath "${given}" names the root cgroup, which a container cannot own`);
  }
  return { path, relative: !path.startsWith("/") };
}

/**
 * The cgroup of the container inside one hierarchy, given this process's cgroup there; `pureV2`:
 * the host has only the unified hierarchy, where a relative path goes under the parent of ownPath.
 */
export function cgroupPathIn(resolved: ResolvedPath, ownPath: string, pureV2 = false): string {
  if (!resolved.relative) return resolved.path;
  return posix.join(pureV2 ? posix.dirname(ownPath) : ownPath, resolved.path);
}
