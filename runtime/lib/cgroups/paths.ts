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
 * (runc specconv), mapped onto cgroupfs as <expanded slice>/<prefix>-<name>.scope.
 */
import { posix } from "node:path";
import { invalid } from "./resources/common.ts";

export interface PathRequest {
  id: string;
  cgroupsPath?: string;
  systemd?: boolean;
  /** Whether systemd is PID 1 (sd_booted: /run/systemd/system exists); only changes the warning. */
  systemdRunning?: boolean;
}

export interface ResolvedPath {
  /** Absolute ("/a/b") or relative to the runtime's own cgroup ("a/b"). */
  path: string;
  relative: boolean;
  warnings: string[];
}

const POINTER = "/linux/cgroupsPath";
/** Default systemd placement, as runc: system.slice, scope prefix = the runtime's name. */
const DEFAULT_SLICE = "system.slice";
const DEFAULT_PREFIX = "bocker-runtime";

/** systemd's unit_name_to_path for slices: "a-b-c.slice" → "/a.slice/a-b.slice/a-b-c.slice". */
export function expandSlice(slice: string): string {
  if (slice === "-.slice") return "/";
  const base = slice.endsWith(".slice") ? slice.slice(0, -".slice".length) : "";
  if (!base || slice.includes("/") || base.startsWith("-") || base.endsWith("-") || base.includes("--")) {
    throw invalid(POINTER, `invalid systemd slice name "${slice}"`);
  }
  const parts = base.split("-");
  return "/" + parts.map((_, i) => `${parts.slice(0, i + 1).join("-")}.slice`).join("/");
}

/** runc utils.CleanPath: a relative path cannot climb out of where it is joined ("../x" → "x"). */
function cleanPath(p: string): string {
  if (p.startsWith("/")) return posix.normalize(p).replace(/\/+$/, "") || "/";
  return posix.normalize(`/${p}`).slice(1).replace(/\/+$/, "");
}

export function resolveCgroupPath(req: PathRequest): ResolvedPath {
  if (!req.id || req.id.includes("/") || req.id === "." || req.id === "..") {
    throw invalid(POINTER, `container id "${req.id}" cannot name a cgroup`);
  }
  const warnings: string[] = [];
  if (req.systemd) {
    const spec = req.cgroupsPath ? req.cgroupsPath : `${DEFAULT_SLICE}:${DEFAULT_PREFIX}:${req.id}`;
    const parts = spec.split(":");
    if (parts.length !== 3) {
      throw invalid(POINTER, `expected cgroupsPath to be of format "slice:prefix:name" for systemd cgroups, got "${spec}"`);
    }
    const [slice, prefix, name] = parts as [string, string, string];
    if (!name || name.includes("/")) throw invalid(POINTER, `invalid systemd unit name "${name}" in cgroupsPath "${spec}"`);
    const unit = name.endsWith(".slice") ? name : prefix ? `${prefix}-${name}.scope` : `${name}.scope`;
    const path = name.endsWith(".slice") ? expandSlice(name) : posix.join(expandSlice(slice || DEFAULT_SLICE), unit);
    warnings.push(
      req.systemdRunning
        ? `--systemd-cgroup: ${spec} is created directly on cgroupfs as ${path}, not as a transient systemd unit`
        : `--systemd-cgroup: systemd is not running, mapping ${spec} onto cgroupfs as ${path}`,
    );
    return { path, relative: false, warnings };
  }
  const given = req.cgroupsPath ?? "";
  const path = given === "" ? req.id : cleanPath(given);
  if (path === "" || path === "/") {
    throw invalid(POINTER, `cgroupsPath "${given}" names the root cgroup, which a container cannot own`);
  }
  return { path, relative: !path.startsWith("/"), warnings };
}

/**
 * The cgroup of the container inside one hierarchy, given this process's cgroup there; `pureV2`:
 * the host has only the unified hierarchy, where a relative path goes under the parent of ownPath.
 */
export function cgroupPathIn(resolved: ResolvedPath, ownPath: string, pureV2 = false): string {
  if (!resolved.relative) return resolved.path;
  return posix.join(pureV2 ? posix.dirname(ownPath) : ownPath, resolved.path);
}
