/**
 * The first write to any cgroup.procs after a quiet spell waits for an RCU grace period (5-15 ms
 * on this kernel): the writer of the kernel's cgroup_threadgroup_rwsem (a percpu rwsem) first
 * switches its readers to the slow path (rcu_sync_enter → synchronize_rcu), and only writers
 * arriving within a grace period of the previous one skip that wait. bocker-init's first
 * cgroup.procs write (stage1 joining the container's cgroups) would pay it on the critical path.
 *
 * So `create` starts the wait early: a no-op migration of this process into the cgroup it is
 * already in, written from Bun's thread pool, overlaps the grace period with the validation,
 * cgroup creation and helper start-up that happen anyway. Nothing changes for the kernel or the
 * container (the task is already a member); errors (rootless, read-only cgroupfs) are ignored.
 */
import { writeFile } from "node:fs/promises";
import { posix } from "node:path";
import { detectCgroups, dirOf } from "./detect.ts";

export function warmCgroupMigration(): Promise<void> {
  try {
    const own = detectCgroups().hierarchies[0];
    if (!own) return Promise.resolve();
    return writeFile(posix.join(dirOf(own, own.ownPath), "cgroup.procs"), String(process.pid)).catch(() => {});
  } catch {
    return Promise.resolve();
  }
}
