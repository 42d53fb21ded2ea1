/**
 * A container's network lifecycle as the wrapper sees it: `connect` before the container exists
 * (bridge on first use, address lease, namespace + veth, published ports, its names in the
 * bridge's DNS), `disconnect` when it stops (the plumbing and the names go, the address stays
 * leased to the container), `release` on rm.
 * A connect that fails half-way undoes itself before the error reaches the caller.
 */
import { join } from "node:path";
import { BockerError } from "../errors.ts";
import { withLock } from "../lock.ts";
import { bridgeTag, ensureBridge, NETWORK_LOCK, type BridgeConfig } from "./bridge.ts";
import { addNames, removeNames } from "./dns.ts";
import { AddressPool, gatewayOf } from "./ipam.ts";
import { deleteTagged, ensureRule, taggedRules } from "./iptables.ts";
import { formatPortMapping, portRules, type PortMapping } from "./ports.ts";
import { netnsPath, plug, unplug } from "./veth.ts";

export interface NetworkConfig extends BridgeConfig {
  /** Where address leases persist: <BOCKER_ROOT>/network. */
  readonly stateDir: string;
  /** BOCKER_DNS_SERVERS: where the bridge's DNS forwards other names; empty: the host's resolv.conf. */
  readonly dnsUpstreams?: readonly string[];
}

export interface Attachment {
  readonly ip: string;
  readonly netnsPath: string;
}

const pool = (c: NetworkConfig) => new AddressPool(join(c.stateDir, c.bridge, "leases"), c.subnet);
const containerTag = (c: NetworkConfig, id: string) => `${bridgeTag(c)}:${id}`;

/** `names`: what other containers may call it besides its id (--name). */
export async function connect(c: NetworkConfig, id: string, ports: readonly PortMapping[], names: readonly string[] = []): Promise<Attachment> {
  await ensureBridge(c);
  // A container started again (`bocker start`) keeps the address its /etc/hosts names.
  const leased = pool(c).leasesOf(id)[0];
  const ip = leased ?? pool(c).allocate(id);
  try {
    plug({ id, bridge: c.bridge, subnet: c.subnet, ip });
    if (ports.length > 0) await publish(c, id, ip, ports);
    const dns = { bridge: c.bridge, address: gatewayOf(c.subnet), upstreams: c.dnsUpstreams ?? [] };
    await withLock(NETWORK_LOCK, () => addNames(dns, ip, [id, ...names]));
    return { ip, netnsPath: netnsPath(id) };
  } catch (err) {
    await disconnect(c, id);
    if (leased === undefined) pool(c).release(id);
    throw err;
  }
}

async function publish(c: NetworkConfig, id: string, ip: string, ports: readonly PortMapping[]): Promise<void> {
  await withLock(NETWORK_LOCK, () => {
    const published = taggedRules(bridgeTag(c)).filter((r) => r.table === "nat" && r.words[1] === "OUTPUT");
    for (const p of ports) {
      const clash = published.find(({ words }) => words.includes(p.protocol) && words[words.indexOf("--dport") + 1] === String(p.hostPort));
      if (clash) {
        const owner = clash.words[clash.words.indexOf("--comment") + 1]?.split(":").pop();
        throw new BockerError(`-p ${formatPortMapping(p)}: host port ${p.hostPort}/${p.protocol} is already published by ${owner}`);
      }
      for (const rule of portRules(p, ip, c.bridge)) ensureRule(rule, containerTag(c, id), rule.table === "filter" ? "insert" : "append");
    }
  });
}

/** Removes namespace, veth, port rules and names; safe to call for a container that has none of them. */
export async function disconnect(c: NetworkConfig, id: string): Promise<void> {
  await withLock(NETWORK_LOCK, () => {
    deleteTagged(containerTag(c, id));
    removeNames(c.bridge, id);
  });
  unplug(id);
}

export function release(c: NetworkConfig, id: string): void {
  pool(c).release(id);
}
