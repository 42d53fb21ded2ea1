/**
 * The runtime's only door into runtime/lib/cgroups: placement at create, signalling and removal
 * at kill/delete, freeze/thaw/update/stats. Kept in one module so the lifecycle code does not
 * depend on the cgroup library's shape.
 */
import * as cgroups from "./cgroups/index.ts";
import { parseSubCgroups, subCgroupProcs } from "./cgroups/exec-cgroup.ts";
import { placementLeaves } from "./cgroups/fs.ts";
import type { CgroupPlacement } from "./cgroups/types.ts";
import { RuntimeError } from "./errors.ts";
import type { Spec } from "./spec-types.ts";

export type { CgroupPlacement };

/** `beforeCreate` records the directories about to be made (cgroups/manager.ts SetupRequest). */
export function placeContainer(id: string, spec: Spec, systemd: boolean, warn: (msg: string) => void, confineDevices = true, beforeCreate?: (planned: CgroupPlacement) => void): CgroupPlacement {
  return cgroups.setupCgroup({ id, cgroupsPath: spec.linux?.cgroupsPath, systemd, resources: (spec.linux?.resources ?? {}) as never, warn, confineDevices, beforeCreate });
}

/** Starts the kernel's wait for the first cgroup.procs write now (cgroups/migration-warmup.ts). */
export function warmCgroupMigration(): void {
  cgroups.warmCgroupMigration();
}

/** After a crash lost the recorded placement: the path rule (config's cgroupsPath, else the id), if those cgroups exist. */
export function findPlacement(id: string, systemd: boolean, cgroupsPath?: string): CgroupPlacement | undefined {
  return cgroups.findCgroupPlacement({ id, systemd, cgroupsPath });
}

/** exec --cgroup: the container's cgroup.procs files, or those of the named sub-cgroups (runc 1.1). */
export function execCgroupProcs(p: CgroupPlacement | undefined, subCgroups: readonly string[]): string[] {
  if (subCgroups.length === 0) return p?.procsFiles ?? [];
  if (!p || p.procsFiles.length === 0) throw new RuntimeError("USAGE", "--cgroup: the container has no cgroups");
  return subCgroupProcs(placementLeaves(p.procsFiles, cgroups.detectCgroups()), parseSubCgroups(subCgroups));
}

export function removeCgroups(p: CgroupPlacement): void {
  cgroups.destroyCgroup(p);
}

export function signalCgroup(p: CgroupPlacement, signal: number): void {
  cgroups.killCgroup(p, signal);
}

export function pidsOf(p: CgroupPlacement): number[] {
  return cgroups.cgroupPids(p);
}

export function freeze(p: CgroupPlacement): void {
  cgroups.freezeCgroup(p);
}

export function thaw(p: CgroupPlacement): void {
  cgroups.thawCgroup(p);
}

/** Whether the container's freezer holds it frozen (or freezing): its tasks cannot die until thawed. */
export function isFrozen(p: CgroupPlacement): boolean {
  const state = cgroups.freezerState(p);
  return state === "frozen" || state === "freezing";
}

export function updateResources(p: CgroupPlacement, resources: Record<string, unknown>): void {
  cgroups.updateCgroup(p, resources as never);
}

export function statsOf(p: CgroupPlacement): unknown {
  return cgroups.cgroupStats(p);
}

/** One "oom" per task the kernel OOM-kills in the container, until aborted or the cgroup is gone. */
export function oomEventsOf(p: CgroupPlacement, opts: cgroups.OomWatchOptions): AsyncGenerator<"oom"> {
  return cgroups.oomEvents(p, opts);
}
