/**
 * Creating, updating and removing a container's cgroups in every hierarchy the host has. The
 * placement records exactly the directories this runtime created, so removal (delete, or rollback
 * after a failed create) never touches a cgroup someone else made (issue 2 "Failure behaviour").
 */
import { existsSync, mkdirSync, readdirSync, rmdirSync } from "node:fs";
import { posix } from "node:path";
import { writeStderr } from "../../../common/stdio.ts";
import { RuntimeError } from "../errors.ts";
import { errnoOf } from "../../../common/errors.ts";
import { applyResources } from "./apply.ts";
import { frozenDir } from "./freezer.ts";
import { detectCgroups, dirOf, type CgroupLayout } from "./detect.ts";
import { cgroupError, placementLeaves, readCgroupFile, sleepMs, writeCgroupFile, type Leaf } from "./fs.ts";
import { cgroupPathIn, resolveCgroupPath } from "./paths.ts";
import { warmCgroupMigration } from "./migration-warmup.ts";
import { checkV2Domains } from "./v2-tree.ts";
import type { CgroupPlacement } from "./types.ts";
import type { LinuxResources } from "../spec-types.ts";

export interface SetupRequest {
  id: string;
  cgroupsPath?: string;
  systemd?: boolean;
  resources?: LinuxResources;
  /** Receives warnings (ignored kernel memory, device rules systemd cannot express); default: stderr. */
  warn?: (msg: string) => void;
  /**
   * false: write no device rules at all. Rootless containers need this: an unprivileged process can
   * never write devices.allow/deny (runc ignores the devices controller in rootless mode), and their
   * user namespace already forbids mknod. Default true: the default rules confine every container.
   */
  confineDevices?: boolean;
  /**
   * Called once, before the first mkdir, with every directory setup is about to create: the caller
   * records it (create: the state dir's spare `cgroup` file), so a runtime killed half-way through
   * still leaves delete --force a list of exactly what may have been made.
   */
  beforeCreate?: (planned: CgroupPlacement) => void;
}

export const stderrWarn = (msg: string) => writeStderr(`warning: ${msg}\n`);

/** The container's directory in each hierarchy, by the path rule. */
export function containerLeaves(layout: CgroupLayout, req: Pick<SetupRequest, "id" | "cgroupsPath" | "systemd">): { path: string; leaves: Leaf[] } {
  const resolved = resolveCgroupPath(req);
  const leaves = layout.hierarchies.map((h) => ({ hierarchy: h, dir: dirOf(h, cgroupPathIn(resolved, h.ownPath, layout.mode === "v2")) }));
  return { path: resolved.path, leaves };
}

/** The components of dir below the mountpoint that do not exist yet, parents first. */
function missingDirs(dir: string, mountpoint: string): string[] {
  const missing: string[] = [];
  for (let d = dir; d !== mountpoint && d.startsWith(`${mountpoint}/`) && !existsSync(d); d = posix.dirname(d)) missing.unshift(d);
  return missing;
}

/**
 * mkdir of each missing component below the mountpoint, recording what we made. ENOENT means a
 * shared parent was removed under us by a concurrent delete: start again from the top.
 */
export function makeDirs(dir: string, mountpoint: string, created: string[]): void {
  const parts = posix.relative(mountpoint, dir).split("/");
  for (let attempt = 0; ; attempt++) {
    try {
      let d = mountpoint;
      for (const part of parts) {
        d = posix.join(d, part);
        try {
          mkdirSync(d, 0o755);
          created.push(d);
        } catch (err) {
          if (errnoOf(err) !== "EEXIST") throw err;
        }
      }
      return;
    } catch (err) {
      if (errnoOf(err) !== "ENOENT" || attempt >= 3) throw cgroupError("create cgroup", dir, err);
    }
  }
}

/**
 * A v1 cpuset cgroup with empty cpus/mems refuses tasks (ENOSPC), and so does every cgroup below
 * it. New ones start empty, and so may ancestors another manager made (a pod cgroup): fill each
 * empty level from its parent, top-down, as runc's cpusetEnsureParent/cpusetCopyIfNeeded do. A
 * level that has values keeps them.
 */
function inheritCpuset(leaf: Leaf): void {
  if (leaf.hierarchy.version !== 1 || !leaf.hierarchy.controllers.includes("cpuset")) return;
  const levels: string[] = [];
  for (let d = leaf.dir; d !== leaf.hierarchy.mountpoint && d.startsWith(`${leaf.hierarchy.mountpoint}/`); d = posix.dirname(d)) levels.unshift(d);
  for (const dir of levels) {
    for (const file of ["cpuset.cpus", "cpuset.mems"]) {
      const path = posix.join(dir, file);
      if ((readCgroupFile(path) ?? "").trim() !== "") continue;
      const parent = (readCgroupFile(posix.join(posix.dirname(dir), file)) ?? "").trim();
      try {
        writeCgroupFile(path, parent);
      } catch (err) {
        throw cgroupError(`inherit ${file} "${parent}" from the parent cgroup into`, path, err);
      }
    }
  }
}

export function setupCgroup(req: SetupRequest): CgroupPlacement {
  const warn = req.warn ?? stderrWarn;
  const layout = detectCgroups();
  if (layout.hierarchies.length === 0) throw new RuntimeError("IO", "no cgroup hierarchy is mounted on this host (/proc/self/mountinfo)");
  if (req.systemd) throw new RuntimeError("CONFIG_INVALID", "--systemd-cgroup: the cgroup is made by systemd (setupSystemdCgroup), not by setupCgroup");
  const { path, leaves } = containerLeaves(layout, req);
  const procsFiles = leaves.map((l) => posix.join(l.dir, "cgroup.procs"));
  req.beforeCreate?.({ path, dirs: leaves.flatMap((l) => missingDirs(l.dir, l.hierarchy.mountpoint)), procsFiles });
  checkV2Domains(leaves, false);
  const created: string[] = [];
  let warnings: string[];
  try {
    for (const leaf of leaves) makeDirs(leaf.dir, leaf.hierarchy.mountpoint, created);
    checkV2Domains(leaves, true);
    const frozen = frozenDir(leaves);
    if (frozen !== undefined) throw new RuntimeError("BAD_STATUS", `container's cgroup unexpectedly frozen: ${frozen}`, { path: frozen });
    // The helper's cgroup.procs writes come next: keep the kernel's fast path open for them.
    warmCgroupMigration();
    for (const leaf of leaves) inheritCpuset(leaf);
    warnings = applyResources(req.resources ?? {}, leaves, false, req.confineDevices ?? true);
  } catch (err) {
    removeDirs(created, new Set(leaves.map((l) => l.dir)), false);
    throw err;
  }
  for (const w of warnings) warn(w);
  return { path, dirs: created, procsFiles };
}

/** runc update: writes only what `resources` sets, in the order the kernel needs. */
export function updateCgroup(p: CgroupPlacement, resources: LinuxResources, warn: (msg: string) => void = stderrWarn): void {
  const leaves = placementLeaves(p.procsFiles, detectCgroups());
  for (const w of applyResources(resources, leaves, true)) warn(w);
}

function subdirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => posix.join(dir, e.name));
  } catch {
    return [];
  }
}

/**
 * rmdir, retrying EBUSY while tasks finish exiting (runc retries about one second with a doubling
 * delay). The deadline is shared by all directories of one removal, so a task that never leaves
 * costs one second in total, not one per hierarchy.
 */
function rmdirRetrying(dir: string, deadline: number): void {
  for (let delay = 1; ; delay = Math.min(delay * 2, 100)) {
    try {
      rmdirSync(dir);
      return;
    } catch (err) {
      const errno = errnoOf(err);
      if (errno === "ENOENT") return;
      if (errno !== "EBUSY" || Date.now() >= deadline) throw cgroupError("remove cgroup", dir, err);
      sleepMs(Math.max(1, Math.min(delay, deadline - Date.now())));
    }
  }
}

/** Removes a container's leaf and the sub-cgroups the container made inside it (runc RemovePath). */
function removeTree(dir: string, deadline: number): void {
  for (const sub of subdirs(dir)) removeTree(sub, deadline);
  rmdirRetrying(dir, deadline);
}

/**
 * An intermediate directory we created is shared once another container's cgroup sits below it
 * (or a concurrent create just put one there): then it stays, without an error.
 */
function removeShared(dir: string, deadline: number): void {
  try {
    rmdirSync(dir);
  } catch (err) {
    const errno = errnoOf(err);
    if (errno === "ENOENT" || ((errno === "EBUSY" || errno === "ENOTEMPTY") && subdirs(dir).length > 0)) return;
    if (errno !== "EBUSY") throw cgroupError("remove cgroup", dir, err);
    rmdirRetrying(dir, deadline);
  }
}

/** Deepest first. Leaves go with their sub-cgroups (made by the container itself). */
export function removeDirs(dirs: string[], leaves: Set<string>, strict: boolean): void {
  const failures: RuntimeError[] = [];
  const depth = (d: string) => d.split("/").length;
  const deadline = Date.now() + 1000;
  for (const dir of [...dirs].sort((a, b) => depth(b) - depth(a))) {
    if (!existsSync(dir)) continue;
    try {
      if (leaves.has(dir)) removeTree(dir, deadline);
      else removeShared(dir, deadline);
    } catch (err) {
      failures.push(err as RuntimeError);
    }
  }
  if (strict && failures.length > 0) {
    throw new RuntimeError("IO", failures.map((f) => f.message).join("; "), { path: failures[0]!.context.path }, failures[0]);
  }
}

/** Removes the directories this runtime created for the container, never any other cgroup. */
export function destroyCgroup(p: CgroupPlacement): void {
  removeDirs(p.dirs, new Set(p.procsFiles.map((f) => posix.dirname(f))), true);
}
