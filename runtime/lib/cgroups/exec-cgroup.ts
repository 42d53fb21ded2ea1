/**
 * `exec --cgroup [CONTROLLER[,CONTROLLER…]:]PATH` (runc 1.1): the exec'd process joins an existing
 * sub-cgroup of the container's cgroup instead of the container's cgroup itself. Without a
 * controller prefix PATH applies to every hierarchy; with one, to that controller's hierarchy,
 * taking precedence over the unprefixed PATH (runc getSubCgroupPaths, setnsProcess.addIntoCgroup).
 * cgroup v2 has a single hierarchy: only the unprefixed PATH applies to it.
 */
import { existsSync } from "node:fs";
import { posix } from "node:path";
import { RuntimeError } from "../errors.ts";
import { detectCgroups } from "./detect.ts";
import { placementLeaves, type Leaf } from "./fs.ts";
import type { CgroupPlacement } from "./types.ts";

/** "" is the key of the unprefixed PATH. */
export type SubCgroupPaths = Map<string, string>;

export function parseSubCgroups(args: readonly string[]): SubCgroupPaths {
  const paths: SubCgroupPaths = new Map();
  for (const arg of args) {
    const colon = arg.indexOf(":");
    if (colon < 0) {
      if (paths.has("")) throw new RuntimeError("USAGE", "invalid --cgroup argument(s): multiple <cgroup> arguments");
      paths.set("", arg);
      continue;
    }
    for (const controller of arg.slice(0, colon).split(",")) {
      if (controller === "") throw new RuntimeError("USAGE", `invalid --cgroup argument: ${arg} (empty <controller> prefix)`);
      if (paths.has(controller)) throw new RuntimeError("USAGE", `invalid --cgroup argument(s): controller ${controller} specified multiple times`);
      paths.set(controller, arg.slice(colon + 1));
    }
  }
  return paths;
}

/** The hierarchy's name for a controller key: v1 subsystems and named hierarchies ("name=systemd"). */
function keysOf(leaf: Leaf): string[] {
  return leaf.hierarchy.version === 1 ? leaf.hierarchy.controllers : [];
}

/** dir/sub, refused when it leaves dir (a sub-cgroup is inside the container's cgroup) or is missing. */
function subDir(dir: string, sub: string, arg: string): string {
  const rel = posix.normalize(sub.replace(/^\/+/, ""));
  if (rel === ".." || rel.startsWith("../")) throw new RuntimeError("USAGE", `--cgroup ${arg}: the sub-cgroup must be inside the container's cgroup ${dir}`);
  const joined = posix.join(dir, rel);
  if (!existsSync(posix.join(joined, "cgroup.procs"))) throw new RuntimeError("USAGE", `--cgroup ${arg}: no such cgroup ${joined} (the sub-cgroup must exist)`);
  return joined;
}

/** The cgroup.procs files the exec'd process is written into. */
export function subCgroupProcs(leaves: Leaf[], paths: SubCgroupPaths): string[] {
  const used = new Set<string>();
  const files = leaves.map((leaf) => {
    const key = keysOf(leaf).find((k) => paths.has(k)) ?? (paths.has("") ? "" : undefined);
    if (key === undefined) return posix.join(leaf.dir, "cgroup.procs");
    used.add(key);
    const sub = paths.get(key)!;
    return posix.join(subDir(leaf.dir, sub, key === "" ? sub : `${key}:${sub}`), "cgroup.procs");
  });
  for (const key of paths.keys()) {
    if (!used.has(key)) throw new RuntimeError("USAGE", `--cgroup ${key}:${paths.get(key)}: the container has no cgroup v1 hierarchy with controller ${key}`);
  }
  return files;
}

/** exec --cgroup: the container's cgroup.procs files, or those of the named sub-cgroups. */
export function execCgroupProcs(p: CgroupPlacement | undefined, subCgroups: readonly string[]): string[] {
  if (subCgroups.length === 0) return p?.procsFiles ?? [];
  if (!p || p.procsFiles.length === 0) throw new RuntimeError("USAGE", "--cgroup: the container has no cgroups");
  return subCgroupProcs(placementLeaves(p.procsFiles, detectCgroups()), parseSubCgroups(subCgroups));
}
