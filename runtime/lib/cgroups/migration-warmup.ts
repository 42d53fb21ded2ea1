/**
 * The first write to any cgroup.procs after a quiet spell waits for an RCU grace period (10-20 ms
 * on this project's test host, measured): cgroup_threadgroup_rwsem's rcu_sync first switches its
 * readers to the slow path (rcu_sync_enter → synchronize_rcu). Writers that come while it is still
 * "passed" skip the wait: until a grace period after the last writer left (kernel/rcu/sync.c).
 * bocker-init's cgroup.procs writes (stage1 joining the container's cgroups) would pay the whole
 * wait on create's critical path.
 *
 * So `create` starts the wait itself, with a no-op migration of this process into the cgroup it
 * already is in, written from Bun's thread pool (node:fs's callback API, already loaded), and the
 * grace period passes while the resources are written and the plan compiled and sent. Nothing
 * changes for the kernel or the container (the task is already a member); errors (rootless,
 * read-only cgroupfs) are ignored: the helper's own write then waits as it would have anyway.
 *
 * When: as early as possible, by `create` and `run` before they even load the lifecycle modules,
 * and once more by setupCgroup right after the container's cgroup directories exist. The waiting writer holds
 * cgroup_mutex, so those mkdirs may wait for the end of the grace period, but nothing after them
 * does (resource writes do not take that mutex), and the second write, inside the window, keeps
 * it open until the helper's (each writer extends it by a grace period: GP_REPLAY).
 */
import { writeFile } from "node:fs";
import { posix } from "node:path";
import { detectCgroups, dirOf } from "./detect.ts";

/** Starts (or extends) the no-op migration; returns at once, the write runs on a pool thread. */
export function warmCgroupMigration(): void {
  try {
    const own = detectCgroups().hierarchies[0];
    if (own) writeFile(posix.join(dirOf(own, own.ownPath), "cgroup.procs"), String(process.pid), () => {});
  } catch {
    // No cgroups visible (or unreadable mountinfo): nothing to warm.
  }
}
