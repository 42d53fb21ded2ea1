/**
 * The cgroup v2 tree above a container's cgroup: which state it is in (cgroup.type) and which
 * controllers it passes down (cgroup.subtree_control). cgroup v2 (Documentation/admin-guide/
 * cgroup-v2.rst) has two rules that make a half-done job worse than none:
 * - "no internal processes": a non-root cgroup with processes in it cannot enable a domain
 *   controller (memory, io: EBUSY) for its children;
 * - "thread root": enabling only threaded controllers (cpu, cpuset, pids) on such a cgroup turns it
 *   into a thread root, after which domain controllers fail (EOPNOTSUPP) and every new child is
 *   "domain invalid", refusing processes.
 * So the tree is checked before anything is created, each level gets its controllers in one write
 * (the kernel applies a "+a +b" line all or nothing), and a populated level is never written.
 */
import { posix } from "node:path";
import { RuntimeError } from "../errors.ts";
import { leafFor, readCgroupFile, writeCgroupFile, writeError, type Leaf } from "./fs.ts";
import type { CgroupWrite } from "./types.ts";

const POINTER = "/linux/cgroupsPath";

function words(dir: string, file: string): Set<string> {
  return new Set((readCgroupFile(posix.join(dir, file)) ?? "").split(/\s+/).filter(Boolean));
}

/** The directories from the hierarchy's mount down to the container's parent, top first. */
function ancestorsOf(v2: Leaf): string[] {
  const out: string[] = [];
  for (let d = posix.dirname(v2.dir); d.startsWith(v2.hierarchy.mountpoint); d = posix.dirname(d)) {
    out.unshift(d);
    if (d === v2.hierarchy.mountpoint) break;
  }
  return out;
}

/**
 * Refuses a v2 tree a container cannot live in: an existing ancestor (or the container's cgroup)
 * whose cgroup.type is not "domain" ("domain threaded", "threaded", "domain invalid"). The root
 * cgroup has no cgroup.type file. Called before the first mkdir, and on the new leaf after it.
 */
export function checkV2Domains(leaves: Leaf[], includeLeaf: boolean): void {
  const v2 = leaves.find((l) => l.hierarchy.version === 2);
  if (!v2) return;
  for (const dir of includeLeaf ? [...ancestorsOf(v2), v2.dir] : ancestorsOf(v2)) {
    const file = posix.join(dir, "cgroup.type");
    const type = readCgroupFile(file)?.trim();
    if (type === undefined || type === "domain") continue;
    throw new RuntimeError(
      "CONFIG_INVALID",
      `cannot place the container in cgroup ${v2.dir}: ${file} is "${type}", a container needs a "domain" cgroup all the way up (config.json ${POINTER})`,
      { path: file, pointer: POINTER, value: type },
    );
  }
}

/**
 * cgroup v2 only offers a controller's files in a cgroup whose parent lists it in
 * cgroup.subtree_control, so every ancestor from the mount down to the container's parent must
 * enable it (runc fs2 CreateCgroupPath, crun enable_controllers). On a pure v2 host every available
 * controller is wanted, as runc does, so stats and later updates work; on a hybrid host only those
 * the config uses (`needed`: controller → pointer). A level that cannot enable all wanted ones in
 * one write gets only the needed ones, in one write; a needed controller that cannot be enabled is
 * an error naming the file. Ancestors we did not create are changed only in this additive way and
 * never reverted: other cgroups below them may rely on the controller by then.
 */
export function enableV2Controllers(writes: CgroupWrite[], leaves: Leaf[]): void {
  const v2 = leaves.find((l) => l.hierarchy.version === 2);
  if (!v2) return;
  const needed = new Map<string, string>();
  for (const w of writes) {
    if (w.controller !== "cgroup" && leafFor(leaves, w.controller) === v2 && !needed.has(w.controller)) needed.set(w.controller, w.pointer);
  }
  const pureV2 = leaves.every((l) => l.hierarchy.version === 2);
  if (needed.size === 0 && !pureV2) return;
  for (const dir of ancestorsOf(v2)) {
    const enabled = words(dir, "cgroup.subtree_control");
    const missing = (set: Iterable<string>) => [...set].filter((c) => !enabled.has(c));
    const missingNeeded = missing(needed.keys());
    const wanted = missing(new Set([...(pureV2 ? words(dir, "cgroup.controllers") : []), ...needed.keys()]));
    if (wanted.length === 0) continue;
    const file = posix.join(dir, "cgroup.subtree_control");
    const populated = dir !== v2.hierarchy.mountpoint && (readCgroupFile(posix.join(dir, "cgroup.procs")) ?? "").trim() !== "";
    if (populated) {
      if (missingNeeded.length === 0) continue;
      const pointer = needed.get(missingNeeded[0]!)!;
      throw new RuntimeError(
        "CONFIG_INVALID",
        `cannot set ${missingNeeded.join(", ")} limits: ${posix.join(dir, "cgroup.procs")} has processes, so cgroup v2 forbids enabling ${missingNeeded.join(", ")} in ${file} (no internal processes); place the container under a cgroup without processes (config.json ${POINTER})`,
        { path: file, pointer },
      );
    }
    try {
      writeCgroupFile(file, wanted.map((c) => `+${c}`).join(" "));
      continue;
    } catch (err) {
      if (missingNeeded.length === 0) continue;
      if (missingNeeded.length === wanted.length) throw writeError({ what: `${missingNeeded.join(", ")} controllers for the container`, value: missingNeeded.map((c) => `+${c}`).join(" "), pointer: needed.get(missingNeeded[0]!)! }, file, err);
    }
    const value = missingNeeded.map((c) => `+${c}`).join(" ");
    try {
      writeCgroupFile(file, value);
    } catch (err) {
      throw writeError({ what: `${missingNeeded.join(", ")} controllers for the container`, value, pointer: needed.get(missingNeeded[0]!)! }, file, err);
    }
  }
}
