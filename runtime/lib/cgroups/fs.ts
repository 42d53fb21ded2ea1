/**
 * cgroupfs file access. Each value goes to the kernel in one write(2) on an O_WRONLY descriptor:
 * no O_CREAT (a missing control file must be ENOENT, not a permission error), no O_TRUNC games,
 * and write-only files (devices.allow, cgroup.event_control) work.
 */
import { closeSync, constants, openSync, readFileSync, writeSync } from "node:fs";
import { posix } from "node:path";
import { RuntimeError } from "../errors.ts";
import { errnoOf } from "../../../common/errors.ts";
import type { CgroupWrite } from "./types.ts";
import type { CgroupLayout, Hierarchy } from "./detect.ts";

export function writeCgroupFile(path: string, value: string): void {
  const fd = openSync(path, constants.O_WRONLY);
  try {
    writeSync(fd, value);
  } finally {
    closeSync(fd);
  }
}

export function readCgroupFile(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** `cannot set memory limit: write 1k to /sys/…/memory.limit_in_bytes: EINVAL (config.json /linux/resources/memory/limit)` */
export function writeError(w: Pick<CgroupWrite, "what" | "value" | "pointer">, path: string, err: unknown): RuntimeError {
  const errno = errnoOf(err) ?? String((err as Error)?.message ?? err);
  return new RuntimeError(
    "IO",
    `cannot set ${w.what}: write ${w.value} to ${path}: ${errno} (config.json ${w.pointer})`,
    { path, pointer: w.pointer, errno, value: w.value },
    err,
  );
}

/** A cgroup operation on a path that failed: `freeze /sys/fs/cgroup/freezer/x: EBUSY`. */
export function cgroupError(op: string, path: string, err: unknown): RuntimeError {
  const errno = errnoOf(err);
  const detail = errno ?? String((err as Error)?.message ?? err);
  return new RuntimeError("IO", `${op} ${path}: ${detail}`, { path, errno }, err);
}

export interface Leaf {
  hierarchy: Hierarchy;
  dir: string;
}

/** The container's directory in each hierarchy, from the placement's cgroup.procs files. */
export function placementLeaves(procsFiles: string[], layout: CgroupLayout): Leaf[] {
  const out: Leaf[] = [];
  for (const file of procsFiles) {
    const dir = posix.dirname(file);
    const hierarchy = layout.hierarchies
      .filter((h) => dir === h.mountpoint || dir.startsWith(`${h.mountpoint}/`))
      .sort((a, b) => b.mountpoint.length - a.mountpoint.length)[0];
    if (hierarchy) out.push({ hierarchy, dir });
  }
  return out;
}

/** The leaf of the hierarchy that holds `controller` ("cgroup" = the v2 core files). */
export function leafFor(leaves: Leaf[], controller: string): Leaf | undefined {
  if (controller === "cgroup") return leaves.find((l) => l.hierarchy.version === 2);
  return (
    leaves.find((l) => l.hierarchy.version === 1 && l.hierarchy.controllers.includes(controller)) ??
    leaves.find((l) => l.hierarchy.version === 2 && l.hierarchy.controllers.includes(controller))
  );
}

/** Synchronous sleep for the short kernel-state polls (freezer, rmdir EBUSY). */
export function sleepMs(ms: number): void {
  Bun.sleepSync(ms);
}
