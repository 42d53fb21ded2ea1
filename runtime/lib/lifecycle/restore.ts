/**
 * restore (runc restore.go, libcontainer Restore): a new container ID from a bundle and a checkpoint.
 * The state dir and the cgroups are made as by create (recorded first, so `delete --force` finds
 * them at every moment); the rootfs is bound at <state>/criu-root, which criu needs as a mount
 * point (runc does the same); criu, moved into the container's cgroups, rebuilds the mount
 * namespace from its images (proc, sysfs, the /dev tmpfs with its devices, masked and read-only
 * paths), maps the external bind mounts and namespaces to this host's, and forks the tree as a
 * child of the runtime (--restore-sibling). The record then holds the restored init's pid and reads
 * "running". Any failure kills what criu started and removes everything made, newest first.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { loadBundleConfig } from "../config.ts";
import { RuntimeError, ioError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { CRIU_ROOT, createContainerDir, creatingRecord, procStat, removeContainerDir, writeFileAtomic, writeRecord, writeSpareCgroup, type ContainerLock, type ContainerRecord } from "../state.ts";
import { cgroupPids, destroyCgroup, killCgroup, placeContainer, removeSystemdCgroup, startSystemdCgroup } from "../cgroups/index.ts";
import { criuCgroupView } from "../criu/cgroups.ts";
import { EXTERNAL_NS, RESTORE_LOG, joinedNamespaces, restoreArgs, unrestorableNamespace, type CriuCommonOptions } from "../criu/options.ts";
import { bindRoot, runCriu, unbindRoot } from "../criu/run.ts";
import { readDescriptors } from "../criu/descriptors.ts";

export interface RestoreOptions extends Omit<CriuCommonOptions, "workPath"> {
  root: string;
  id: string;
  bundle: string;
  workPath?: string;
  pidFile?: string;
  systemdCgroup: boolean;
  criu: string;
  log: Logger;
}

export interface Restored {
  record: ContainerRecord;
  lock: ContainerLock;
}

const SIGKILL = 9;

export async function restoreContainer(o: RestoreOptions): Promise<Restored> {
  const config = loadBundleConfig(o.bundle);
  const { spec } = config;
  const joinedCgroup = unrestorableNamespace(spec);
  if (joinedCgroup) throw new RuntimeError("USAGE", `${config.file}: cannot restore a container that joins the cgroup namespace ${joinedCgroup} (criu cannot re-join one)`);
  if (spec.process?.terminal) {
    throw new RuntimeError("USAGE", `${config.file}: process.terminal is true: restoring a terminal needs criu's RPC (the pty master comes back as a notification), which bocker-runtime does not speak; checkpoint and restore work for containers without a terminal`);
  }
  const workPath = o.workPath ?? o.imagePath;
  const lock = createContainerDir(o.root, o.id);
  const dir = lock.dir;
  const record = creatingRecord(o.id, config);
  const nsFds: number[] = [];
  const root = join(dir, CRIU_ROOT);
  let bound = false;
  let unitStarted = false;
  try {
    writeRecord(dir, record);
    record.cgroup = placeContainer(o.id, spec, o.systemdCgroup, o.log, process.geteuid!(), (planned) => writeSpareCgroup(dir, planned));
    writeSpareCgroup(dir, record.cgroup);
    writeRecord(dir, record);
    const inheritedNsFds: Record<string, number> = {};
    for (const [ns, path] of joinedNamespaces(spec)) {
      if (!(EXTERNAL_NS as readonly string[]).includes(ns)) continue;
      try {
        nsFds.push(openSync(path, "r"));
      } catch (err) {
        throw ioError(`open the ${ns} namespace the config joins`, path, err);
      }
      inheritedNsFds[ns] = 2 + nsFds.length;
    }
    try {
      mkdirSync(workPath, { recursive: true, mode: 0o700 });
      mkdirSync(root, { mode: 0o755 });
    } catch (err) {
      throw ioError("mkdir", root, err);
    }
    const rdt = spec.linux?.intelRdt;
    if (rdt) {
      // As create: the CLOS is made (or checked) before criu runs, and criu joins it with the cgroups.
      const { applyResctrl, checkIntelRdt, planResctrl } = await import("../linux/resctrl.ts");
      const rdtRoot = checkIntelRdt(rdt, config.file);
      record.resctrl = applyResctrl(planResctrl(o.id, rdt, rdtRoot, existsSync), rdtRoot, (made) => {
        record.resctrl = made;
        writeRecord(dir, record);
      });
      writeRecord(dir, record);
    }
    bindRoot(config.rootfs, root);
    bound = true;
    const cg = criuCgroupView(record.cgroup);
    const hasCgroupMount = (spec.mounts ?? []).some((m) => m.type === "cgroup");
    const pidFile = join(dir, "criu.pid");
    const args = restoreArgs(spec, {
      ...o,
      workPath,
      root,
      pidFile,
      inheritedNsFds,
      cgroupBinds: hasCgroupMount ? cg.binds : {},
      cgroupRoots: cg.roots,
      // The restore's own stdio stands in for the checkpointed init's (runc: the caller's pipes).
      inheritedFiles: readDescriptors(o.imagePath).map((d) => ({ fd: d.fd, key: d.key })),
    });
    // With --systemd-cgroup the unit is started with the pid that becomes criu, as runc's
    // criuApplyCgroups does with criu swrk's: criu, and so every task it restores, is born in it.
    const planned = record.cgroup;
    const startUnit = planned.systemdUnit === undefined ? undefined : async (pid: number) => {
      record.cgroup = await startSystemdCgroup(planned, pid, { id: o.id, cgroupsPath: spec.linux?.cgroupsPath, resources: spec.linux?.resources ?? {}, warn: (m) => o.log.warn(m), debug: (m) => o.log.debug(m) });
      unitStarted = true;
      writeSpareCgroup(dir, record.cgroup);
      writeRecord(dir, record);
    };
    await runCriu({ binary: o.criu, args, logDir: workPath, logName: RESTORE_LOG, extraFds: nsFds, inheritStdio: true, cgroupProcs: [...record.cgroup.procsFiles, ...(record.resctrl?.tasks ?? [])], beforeExec: startUnit, what: `restore ${o.id}` });
    record.pid = Number(readFileSync(pidFile, "utf8").trim());
    rmSync(pidFile, { force: true });
    record.starttime = procStat(record.pid)?.starttime ?? "";
    if (!record.starttime) throw new RuntimeError("CRIU_FAILED", `restore ${o.id}: the restored init ${record.pid} exited at once`);
    // No exec.fifo: the restored container reads "running" (state.ts status()).
    record.phase = "created";
    delete record.creator;
    writeRecord(dir, record);
    if (o.pidFile) writeFileAtomic(o.pidFile, String(record.pid), 0o644);
    return { record, lock };
  } catch (err) {
    // Unbound first: removing the state dir must never descend into the rootfs.
    if (bound) unbindRoot(root);
    bound = false;
    await undoRestore(dir, record, o.log, unitStarted);
    lock.release();
    throw err;
  } finally {
    for (const fd of nsFds) closeSync(fd);
    if (bound) {
      unbindRoot(root);
      rmdirSync(root);
    }
  }
}

/** Kills whatever criu started in the cgroups, removes them and the state dir. */
async function undoRestore(dir: string, record: ContainerRecord, log: Logger, unitStarted: boolean): Promise<void> {
  try {
    // A systemd unit that was never started has nothing to kill or remove.
    if (record.cgroup && (record.cgroup.systemdUnit === undefined || unitStarted)) {
      for (let i = 0; i < 200 && cgroupPids(record.cgroup).length > 0; i++) {
        killCgroup(record.cgroup, SIGKILL);
        await Bun.sleep(10);
      }
      if (record.cgroup.systemdUnit) await removeSystemdCgroup(record.cgroup);
      else destroyCgroup(record.cgroup);
    }
  } catch (err) {
    log.warn(`restore cleanup: cgroups: ${(err as Error).message}`);
  }
  try {
    if (record.resctrl) (await import("../linux/resctrl.ts")).removeResctrl(record.resctrl);
  } catch (err) {
    log.warn(`restore cleanup: resctrl: ${(err as Error).message}`);
  }
  try {
    removeContainerDir(dir);
  } catch (err) {
    log.warn(`restore cleanup: ${(err as Error).message}`);
  }
}
