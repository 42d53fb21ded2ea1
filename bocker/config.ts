/**
 * Settings read once from the environment, named as the original bocker named them
 * (BOCKER_CPU_SHARE, BOCKER_MEM_LIMIT) plus the ones the original hard-coded (/var/bocker,
 * bridge0 at 10.0.0.1/24, Docker Hub).
 */
import { resolve } from "node:path";
import { BockerError } from "./errors.ts";
import { parseSubnet, type Subnet } from "./network/ipam.ts";

export interface Settings {
  /** Storage root: images/, containers/, content/ (imagetool), runtime/ (runtime state), network/. */
  readonly root: string;
  /** Registry host[:port] that `pull NAME TAG` reads from; "" means Docker Hub. */
  readonly registry: string;
  /** cgroup v1 cpu.shares (v2: the runtime converts it to cpu.weight). */
  readonly cpuShares: number;
  /** Megabytes; written as MB * 1000000 bytes, as the original did (512 → 512000000). */
  readonly memLimitMb: number;
  readonly bridge: string;
  readonly subnet: Subnet;
  /** Parent of every container's cgroup; "" puts ps_N at each hierarchy's root like the original. */
  readonly cgroupParent: string;
  /** Where the bridge's DNS forwards names that are not containers' (ADDR[#PORT]); empty: the host's /etc/resolv.conf. */
  readonly dnsServers: readonly string[];
}

function dnsServers(env: NodeJS.ProcessEnv): string[] {
  const list = (env.BOCKER_DNS_SERVERS ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  const bad = list.find((s) => !/^\d{1,3}(\.\d{1,3}){3}(#\d{1,5})?$/.test(s));
  if (bad !== undefined) throw new BockerError(`BOCKER_DNS_SERVERS=${env.BOCKER_DNS_SERVERS}: '${bad}' is not ADDRESS[#PORT] (IPv4, comma-separated)`);
  return list;
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) <= 0) throw new BockerError(`${name}=${raw}: expected a positive integer`);
  return Number(raw);
}

export function loadSettings(env = process.env): Settings {
  const bridge = env.BOCKER_BRIDGE || "bridge0";
  // IFNAMSIZ is 16 including the NUL; `ip` would refuse a longer name later, after work was done.
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(bridge)) throw new BockerError(`BOCKER_BRIDGE=${bridge}: not a valid interface name (1-15 of A-Z a-z 0-9 _ . -)`);
  return {
    // Absolute, because bundle paths and bind-mount sources derived from it go to other tools.
    root: resolve(env.BOCKER_ROOT || "/var/bocker"),
    registry: env.BOCKER_REGISTRY ?? "",
    cpuShares: positiveInt(env, "BOCKER_CPU_SHARE", 512),
    memLimitMb: positiveInt(env, "BOCKER_MEM_LIMIT", 512),
    bridge,
    subnet: parseSubnet(env.BOCKER_SUBNET || "10.0.0.0/24", "BOCKER_SUBNET"),
    cgroupParent: (env.BOCKER_CGROUP_PARENT ?? "").replace(/^\/+|\/+$/g, ""),
    dnsServers: dnsServers(env),
  };
}
