/**
 * The cgroups library of bocker-runtime, and the runtime's only door into runtime/lib/cgroups:
 * place a container in every cgroup hierarchy of the host (v1, v2 or hybrid; unprivileged only
 * where the tree was delegated, placement.ts), apply linux.resources, pause/resume, signal, report
 * stats and OOM events, and remove exactly what was created. With --systemd-cgroup the cgroup is a
 * transient systemd unit (systemd/scope.ts). All calls but oomEvents and the systemd ones are synchronous.
 */
export type { CgroupPlacement, CgroupWrite, EffectiveDeviceRule } from "./types.ts";
export { placeContainer, rootlessLimits } from "./placement.ts";
export { startSystemdCgroup, updateSystemdCgroup, removeSystemdCgroup, systemdRunning } from "./systemd/scope.ts";
export { setupCgroup, updateCgroup, destroyCgroup, type SetupRequest } from "./manager.ts";
export { freezeCgroup, thawCgroup, freezerState, isFrozen, killCgroup, cgroupPids } from "./freezer.ts";
export { cgroupStats } from "./stats.ts";
export { oomEvents, oomKillCount, type OomWatchOptions } from "./oom.ts";
export { findCgroupPlacement, type LookupRequest } from "./lookup.ts";
export { execCgroupProcs } from "./exec-cgroup.ts";
export { warmCgroupMigration } from "./migration-warmup.ts";
export { detectCgroups, type CgroupLayout, type CgroupMode } from "./detect.ts";
export { deviceRules, deviceRuleText } from "./resources/devices.ts";
export { rdtFromFlags, resourcesFromFlags, UPDATE_FLAGS } from "./update-flags.ts";
export { goDurationMs } from "./units.ts";
