/** The JSON the checker prints (see ../checker/checker.c `report`). */
export interface MountInfo {
  id: number;
  parent: number;
  dev: string;
  root: string;
  target: string;
  options: string;
  optional: string[];
  fstype: string;
  source: string;
  superOptions: string;
}

export interface DeviceInfo {
  type: "c" | "b" | "d" | "l" | "p" | "s" | "f";
  major: number;
  minor: number;
  mode: number;
  uid: number;
  gid: number;
  link?: string;
}

export interface PathInfo {
  exists: boolean;
  errno?: number;
  dir?: boolean;
  readonly?: boolean;
  entries?: number;
  bytes?: number;
}

export interface Report {
  pid: number;
  ppid: number;
  uid: number;
  gid: number;
  euid: number;
  egid: number;
  groups: number[];
  cwd: string | null;
  isatty: [boolean, boolean, boolean];
  personality: number;
  ioprio: { class: number; level: number };
  scheduler: { policy: number; nice: number };
  timensOffsets: string | null;
  args: string[];
  env: string[];
  hostname: string;
  domainname: string;
  namespaces: Record<string, number | null>;
  status: Record<"CapInh" | "CapPrm" | "CapEff" | "CapBnd" | "CapAmb" | "NoNewPrivs" | "Seccomp" | "Umask", string>;
  rlimits: Record<string, { soft: number; hard: number }>;
  oomScoreAdj: number | null;
  cgroup: string | null;
  uidMap: string | null;
  gidMap: string | null;
  fds: Record<string, string>;
  devices: Record<string, DeviceInfo>;
  mounts: MountInfo[];
  sysctl: Record<string, string | null>;
  paths: Record<string, PathInfo>;
}

/** The mount that covers `target` last (the visible one). */
export function mountAt(report: Report, target: string): MountInfo | undefined {
  return report.mounts.filter((m) => m.target === target).at(-1);
}

export function mountOptions(m: MountInfo): string[] {
  return m.options.split(",");
}
