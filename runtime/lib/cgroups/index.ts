/**
 * The cgroups library of bocker-runtime: place a container in every cgroup hierarchy of the host
 * (v1, v2 or hybrid), apply linux.resources, pause/resume, signal, report stats and OOM events, and
 * remove exactly what was created. All calls but oomEvents are synchronous.
 */
export type { CgroupPlacement, LinuxResources, CgroupWrite } from "./types.ts";
export { setupCgroup, updateCgroup, destroyCgroup, type SetupRequest } from "./manager.ts";
export { freezeCgroup, thawCgroup, freezerState, killCgroup, cgroupPids } from "./freezer.ts";
export { cgroupStats } from "./stats.ts";
export { oomEvents, oomKillCount, type OomWatchOptions } from "./oom.ts";
export { findCgroupPlacement, type LookupRequest } from "./lookup.ts";
export { warmCgroupMigration } from "./migration-warmup.ts";
export { detectCgroups, type CgroupLayout, type CgroupMode } from "./detect.ts";
export { deviceRules, deviceRuleText, type EffectiveDeviceRule } from "./resources/devices.ts";
