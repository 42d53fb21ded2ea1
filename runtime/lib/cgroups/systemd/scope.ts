/**
 * The systemd cgroup driver (--systemd-cgroup), as runc's libcontainer/cgroups/systemd: the
 * container's cgroup is a transient unit systemd owns, so systemd neither fights over it nor
 * trims it on the next daemon-reload, and `systemctl` shows it.
 *  1. planSystemdCgroup (before the helper runs): the unit name and the cgroup.procs files the plan
 *     joins; refuses a host without systemd as PID 1, as runc does.
 *  2. startSystemdCgroup (at CGROUP_SYNC, stage1 forked but not released): StartTransientUnit
 *     with PIDs=[stage1], Delegate=yes and the resource properties, waits for the job, then does
 *     what systemd does not (runc v2.go Apply + Set): enables the v2 controllers up the tree and
 *     writes every linux.resources value to the cgroup files with the cgroupfs code.
 * Pure cgroup v2 only: v1 and hybrid hosts are refused (runc's v1 manager speaks systemd's legacy
 * properties and joins the other v1 controllers by cgroupfs; not built here).
 *  3. updateSystemdCgroup: SetUnitProperties (runtime), then the files.
 *  4. removeSystemdCgroup: StopUnit and its job, then whatever directories are left.
 * A failure after the unit started stops it again: a failed create leaves no unit behind.
 */
import { existsSync } from "node:fs";
import { posix } from "node:path";
import { RuntimeError } from "../../errors.ts";
import { applyResources } from "../apply.ts";
import { detectCgroups, dirOf } from "../detect.ts";
import { placementLeaves, type Leaf } from "../fs.ts";
import { makeDirs, removeDirs, stderrWarn } from "../manager.ts";
import { checkV2Domains } from "../v2-tree.ts";
import type { CgroupPlacement } from "../types.ts";
import type { LinuxResources } from "../../spec-types.ts";
import { resourceProperties, systemdUnitOf, unitProperties } from "./properties.ts";

export interface SystemdRequest {
  id: string;
  cgroupsPath?: string;
  resources?: LinuxResources;
  warn?: (msg: string) => void;
  /** Timings of the D-Bus part (--debug). */
  debug?: (msg: string) => void;
}

/** sd_booted(): systemd is PID 1 when /run/systemd/system exists. */
export function systemdRunning(): boolean {
  return existsSync("/run/systemd/system");
}

/** The unit and the container's directory in every hierarchy, before anything exists. */
export function planSystemdCgroup(req: SystemdRequest): CgroupPlacement {
  if (!systemdRunning()) throw new RuntimeError("CONFIG_INVALID", "systemd not running on this host, cannot use systemd cgroups manager");
  const layout = detectCgroups();
  if (layout.hierarchies.length === 0) throw new RuntimeError("IO", "no cgroup hierarchy is mounted on this host (/proc/self/mountinfo)");
  if (layout.mode !== "v2") {
    // runc's v1 manager sends systemd's legacy properties (MemoryLimit=, CPUShares=, BlockIOWeight=)
    // and joins the controllers systemd does not manage by cgroupfs; that path is not built here.
    throw new RuntimeError("CONFIG_INVALID", `--systemd-cgroup needs a pure cgroup v2 host; this one is ${layout.mode} (use the cgroupfs driver: leave --systemd-cgroup out)`);
  }
  const unit = systemdUnitOf(req.id, req.cgroupsPath);
  const procsFiles = layout.hierarchies.map((h) => posix.join(dirOf(h, unit.path), "cgroup.procs"));
  return { path: unit.path, dirs: [], procsFiles, systemdUnit: unit.unit };
}

function leavesOf(p: CgroupPlacement): Leaf[] {
  return placementLeaves(p.procsFiles, detectCgroups());
}

/** The unit's cgroup directories that exist: systemd's, and those we made (p.dirs), deepest last. */
function existingDirs(p: CgroupPlacement): string[] {
  const leaves = p.procsFiles.map((f) => posix.dirname(f));
  return [...new Set([...p.dirs, ...leaves])].filter((d) => existsSync(d));
}

/**
 * Starts the unit with `pid` (stage1, not yet released) and applies the resources. Returns the
 * placement with the directories made here recorded, so delete removes exactly those besides
 * systemd's own.
 */
export async function startSystemdCgroup(planned: CgroupPlacement, pid: number, req: SystemdRequest): Promise<CgroupPlacement> {
  const warn = req.warn ?? stderrWarn;
  const unit = systemdUnitOf(req.id, req.cgroupsPath);
  const t0 = performance.now();
  const { connectSystemd } = await import("./bus.ts");
  const t1 = performance.now();
  const systemd = await connectSystemd();
  const t2 = performance.now();
  const placement: CgroupPlacement = { ...planned, dirs: [] };
  const warnings: string[] = [];
  let started = false;
  try {
    const resources = req.resources ?? {};
    const props = [...unitProperties(unit, req.id, pid), ...resourceProperties(resources, systemd.version, { devices: true, warn: (m) => warnings.push(m) })];
    await systemd.startTransientUnit(unit.unit, props);
    started = true;
    req.debug?.(`systemd ${systemd.version}: D-Bus client loaded in ${(t1 - t0).toFixed(1)} ms, connected in ${(t2 - t1).toFixed(1)} ms, ${unit.unit} started (job done) in ${(performance.now() - t2).toFixed(1)} ms`);
    const leaves = leavesOf(placement);
    // systemd makes a slice's cgroup lazily (when a unit joins it): the container joins it by cgroupfs.
    for (const leaf of leaves) if (!existsSync(leaf.dir)) makeDirs(leaf.dir, leaf.hierarchy.mountpoint, placement.dirs);
    checkV2Domains(leaves, true);
    warnings.push(...applyResources(resources, leaves, false, true));
  } catch (err) {
    try {
      if (started) await systemd.stopUnit(unit.unit);
      removeDirs(existingDirs(placement), new Set(placement.procsFiles.map((f) => posix.dirname(f))), false);
    } catch (cleanupErr) {
      warn(`create cleanup: stop ${unit.unit}: ${(cleanupErr as Error).message}`);
    }
    throw err;
  } finally {
    systemd.close();
  }
  for (const w of warnings) warn(w);
  return placement;
}

/** runc update with the systemd driver: the unit's properties (runtime only), then the files. */
export async function updateSystemdCgroup(p: CgroupPlacement, resources: LinuxResources, warn: (msg: string) => void = stderrWarn): Promise<void> {
  const { connectSystemd } = await import("./bus.ts");
  const systemd = await connectSystemd();
  const warnings: string[] = [];
  try {
    const props = resourceProperties(resources, systemd.version, { devices: resources.devices !== undefined, warn: (m) => warnings.push(m) });
    if (props.length > 0) await systemd.setUnitProperties(p.systemdUnit!, props);
  } finally {
    systemd.close();
  }
  warnings.push(...applyResources(resources, leavesOf(p), true));
  for (const w of warnings) warn(w);
}

/** Stops the unit (systemd removes its cgroup), then removes what is left of ours. */
export async function removeSystemdCgroup(p: CgroupPlacement): Promise<void> {
  const { connectSystemd } = await import("./bus.ts");
  const systemd = await connectSystemd();
  try {
    await systemd.stopUnit(p.systemdUnit!);
  } finally {
    systemd.close();
  }
  // systemd before 240 left a delegated unit's sub-cgroups behind (runc removes them too).
  removeDirs(existingDirs(p), new Set(p.procsFiles.map((f) => posix.dirname(f))), true);
}
