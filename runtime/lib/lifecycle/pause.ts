/** pause/resume: freeze or thaw every process of the container through its cgroups (runc pause). */
import { RuntimeError } from "../errors.ts";
import { freezeCgroup, thawCgroup } from "../cgroups/index.ts";
import { lockContainer, readRecord, status, writeRecord } from "../state.ts";

export function setPaused(root: string, id: string, paused: boolean): void {
  const lock = lockContainer(root, id);
  try {
    const rec = readRecord(lock.dir);
    const st = status(lock.dir, rec);
    const expected = paused ? "running" : "paused";
    if (st !== expected && !(paused && st === "created")) throw new RuntimeError("BAD_STATUS", `cannot ${paused ? "pause" : "resume"} container ${id}: it is ${st}`);
    if (!rec.cgroup) throw new RuntimeError("STATE_CORRUPT", `container ${id} has no recorded cgroup`);
    if (paused) freezeCgroup(rec.cgroup);
    else thawCgroup(rec.cgroup);
    rec.paused = paused;
    writeRecord(lock.dir, rec);
  } finally {
    lock.release();
  }
}
