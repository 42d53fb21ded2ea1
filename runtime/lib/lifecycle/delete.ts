/**
 * delete (runtime-spec runtime.md "delete"): only a stopped container, or a created one (runc
 * kills it), unless --force. The spec wants an error for a created one too, but containerd's shim
 * deletes a created task with a plain `delete` (pkg/process init_state.go createdState.Delete),
 * so runc's rule wins here. With --force it also works on what a crashed or killed runtime left:
 * a missing, empty or truncated state.json still leads to the cgroups (spare `cgroup` file), whose
 * processes are killed before the cgroups and the state dir are removed. Mounts and namespaces
 * die with the last process in them.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { RuntimeError } from "../errors.ts";
import { runHooksWarn } from "../hooks.ts";
import type { Logger } from "../log.ts";
import { cgroupPids, destroyCgroup, findCgroupPlacement, isFrozen, killCgroup, removeSystemdCgroup, thawCgroup, type CgroupPlacement } from "../cgroups/index.ts";
import { CRIU_ROOT, initAlive, lockContainer, readRecord, readSpareCgroup, removeContainerDir, status, type ContainerRecord } from "../state.ts";
import { hookStateJson } from "./hook-state.ts";

const SIGKILL = 9;

export async function deleteContainer(root: string, id: string, force: boolean, systemd: boolean, log: Logger): Promise<void> {
  let lock;
  try {
    lock = lockContainer(root, id);
  } catch (err) {
    // runc: --force on a container that does not exist is not an error.
    if (force && err instanceof RuntimeError && err.code === "CONTAINER_NOT_FOUND") return;
    throw err;
  }
  try {
    let rec: ContainerRecord | undefined;
    try {
      rec = readRecord(lock.dir);
    } catch (err) {
      if (!(err instanceof RuntimeError && err.code === "STATE_CORRUPT") || !force) throw err;
      log.warn(`${(err as Error).message}; removing what can be found`);
    }
    if (rec) {
      const st = status(lock.dir, rec);
      if (!force && st !== "stopped" && st !== "created") {
        throw new RuntimeError("BAD_STATUS", `cannot delete container ${id}: it is ${st} (stop it first, or use --force)`);
      }
    }
    const placement = rec?.cgroup ?? readSpareCgroup(lock.dir) ?? findCgroupPlacement({ id, systemd, cgroupsPath: rec?.config.linux?.cgroupsPath });
    if (rec?.config.linux?.netDevices) {
      const { returnNetDevices } = await import("./net-devices-return.ts");
      await returnNetDevices(rec, initAlive(rec), (m) => log.warn(m));
    }
    if (rec && initAlive(rec)) process.kill(rec.pid, SIGKILL);
    if (placement) await killAll(placement);
    if (placement?.systemdUnit) await removeSystemdCgroup(placement);
    else if (placement) destroyCgroup(placement);
    if (rec?.resctrl) (await import("../linux/resctrl.ts")).removeResctrl(rec.resctrl);
    // poststop: after the container is deleted, before delete returns; failures are warnings.
    if (rec && rec.phase === "created") runHooksWarn("poststop", rec.config.hooks?.poststop, hookStateJson(rec, "stopped"), (m) => log.warn(m));
    // A restore killed part-way leaves the rootfs bound in the state dir: unbind it first, or
    // removing the directory would delete the container's rootfs through it.
    if (existsSync(join(lock.dir, CRIU_ROOT))) (await import("../criu/run.ts")).unbindRoot(join(lock.dir, CRIU_ROOT));
    removeContainerDir(lock.dir);
  } finally {
    lock.release();
  }
}

/**
 * SIGKILL everything in the cgroups until they are empty (processes may fork while we look). A
 * paused container's tasks cannot act on the signal while frozen: thaw after the first kill, as
 * runc's signalAllProcesses does, so nothing runs a single instruction between thaw and death.
 */
async function killAll(p: CgroupPlacement): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (cgroupPids(p).length === 0) return;
    killCgroup(p, SIGKILL);
    if (i === 0 && frozen(p)) thawCgroup(p);
    await Bun.sleep(i < 10 ? 1 : 10);
  }
  throw new RuntimeError("IO", `processes in cgroup ${p.path} survived SIGKILL for 2 s: ${cgroupPids(p).join(" ")}`);
}

/** A freezer gone with the cgroup, or none at all, is not frozen. */
function frozen(p: CgroupPlacement): boolean {
  try {
    return isFrozen(p);
  } catch {
    return false;
  }
}
