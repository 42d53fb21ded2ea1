/** kill (runtime-spec runtime.md "kill"): signal the init, or with --all every process in its cgroups. */
import { RuntimeError } from "../errors.ts";
import { errnoOf } from "../../../common/errors.ts";
import { containerDir, readRecord, status } from "../state.ts";

export async function killContainer(root: string, id: string, signal: number, all: boolean): Promise<void> {
  const dir = containerDir(root, id);
  const rec = readRecord(dir);
  const st = status(dir, rec);
  // A rootless container without a delegated cgroup records an empty placement: its init is all
  // --all can reach (with a pid namespace, SIGKILL to it takes every process with it).
  if (all && rec.cgroup?.procsFiles.length === 0) all = false;
  if (st === "stopped" && !all) throw new RuntimeError("BAD_STATUS", `cannot kill container ${id}: it is stopped`);
  if (all) {
    if (!rec.cgroup) throw new RuntimeError("STATE_CORRUPT", `container ${id} has no recorded cgroup for --all`);
    // Only --all needs the cgroup library; plain kill stays light.
    const { cgroupPids, killCgroup } = await import("../cgroups/index.ts");
    // Signal 0 only probes: no freeze around it (the thaw after it would resume a paused container).
    if (signal === 0) cgroupPids(rec.cgroup).forEach((pid) => probe(pid));
    else killCgroup(rec.cgroup, signal);
    return;
  }
  try {
    process.kill(rec.pid, signal);
  } catch (err) {
    throw new RuntimeError("BAD_STATUS", `cannot signal container ${id} (pid ${rec.pid}): ${(err as Error).message}`);
  }
  // A frozen task cannot die: SIGKILL to a paused container thaws it (runc container.Signal); other
  // signals wait for `resume`.
  if (st === "paused" && signal === 9 && rec.cgroup) (await import("../cgroups/index.ts")).thawCgroup(rec.cgroup);
}

/** kill(pid, 0); a process that exited since the cgroup was read is no error (as with any signal). */
function probe(pid: number): void {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if (errnoOf(err) !== "ESRCH") throw new RuntimeError("IO", `kill(${pid}, 0): ${(err as Error).message}`, { errno: errnoOf(err) }, err);
  }
}
