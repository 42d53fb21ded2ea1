/**
 * The runtime-spec `linux.resources` object (config-linux.md "Control groups") as this library reads
 * it, and the data types the library hands across its boundary: planned file writes and the
 * placement the runtime stores in state.json.
 */

export interface DeviceRule {
  allow: boolean;
  type?: string;
  major?: number;
  minor?: number;
  access?: string;
}
export interface MemoryResources {
  limit?: number;
  reservation?: number;
  swap?: number;
  kernel?: number;
  kernelTCP?: number;
  swappiness?: number;
  disableOOMKiller?: boolean;
  useHierarchy?: boolean;
  checkBeforeUpdate?: boolean;
}
export interface CpuResources {
  shares?: number;
  quota?: number;
  burst?: number;
  period?: number;
  realtimeRuntime?: number;
  realtimePeriod?: number;
  cpus?: string;
  mems?: string;
  idle?: number;
}
export interface BlockIODevice {
  major: number;
  minor: number;
}
export interface BlockIOWeightDevice extends BlockIODevice {
  weight?: number;
  leafWeight?: number;
}
export interface BlockIOThrottle extends BlockIODevice {
  rate?: number;
}
export interface BlockIO {
  weight?: number;
  leafWeight?: number;
  weightDevice?: BlockIOWeightDevice[];
  throttleReadBpsDevice?: BlockIOThrottle[];
  throttleWriteBpsDevice?: BlockIOThrottle[];
  throttleReadIOPSDevice?: BlockIOThrottle[];
  throttleWriteIOPSDevice?: BlockIOThrottle[];
}
export interface LinuxResources {
  devices?: DeviceRule[];
  memory?: MemoryResources;
  cpu?: CpuResources;
  pids?: { limit?: number };
  blockIO?: BlockIO;
  hugepageLimits?: Array<{ pageSize: string; limit: number }>;
  network?: { classID?: number; priorities?: Array<{ name: string; priority: number }> };
  rdma?: Record<string, { hcaHandles?: number; hcaObjects?: number }>;
  unified?: Record<string, string>;
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
}
