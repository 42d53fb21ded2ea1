/**
 * Where `create` puts the container's cgroups. As root: always (runtime-spec config-linux.md
 * "Control groups"). Unprivileged (rootless), only where the cgroup tree was delegated to us;
 * otherwise the container runs without cgroups, as runc's rootless mode does (fs.Manager.Apply
 * drops a hierarchy on EPERM/EACCES/EROFS when no cgroupsPath was given). What runc does not let
 * pass, neither do we: an explicit cgroupsPath, or resource limits, that cannot be honoured.
 * linux.resources.devices is dropped: an unprivileged process can never write devices.allow/deny
 * (they need CAP_SYS_ADMIN in the initial namespace), and the user namespace already forbids mknod.
 */
import { RuntimeError } from "../errors.ts";
import { errnoOf } from "../../../common/errors.ts";
import type { Logger } from "../log.ts";
import type { Spec } from "../spec-types.ts";
import { setupCgroup } from "./manager.ts";
import { planSystemdCgroup } from "./systemd/scope.ts";
import type { CgroupPlacement } from "./types.ts";

const PERMISSION_ERRNOS = new Set(["EACCES", "EPERM", "EROFS"]);

function permissionDenied(err: unknown): boolean {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    const errno = (e as RuntimeError).context?.errno ?? errnoOf(e);
    if (errno && PERMISSION_ERRNOS.has(errno)) return true;
  }
  return false;
}

/** The linux.resources keys that set a limit (devices excepted, see above). */
export function rootlessLimits(resources: object | undefined): string[] {
  return Object.entries(resources ?? {})
    .filter(([key, value]) => key !== "devices" && value !== undefined && value !== null && !(typeof value === "object" && Object.keys(value).length === 0))
    .map(([key]) => key);
}

/**
 * `beforeCreate`: records the cgroup directories about to be made (delete --force after a crash).
 * With `systemd` nothing is made yet: the placement names the unit, which create starts with the
 * container's first pid (startSystemdCgroup at CGROUP_SYNC).
 */
export function placeContainer(id: string, spec: Spec, systemd: boolean, log: Logger, euid = process.geteuid!(), beforeCreate?: (planned: CgroupPlacement) => void): CgroupPlacement {
  if (systemd) {
    if (euid !== 0) throw new RuntimeError("CONFIG_INVALID", `--systemd-cgroup: running unprivileged (euid ${euid}) would need the user's own systemd instance, which bocker-runtime does not drive; leave --systemd-cgroup out`);
    const planned = planSystemdCgroup({ id, cgroupsPath: spec.linux?.cgroupsPath });
    beforeCreate?.(planned);
    return planned;
  }
  const request = { id, cgroupsPath: spec.linux?.cgroupsPath, systemd, warn: (m: string) => log.warn(m), beforeCreate };
  if (euid === 0) return setupCgroup({ ...request, resources: spec.linux?.resources ?? {}, confineDevices: true });
  const resources = { ...(spec.linux?.resources ?? {}) };
  if (resources.devices) log.debug(`rootless: ignoring linux.resources.devices (the devices cgroup needs root; the user namespace already forbids mknod)`);
  delete resources.devices;
  const limits = rootlessLimits(resources);
  try {
    const placement = setupCgroup({ ...request, resources, confineDevices: false });
    log.debug(`rootless: the cgroup tree is delegated to uid ${euid}; container placed at ${placement.path}`);
    return placement;
  } catch (err) {
    if (!permissionDenied(err)) throw err;
    const why = (err as Error).message;
    if (spec.linux?.cgroupsPath) {
      throw new RuntimeError("CONFIG_INVALID", `config.json /linux/cgroupsPath: running unprivileged (euid ${euid}), this user cannot set up cgroup ${spec.linux.cgroupsPath} (${why}); delegate it, or leave cgroupsPath out to run without cgroups`, { pointer: "/linux/cgroupsPath" }, err);
    }
    if (limits.length > 0) {
      // runc: "cannot set <controller> limit: container could not join or create cgroup".
      throw new RuntimeError("CONFIG_INVALID", `config.json /linux/resources: cannot set ${limits.join(", ")} limits: running unprivileged (euid ${euid}), the container could not create its cgroups (${why}); delegate a cgroup to this user or remove the limits`, { pointer: "/linux/resources" }, err);
    }
    log.debug(`rootless: no delegated cgroup (${why}); running without cgroups`);
    // Recorded as empty, not absent: delete must never go looking for a cgroup by the id's path rule.
    return { path: "", dirs: [], procsFiles: [] };
  }
}
