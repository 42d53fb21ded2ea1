/**
 * The data types the cgroups library hands across its boundary: planned file writes, the device
 * rules in effect, and the placement the runtime stores in state.json. linux.resources itself is
 * the type generated from the schema (spec-types.ts).
 */

/** A linux.resources.devices rule with every field resolved; major/minor -1 is the wildcard "*". */
export interface EffectiveDeviceRule {
  allow: boolean;
  type: "a" | "b" | "c";
  major: number;
  minor: number;
  access: string;
  pointer: string;
}

/**
 * One planned write into a cgroup file: the pure output of a resources/<controller>.ts module
 * (style rule 8: descriptions, not side effects). `controller` selects the hierarchy that holds
 * that controller ("cgroup" = the core files of the cgroup v2 hierarchy).
 */
export interface CgroupWrite {
  controller: string;
  file: string;
  value: string;
  /** What the write sets, for the error message: "memory limit". */
  what: string;
  /** Where in config.json the value came from: "/linux/resources/memory/limit". */
  pointer: string;
  /**
   * runc's period/burst quirk: the kernel may reject this value with EINVAL until a later write
   * of the same plan (the quota) has been done; then it is retried once after the plan.
   */
  retryAfterOnEinval?: boolean;
  /** The kernel clamps this value silently (cpu.shares): read it back and fail if it differs. */
  verifyReadBack?: boolean;
}

/** What the manager tells a translation about the host, so translations stay pure. */
export interface TranslateContext {
  /** Version of the hierarchy that holds `controller`, or undefined when it is mounted nowhere. */
  versionOf(controller: string): 1 | 2 | undefined;
  /** Whether `file` exists in the container's cgroup of the hierarchy holding its controller. */
  hasFile(controller: string, file: string): boolean;
  /** Current content of a file (update ordering, checkBeforeUpdate); undefined when unreadable. */
  read(controller: string, file: string): string | undefined;
  /** True for `update`, false for create. */
  update: boolean;
}

export interface Translation {
  writes: CgroupWrite[];
  warnings: string[];
}

/** Stored in state.json by the runtime: everything needed to find, signal and remove the cgroups. */
export interface CgroupPlacement {
  /** The cgroup path after the path rule (cleaned cgroupsPath, or the default), as configured. */
  path: string;
  /** Absolute directories this runtime created, parents before children (deepest last). */
  dirs: string[];
  /** One cgroup.procs per hierarchy the container joins. */
  procsFiles: string[];
  /** --systemd-cgroup: the transient unit (scope or slice) systemd made the cgroup for; delete stops it. */
  systemdUnit?: string;
}
