/**
 * What `bocker run` adds to the config.json that `bocker-imagetool bundle` generates (runc's
 * tests edit config.json the same way): the limits the original set with cgset, where its cgroup
 * lives, the per-container /etc files, and what ping needs. Pure: spec in, spec out.
 */
import type { Spec } from "../schemas/generated/types/runtime-config.ts";

export interface ContainerChoices {
  readonly id: string;
  /** BOCKER_CGROUP_PARENT, "" for the hierarchy root (/sys/fs/cgroup/cpu/ps_N as in the original). */
  readonly cgroupParent: string;
  readonly cpuShares: number;
  /** --memory, else BOCKER_MEM_LIMIT × 1000000 (the original's decimal megabytes). */
  readonly memoryBytes: number;
  /** --pids-limit. */
  readonly pidsLimit?: number;
  /** --read-only: the rootfs is mounted read-only (volumes and the /etc files stay as they are). */
  readonly readOnly?: boolean;
  /** Host files bind-mounted over /etc/<name> (resolv.conf, hosts, hostname). */
  readonly etcFiles: Readonly<Record<string, string>>;
}

/**
 * busybox ping (Debian 12's 1.35, the images bocker makes with `init`) opens only SOCK_RAW, so
 * unprivileged ICMP sockets alone do not make it work: the container keeps CAP_NET_RAW, as in
 * Docker's default set (the original bocker kept every capability). The sysctl is podman's: ICMP
 * datagram sockets for every group, for pings that use them (iputils) under a non-root user.
 * It is set inside the container's own network namespace (runtime-spec config-linux.md sysctl).
 */
const PING_CAPABILITY = "CAP_NET_RAW";
const PING_SYSCTL = { "net.ipv4.ping_group_range": "0 2147483647" };

export function customizeSpec(spec: Spec, c: ContainerChoices): Spec {
  const linux = (spec.linux ??= {});
  linux.cgroupsPath = `/${[c.cgroupParent, c.id].filter(Boolean).join("/")}`;
  const resources = (linux.resources ??= {});
  resources.cpu = { ...resources.cpu, shares: c.cpuShares };
  // 512 MB reads back as 512000000: a multiple of 4096, so the kernel keeps it exactly.
  resources.memory = { ...resources.memory, limit: c.memoryBytes };
  if (c.pidsLimit !== undefined) resources.pids = { limit: c.pidsLimit };
  if (c.readOnly) spec.root = { ...spec.root!, readonly: true };
  linux.sysctl = { ...linux.sysctl, ...PING_SYSCTL };
  const caps = spec.process?.capabilities;
  if (caps) {
    for (const set of ["bounding", "effective", "permitted"] as const) {
      const list = (caps[set] ??= []);
      if (!list.includes(PING_CAPABILITY)) list.push(PING_CAPABILITY);
    }
  }
  // Its own cgroup namespace, so the cgroup filesystems mounted at /sys/fs/cgroup (read-only)
  // show the container's own cgroup as their root: cpu.shares and memory.limit_in_bytes read
  // inside give the values above, as in Docker with a private cgroup namespace.
  const namespaces = (linux.namespaces ??= []);
  if (!namespaces.some((n) => n.type === "cgroup")) namespaces.push({ type: "cgroup" });
  const mounts = (spec.mounts ??= []);
  for (const [name, source] of Object.entries(c.etcFiles)) {
    mounts.push({ destination: `/etc/${name}`, type: "bind", source, options: ["rbind", "rprivate"] });
  }
  return spec;
}
