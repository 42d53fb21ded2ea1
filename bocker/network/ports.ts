/**
 * Published ports (`-p hostPort:containerPort[/tcp|udp]`) as iptables DNAT, the way Docker does it
 * with its userland proxy off: PREROUTING for traffic arriving from outside, OUTPUT for traffic
 * the host sends to one of its own addresses, 127.0.0.1 included (that last case also needs the
 * bridge's route_localnet and the src-type LOCAL masquerade that bridge.ts installs). No process
 * has to stay alive to forward, so a foreground `bocker` that exits leaves ports working.
 */
import { BockerError } from "../errors.ts";
import type { Rule } from "./iptables.ts";

export interface PortMapping {
  readonly hostPort: number;
  readonly containerPort: number;
  readonly protocol: "tcp" | "udp";
}

function port(text: string, spec: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 65535) throw new BockerError(`-p ${spec}: '${text}' is not a port (1-65535)`);
  return n;
}

export function parsePortMapping(spec: string): PortMapping {
  const m = /^(\d+):(\d+)(?:\/(tcp|udp))?$/.exec(spec);
  if (!m) throw new BockerError(`-p ${spec}: expected hostPort:containerPort[/tcp|udp], e.g. 8080:80`);
  return { hostPort: port(m[1]!, spec), containerPort: port(m[2]!, spec), protocol: (m[3] as "tcp" | "udp" | undefined) ?? "tcp" };
}

export const formatPortMapping = (p: PortMapping) => `${p.hostPort}:${p.containerPort}/${p.protocol}`;

export function portRules(p: PortMapping, ip: string, bridge: string): Rule[] {
  const match = ["-p", p.protocol, "-m", p.protocol, "--dport", String(p.hostPort), "-m", "addrtype", "--dst-type", "LOCAL"];
  const dnat = ["-j", "DNAT", "--to-destination", `${ip}:${p.containerPort}`];
  return [
    // From other containers on the bridge the port is reached directly, not through the host.
    { table: "nat", chain: "PREROUTING", spec: ["!", "-i", bridge, ...match, ...dnat] },
    { table: "nat", chain: "OUTPUT", spec: [...match, ...dnat] },
    { table: "filter", chain: "FORWARD", spec: ["-d", `${ip}/32`, "-o", bridge, "-p", p.protocol, "-m", p.protocol, "--dport", String(p.containerPort), "-j", "ACCEPT"] },
  ];
}
