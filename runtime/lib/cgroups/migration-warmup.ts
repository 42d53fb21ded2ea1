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
 * When: the waiting writer holds cgroup_mutex, and so would stall any cgroup mkdir issued during
 * the grace period. Create therefore starts it right after making the container's cgroup
 * directories (the resource writes that follow do not take that mutex).
 */
import { writeFile } from "node:fs";
import { posix } from "node:path";
import { detectCgroups, dirOf } from "./detect.ts";

/** Starts the no-op migration; returns at once, the write runs on a pool thread. */
export function warmCgroupMigration(): void {
  try {
    const own = detectCgroups().hierarchies[0];
    if (own) writeFile(posix.join(dirOf(own, own.ownPath), "cgroup.procs"), String(process.pid), () => {});
  } catch {
    // No cgroups visible (or unreadable mountinfo): nothing to warm.
  }
}
