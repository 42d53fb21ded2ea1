/** A runc-like busybox container as a hand-built plan, for the helper's integration tests. */
import type { Plan, Step } from "../../../runtime/lib/plan/steps.ts";
import { CLONE, MS, s } from "./helper-driver.ts";

export const ALL_NS = CLONE.NEWNS | CLONE.NEWPID | CLONE.NEWUTS | CLONE.NEWIPC | CLONE.NEWNET;

/** proc, tmpfs /dev, devpts, sysfs ro, default devices and /dev symlinks (runtime-spec config-linux.md "Default Devices"). */
export function standardMounts(opts: { sysfs?: boolean; mknod?: boolean } = {}): Step[] {
  const dev: Step[] = [];
  for (const [name, minor] of [["null", 3], ["zero", 5], ["full", 7], ["random", 8], ["urandom", 9]] as const) {
    dev.push(opts.mknod === false ? s("BIND_DEVICE_IN_ROOT", `/dev/${name}`, `/dev/${name}`) : s("MKNOD_IN_ROOT", `/dev/${name}`, 0o20666, 1, minor, 0, 0));
  }
  return [
    s("MOUNT_IN_ROOT", "proc", "/proc", "proc", MS.NOSUID | MS.NODEV | MS.NOEXEC, ""),
    s("MOUNT_IN_ROOT", "tmpfs", "/dev", "tmpfs", MS.NOSUID, "mode=755,size=65536k"),
    s("MKDIR_IN_ROOT", "/dev/pts", 0o755),
    s("MOUNT_IN_ROOT", "devpts", "/dev/pts", "devpts", MS.NOSUID | MS.NOEXEC, "newinstance,ptmxmode=0666,mode=0620"),
    ...(opts.sysfs === false ? [] : [s("MOUNT_IN_ROOT", "sysfs", "/sys", "sysfs", MS.NOSUID | MS.NODEV | MS.NOEXEC | MS.RDONLY, "")]),
    ...dev,
    s("SYMLINK_IN_ROOT", "/proc/self/fd", "/dev/fd"),
    s("SYMLINK_IN_ROOT", "/proc/self/fd/0", "/dev/stdin"),
    s("SYMLINK_IN_ROOT", "pts/ptmx", "/dev/ptmx"),
  ];
}

export interface ContainerOpts {
  rootfs: string;
  /** Steps between the standard mounts and PIVOT_ROOT. */
  mounts?: Step[];
  /** Steps after PIVOT_ROOT and before REPORT_DONE. */
  afterPivot?: Step[];
  /** Steps after REPORT_DONE, before CLOSE_FDS and EXEC. */
  beforeExec?: Step[];
  host?: Step[];
  argv: string[];
  env?: string[];
  preserve?: number;
}

export function containerPlan(o: ContainerOpts): Plan {
  return {
    host: o.host ?? [],
    parent: [s("RELEASE_CHILD")],
    child: [s("AWAIT_RELEASE"), s("UNSHARE", ALL_NS), s("FORK_INIT")],
    init: [
      s("ROOTFS_PREPARE", o.rootfs, MS.SLAVE | MS.REC),
      ...standardMounts(),
      ...(o.mounts ?? []),
      s("PIVOT_ROOT"),
      ...(o.afterPivot ?? []),
      s("REPORT_DONE"),
      ...(o.beforeExec ?? []),
      s("CLOSE_FDS", 3 + (o.preserve ?? 0)),
      s("EXEC", o.argv[0]!, o.argv, o.env ?? ["PATH=/bin:/sbin", "HOME=/root"]),
    ],
  };
}
