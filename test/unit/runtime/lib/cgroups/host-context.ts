/**
 * Translation contexts for unit tests: plain data describing a host (which hierarchy holds each
 * controller, which files the container's cgroup has, what some files read). No kernel involved.
 */
import type { TranslateContext } from "../../../../../runtime/lib/cgroups/types.ts";

export interface HostDescription {
  versions: Record<string, 1 | 2>;
  /** Files present in the container's cgroups; default: every file exists. */
  files?: string[];
  values?: Record<string, string>;
  update?: boolean;
}

export function hostContext(d: HostDescription): TranslateContext {
  return {
    versionOf: (c) => d.versions[c],
    hasFile: (_c, f) => (d.files ? d.files.includes(f) : true),
    read: (_c, f) => d.values?.[f],
    update: d.update ?? false,
  };
}

/** This machine: every controller on v1 except hugetlb, which sits on the cgroup2 mount. */
export const HYBRID = { cpu: 1, cpuacct: 1, cpuset: 1, memory: 1, devices: 1, freezer: 1, blkio: 1, pids: 1, hugetlb: 2, cgroup: 2 } as const;
/** A pure cgroup v2 host with the usual controllers enabled. */
export const V2 = { cpu: 2, cpuset: 2, memory: 2, io: 2, pids: 2, hugetlb: 2, rdma: 2, misc: 2, cgroup: 2 } as const;
/** A pure v1 host with every v1 controller, including the network ones. */
export const V1 = { cpu: 1, cpuacct: 1, cpuset: 1, memory: 1, devices: 1, freezer: 1, blkio: 1, pids: 1, hugetlb: 1, net_cls: 1, net_prio: 1, rdma: 1 } as const;

/** (file, value) pairs: what the tables in the tests compare. */
export function pairs(writes: Array<{ file: string; value: string }>): Array<[string, string]> {
  return writes.map((w) => [w.file, w.value]);
}
