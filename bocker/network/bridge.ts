/**
 * The host side every container shares: the bridge (bridge0, 10.0.0.1/24 unless BOCKER_BRIDGE /
 * BOCKER_SUBNET say otherwise), IP forwarding, and the NAT and forwarding rules. Created on first
 * use, every step idempotent, under a host-wide lock so concurrent first runs neither fail on
 * EEXIST nor add a rule twice. Like docker0, it stays when containers go; `removeBridge` is the
 * explicit teardown (tests, the demo).
 */
import { writeFileSync } from "node:fs";
import { attempt, run, runUnless } from "../exec.ts";
import { stopDns } from "./dns.ts";
import { withLock } from "../lock.ts";
import { deleteTagged, ensureRule, type Rule } from "./iptables.ts";
import { gatewayOf, subnetCidr, type Subnet } from "./ipam.ts";

export interface BridgeConfig {
  readonly bridge: string;
  readonly subnet: Subnet;
}

/** Host-wide, not per BOCKER_ROOT: the bridge and the iptables tables are host-wide too. */
export const NETWORK_LOCK = "/run/lock/bocker-network.lock";

export const bridgeTag = (c: BridgeConfig) => `bocker:${c.bridge}`;

function sysctl(path: string, value: string): void {
  writeFileSync(`/proc/sys/${path}`, value);
}

export function bridgeRules(c: BridgeConfig): Rule[] {
  const cidr = subnetCidr(c.subnet);
  return [
    // Outbound: containers' traffic leaving by any other interface gets the host's address.
    { table: "nat", chain: "POSTROUTING", spec: ["-s", cidr, "!", "-o", c.bridge, "-j", "MASQUERADE"] },
    // Published ports reached from the host itself (127.0.0.1:port, DNAT in OUTPUT): the source
    // is a local address the container cannot answer, so it is rewritten to the bridge's.
    { table: "nat", chain: "POSTROUTING", spec: ["-o", c.bridge, "-m", "addrtype", "--src-type", "LOCAL", "-j", "MASQUERADE"] },
    // With br_netfilter loaded bridged frames cross FORWARD too; a host whose FORWARD policy is
    // DROP (Docker sets that) must still pass container traffic and the replies to it.
    { table: "filter", chain: "FORWARD", spec: ["-i", c.bridge, "-j", "ACCEPT"] },
    { table: "filter", chain: "FORWARD", spec: ["-o", c.bridge, "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "ACCEPT"] },
  ];
}

export async function ensureBridge(c: BridgeConfig): Promise<void> {
  await withLock(NETWORK_LOCK, () => {
    runUnless(["ip", "link", "add", c.bridge, "type", "bridge"], /File exists/);
    run(["ip", "addr", "replace", `${gatewayOf(c.subnet)}/${c.subnet.prefix}`, "dev", c.bridge]);
    run(["ip", "link", "set", c.bridge, "up"]);
    sysctl("net/ipv4/ip_forward", "1");
    // DNAT of 127.0.0.1:port in OUTPUT routes a packet with a loopback address out of the bridge;
    // the kernel drops such "martians" unless route_localnet allows it on that interface.
    sysctl(`net/ipv4/conf/${c.bridge}/route_localnet`, "1");
    for (const rule of bridgeRules(c)) ensureRule(rule, bridgeTag(c), rule.table === "filter" ? "insert" : "append");
  });
}

/** Removes the bridge, its name server and every rule tagged for it (containers' port rules included). */
export async function removeBridge(c: BridgeConfig): Promise<void> {
  await withLock(NETWORK_LOCK, () => {
    stopDns(c.bridge);
    deleteTagged(bridgeTag(c));
    runUnless(["ip", "link", "del", c.bridge], /Cannot find device/);
  });
}

export function bridgeExists(name: string): boolean {
  return attempt(["ip", "link", "show", name]).code === 0;
}
