/**
 * A container's own network: a named network namespace (`ip netns add`, so it exists, fully
 * plumbed, before the container process does, and the runtime simply joins it by path through
 * config.json linux.namespaces[type=network].path), and a veth pair with one end on the bridge
 * and the other as eth0 inside the namespace. Names follow the original bocker
 * (netns_<id>, veth0_<id>).
 */
import { run, runUnless } from "../exec.ts";
import { BockerError } from "../errors.ts";
import { gatewayOf, ipToInt, type Subnet } from "./ipam.ts";

export const netnsName = (id: string) => `netns_${id}`;
export const netnsPath = (id: string) => `/run/netns/${netnsName(id)}`;
export const hostVethName = (id: string) => `veth0_${id}`;

/** Docker's scheme: 02:42 then the IPv4 address, so a reused address keeps its MAC and ARP caches stay right. */
export function macFor(ip: string): string {
  const n = ipToInt(ip);
  return ["02", "42", ...[n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].map((b) => b.toString(16).padStart(2, "0"))].join(":");
}

export interface Endpoint {
  readonly id: string;
  readonly bridge: string;
  readonly subnet: Subnet;
  readonly ip: string;
}

/** Creates namespace and pair and configures both ends. On failure the caller runs `unplug`. */
export function plug(e: Endpoint): void {
  const veth = hostVethName(e.id);
  if (veth.length > 15) throw new BockerError(`interface name ${veth} is longer than 15 characters (IFNAMSIZ)`);
  const ns = netnsName(e.id);
  run(["ip", "netns", "add", ns]);
  // The peer is created directly inside the namespace, so "eth0" never clashes with the host's.
  run(["ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns]);
  run(["ip", "link", "set", veth, "master", e.bridge, "up"]);
  const inside = [
    "link set lo up",
    `link set eth0 address ${macFor(e.ip)}`,
    `addr add ${e.ip}/${e.subnet.prefix} dev eth0`,
    "link set eth0 up",
    `route add default via ${gatewayOf(e.subnet)}`,
  ];
  run(["ip", "-n", ns, "-batch", "-"], inside.join("\n") + "\n");
}

/**
 * Removes both; each part may already be gone (idempotent). The host end is deleted explicitly:
 * `ip netns del` only drops the name, and the kernel destroys the namespace (and with it the
 * pair) asynchronously, once no process holds it.
 */
export function unplug(id: string): void {
  runUnless(["ip", "link", "del", hostVethName(id)], /Cannot find device/);
  runUnless(["ip", "netns", "del", netnsName(id)], /No such file or directory/);
}
