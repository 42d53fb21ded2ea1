/**
 * Finding a container's cgroups when its state.json is gone or truncated (issue 2: `delete --force`
 * after a crash must still remove "the cgroups in every hierarchy"). The path rule is applied again;
 * the container's own directory in each hierarchy is taken as ours when it exists. Intermediate
 * directories of a nested cgroupsPath cannot be told apart from someone else's and are left alone.
 */
import { existsSync } from "node:fs";
import { posix } from "node:path";
import { detectCgroups } from "./detect.ts";
import { containerLeaves } from "./manager.ts";
import { systemdUnitOf } from "./systemd/properties.ts";
import type { CgroupPlacement } from "./types.ts";

export interface LookupRequest {
  id: string;
  /** From the bundle's config.json if it can still be read; otherwise the default rule (the id). */
  cgroupsPath?: string;
  systemd?: boolean;
}

/** The placement of a container by the path rule, or undefined when none of its directories exist. */
export function findCgroupPlacement(req: LookupRequest): CgroupPlacement | undefined {
  const { path, leaves } = containerLeaves(detectCgroups(), req);
  const existing = leaves.filter((l) => existsSync(l.dir));
  // A systemd unit is stopped by name even when its cgroup is already gone.
  const systemdUnit = req.systemd ? systemdUnitOf(req.id, req.cgroupsPath).unit : undefined;
  if (existing.length === 0 && !systemdUnit) return undefined;
  return { path, dirs: existing.map((l) => l.dir), procsFiles: existing.map((l) => posix.join(l.dir, "cgroup.procs")), ...(systemdUnit ? { systemdUnit } : {}) };
}
