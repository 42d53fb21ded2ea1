/**
 * runc update: new linux.resources for a running (or created, or paused) container's cgroups.
 * What was applied is merged into the recorded config per group (memory, cpu, ...), so a later
 * update still sees, and `events` reports, the earlier values.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { updateCgroup, updateSystemdCgroup } from "../cgroups/index.ts";
import { RuntimeError, ioError } from "../errors.ts";
import type { LinuxResources } from "../spec-types.ts";
import { lockContainer, readRecord, status, writeRecord, type ContainerRecord } from "../state.ts";
import { applyResctrl, planResctrl, rdtUpdateProblem, readResctrlHost, schemataLines, writeSchemata } from "../linux/resctrl.ts";

/** update --resources FILE ("-" is stdin): the whole linux.resources object, as runc reads it. */
export function readResourcesFile(file: string): LinuxResources {
  let text: string;
  try {
    text = readFileSync(file === "-" ? 0 : file, "utf8");
  } catch (err) {
    throw ioError("read", file, err);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new RuntimeError("CONFIG_INVALID", `${file}: not valid JSON: ${(err as Error).message}`);
  }
}

/** update --l3-cache-schema/--mem-bw-schema (runc update.go). */
export interface RdtUpdate {
  l3CacheSchema?: string;
  memBwSchema?: string;
}

export async function updateContainer(root: string, id: string, resources: LinuxResources, rdt?: RdtUpdate): Promise<void> {
  const lock = lockContainer(root, id);
  try {
    const rec = readRecord(lock.dir);
    const st = status(lock.dir, rec);
    if (st === "stopped") throw new RuntimeError("BAD_STATUS", `cannot update container ${id}: it is stopped`);
    if (!rec.cgroup) throw new RuntimeError("STATE_CORRUPT", `container ${id} has no recorded cgroup`);
    const host = rdt ? readResctrlHost() : undefined;
    const problem = rdt && rdtUpdateProblem(rdt, host);
    if (problem) throw new RuntimeError("USAGE", problem);
    if (rec.cgroup.systemdUnit) await updateSystemdCgroup(rec.cgroup, resources);
    else updateCgroup(rec.cgroup, resources);
    if (rdt && host) updateResctrl(lock.dir, rec, rdt, host.root);
    const linux = (rec.config.linux ??= {});
    const old = (linux.resources ?? {}) as Record<string, unknown>;
    const merged: Record<string, unknown> = { ...old };
    for (const [group, values] of Object.entries(resources)) {
      merged[group] = values && typeof values === "object" && !Array.isArray(values) ? { ...((old[group] ?? {}) as object), ...values } : values;
    }
    linux.resources = merged as LinuxResources;
    writeRecord(lock.dir, rec);
  } finally {
    lock.release();
  }
}

/**
 * New schemata lines for the container's CLOS. A container created without linux.intelRdt first
 * gets a CLOS named after it with its init in it (runc update: intelRdtManager.Apply(initPid));
 * that group is then the container's to remove at delete.
 */
function updateResctrl(dir: string, rec: ContainerRecord, rdt: RdtUpdate, root: string): void {
  if (!rec.resctrl) {
    rec.resctrl = applyResctrl(planResctrl(rec.id, {}, root, existsSync), root, (made) => {
      rec.resctrl = made;
      writeRecord(dir, rec);
    });
    const tasks = rec.resctrl.tasks[0]!;
    try {
      writeFileSync(tasks, String(rec.pid));
    } catch (err) {
      throw ioError("write the container's init pid to", tasks, err);
    }
  }
  writeSchemata(join(rec.resctrl.closDir, "schemata"), schemataLines(rdt), root);
  const linux = (rec.config.linux ??= {});
  linux.intelRdt = { ...linux.intelRdt, ...Object.fromEntries(Object.entries(rdt).filter(([, v]) => v !== undefined)) };
}
