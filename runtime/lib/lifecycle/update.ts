/**
 * runc update: new linux.resources for a running (or created, or paused) container's cgroups.
 * What was applied is merged into the recorded config per group (memory, cpu, ...), so a later
 * update still sees, and `events` reports, the earlier values.
 */
import { readFileSync } from "node:fs";
import { updateCgroup, updateSystemdCgroup } from "../cgroups/index.ts";
import { RuntimeError, ioError } from "../errors.ts";
import type { LinuxResources } from "../spec-types.ts";
import { lockContainer, readRecord, status, writeRecord } from "../state.ts";

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

export async function updateContainer(root: string, id: string, resources: LinuxResources): Promise<void> {
  const lock = lockContainer(root, id);
  try {
    const rec = readRecord(lock.dir);
    const st = status(lock.dir, rec);
    if (st === "stopped") throw new RuntimeError("BAD_STATUS", `cannot update container ${id}: it is stopped`);
    if (!rec.cgroup) throw new RuntimeError("STATE_CORRUPT", `container ${id} has no recorded cgroup`);
    if (rec.cgroup.systemdUnit) await updateSystemdCgroup(rec.cgroup, resources);
    else updateCgroup(rec.cgroup, resources);
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
