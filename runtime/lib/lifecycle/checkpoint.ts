/**
 * checkpoint (runc checkpoint.go, libcontainer Checkpoint): criu dumps the container init's tree
 * into --image-path. A running or paused container only (runc refuses created and stopped ones).
 * Afterwards the tree is gone, unless --leave-running or --pre-dump, and the container reads
 * "stopped": its state dir and cgroups stay until `delete`, which is what `podman container
 * checkpoint` calls next (runc removes its state at once; a later `delete` of ours does the same).
 */
import { mkdirSync, readFileSync, statSync } from "node:fs";
import { parseMountinfo, type MountinfoEntry } from "../mountinfo.ts";
import { RuntimeError, ioError } from "../errors.ts";
import { lockContainer, readRecord, status } from "../state.ts";
import { criuCgroupView } from "../criu/cgroups.ts";
import { DUMP_LOG, EXTERNAL_NS, dumpArgs, joinedNamespaces, type CriuCommonOptions } from "../criu/options.ts";
import { criuHasFeature, runCriu } from "../criu/run.ts";
import { stdioDescriptors, writeDescriptors } from "../criu/descriptors.ts";

export interface CheckpointOptions extends Omit<CriuCommonOptions, "workPath"> {
  root: string;
  id: string;
  /** Default: the image directory (runc). */
  workPath?: string;
  leaveRunning: boolean;
  preDump: boolean;
  parentPath?: string;
  tcpSkipInFlight?: boolean;
  linkRemap?: boolean;
  autoDedup?: boolean;
  criu: string;
}

export async function checkpointContainer(o: CheckpointOptions): Promise<void> {
  const lock = lockContainer(o.root, o.id);
  try {
    const rec = readRecord(lock.dir);
    const st = status(lock.dir, rec);
    if (st !== "running" && st !== "paused") throw new RuntimeError("BAD_STATUS", `cannot checkpoint container ${o.id}: it is ${st}, not running`);
    // A pre-dump, and a dump on top of one, only save what changed since: soft-dirty bits.
    if ((o.preDump || o.parentPath !== undefined) && !criuHasFeature(o.criu, "mem_dirty_track")) {
      throw new RuntimeError("CRIU_FAILED", `cannot checkpoint container ${o.id} with --pre-dump or --parent-path: criu finds no memory dirty tracking on this kernel (soft-dirty bits, CONFIG_MEM_SOFT_DIRTY)`);
    }
    const workPath = o.workPath ?? o.imagePath;
    for (const dir of new Set([o.imagePath, workPath])) {
      try {
        // A container may be checkpointed more than once into the same directory (runc).
        mkdirSync(dir, { recursive: true, mode: 0o700 });
      } catch (err) {
        throw ioError("mkdir", dir, err);
      }
    }
    const spec = rec.config;
    const externalNsInodes: Record<string, number> = {};
    for (const [ns, path] of joinedNamespaces(spec)) {
      if (!(EXTERNAL_NS as readonly string[]).includes(ns)) continue;
      try {
        externalNsInodes[ns] = statSync(path).ino;
      } catch (err) {
        throw ioError("stat namespace", path, err);
      }
    }
    const cg = rec.cgroup ? criuCgroupView(rec.cgroup) : { binds: {}, roots: {} };
    const hasCgroupMount = (spec.mounts ?? []).some((m) => m.type === "cgroup");
    const descriptors = stdioDescriptors(rec.pid);
    if (!o.preDump) writeDescriptors(o.imagePath, descriptors);
    const args = dumpArgs(spec, {
      ...o,
      workPath,
      pid: rec.pid,
      rootfs: rec.rootfs,
      freezerDir: cg.freezerDir,
      externalNsInodes,
      maskedFiles: maskedFiles(rec.pid, spec.linux?.maskedPaths ?? []),
      cgroupBinds: hasCgroupMount ? Object.keys(cg.binds) : [],
      externalFiles: descriptors.filter((d) => d.external).map((d) => d.key),
    });
    await runCriu({ binary: o.criu, args, logDir: workPath, logName: o.preDump ? "pre-dump.log" : DUMP_LOG, what: `checkpoint ${o.id}` });
  } finally {
    lock.release();
  }
}

/**
 * runc addMaskPaths: the masked paths that are files, i.e. /dev/null bound over them (mountinfo root
 * "/null"; a directory is masked by a fresh tmpfs, root "/", which criu saves with its content). Read from the container's mountinfo,
 * not by resolving the paths through /proc/PID/root, where an absolute symlink in the image would
 * lead to the host's files.
 */
function maskedFiles(pid: number, paths: readonly string[]): string[] {
  let mounts: MountinfoEntry[];
  try {
    mounts = parseMountinfo(readFileSync(`/proc/${pid}/mountinfo`, "utf8"));
  } catch (err) {
    throw ioError("read", `/proc/${pid}/mountinfo`, err);
  }
  const masked = new Set(paths);
  return [...new Set(mounts.filter((m) => masked.has(m.mountpoint) && m.root !== "/").map((m) => m.mountpoint))];
}
