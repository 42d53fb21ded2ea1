/**
 * Applying linux.resources to existing cgroup directories: the bridge between the pure
 * translations (resources/*.ts) and the kernel. Used by setup (create) and update.
 */
import { existsSync } from "node:fs";
import { posix } from "node:path";
import { RuntimeError } from "../errors.ts";
import { errnoOf } from "../../../common/errors.ts";
import { compileDeviceFilter } from "./devices-bpf.ts";
import { leafFor, readCgroupFile, writeCgroupFile, writeError, type Leaf } from "./fs.ts";
import { deviceRules } from "./resources/devices.ts";
import { resourceWrites } from "./resources/index.ts";
import { enableV2Controllers } from "./v2-tree.ts";
import type { CgroupWrite, TranslateContext } from "./types.ts";
import type { LinuxResources } from "../spec-types.ts";

/** The context translations see: versions and files of the container's own directories. */
export function leafContext(leaves: Leaf[], update: boolean): TranslateContext {
  const dirOf = (controller: string) => leafFor(leaves, controller)?.dir;
  return {
    versionOf: (c) => leafFor(leaves, c)?.hierarchy.version,
    hasFile: (c, file) => {
      const dir = dirOf(c);
      return dir !== undefined && existsSync(posix.join(dir, file));
    },
    read: (c, file) => {
      const dir = dirOf(c);
      return dir === undefined ? undefined : readCgroupFile(posix.join(dir, file));
    },
    update,
  };
}

/** A context that claims every file exists: used once to learn which controllers a config needs. */
function probingContext(leaves: Leaf[]): TranslateContext {
  return { ...leafContext(leaves, false), hasFile: () => true, read: () => undefined };
}

/** Writes in order; a write marked retryAfterOnEinval that fails with EINVAL is retried at the end. */
export function applyWrites(writes: CgroupWrite[], leaves: Leaf[]): void {
  const deferred: Array<{ w: CgroupWrite; path: string }> = [];
  const one = (w: CgroupWrite, path: string) => {
    writeCgroupFile(path, w.value);
    if (w.verifyReadBack) {
      const back = readCgroupFile(path)?.trim();
      if (back !== w.value) {
        throw writeError(w, path, new Error(`the kernel accepted it as ${back} (value out of range)`));
      }
    }
  };
  for (const w of writes) {
    const leaf = leafFor(leaves, w.controller);
    if (!leaf) throw writeError(w, `(no ${w.controller} hierarchy)/${w.file}`, new Error("controller not mounted"));
    const path = posix.join(leaf.dir, w.file);
    try {
      one(w, path);
    } catch (err) {
      if (w.retryAfterOnEinval && errnoOf(err) === "EINVAL") deferred.push({ w, path });
      else throw err instanceof RuntimeError ? err : writeError(w, path, err);
    }
  }
  for (const { w, path } of deferred) {
    try {
      one(w, path);
    } catch (err) {
      throw err instanceof RuntimeError ? err : writeError(w, path, err);
    }
  }
}

/**
 * Where the device rules are enforced: the v1 devices hierarchy when the host has one (their
 * writes are in the plan), else the container's cgroup v2 directory, through an eBPF program. On
 * a hybrid host that is v1 only, as runc's fs manager does; the unified leaf then carries no
 * program (a placement holding only the unified leaf takes the v2 path, which is how the tests
 * exercise it on such a host).
 */
export function deviceProgramDir(leaves: Leaf[]): string | undefined {
  if (leafFor(leaves, "devices")?.hierarchy.version === 1) return undefined;
  return leaves.find((l) => l.hierarchy.version === 2)?.dir;
}

/** In a user namespace bpf(2) is refused; runc and crun then go on unconfined (canSkipEBPFError). */
function inUserNamespace(): boolean {
  const map = readCgroupFile("/proc/self/uid_map")?.trim().split(/\s+/);
  return map !== undefined && !(map[0] === "0" && map[1] === "0" && map[2] === "4294967295");
}

function attachDeviceFilter(resources: LinuxResources, dir: string, warnings: string[]): void {
  const program = compileDeviceFilter(deviceRules(resources.devices));
  // Lazy: bun:ffi and dlopen only on hosts whose devices controller is v2.
  const { attachDeviceProgram } = require("./bpf.ts") as typeof import("./bpf.ts");
  try {
    attachDeviceProgram(dir, program);
  } catch (err) {
    if (!inUserNamespace()) throw err;
    warnings.push(`device rules are not enforced (running in a user namespace): ${(err as Error).message}`);
  }
}

/**
 * Translates and applies `resources`; returns the translation's warnings. Device rules are written
 * at setup (unless `confineDevices` is false) and on update only when `resources.devices` is given.
 */
export function applyResources(resources: LinuxResources, leaves: Leaf[], update: boolean, confineDevices = true): string[] {
  const devices = confineDevices && (!update || resources.devices !== undefined);
  // Only for which v2 controllers to enable; device rules never need one (v2 enforces them with an
  // eBPF program, v1 has its own hierarchy), so the probe skips translating them.
  if (leaves.some((l) => l.hierarchy.version === 2)) {
    enableV2Controllers(resourceWrites(resources, probingContext(leaves), { devices: false }).writes, leaves);
  }
  const { writes, warnings } = resourceWrites(resources, leafContext(leaves, update), { devices });
  applyWrites(writes, leaves);
  const programDir = devices ? deviceProgramDir(leaves) : undefined;
  if (programDir !== undefined) attachDeviceFilter(resources, programDir, warnings);
  return warnings;
}
