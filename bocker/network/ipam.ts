/**
 * Address allocation for containers on the bridge, persistent across bocker invocations, in the
 * manner of CNI's host-local plugin: one file per leased address, named by the address and holding
 * the container id. Creating it with O_EXCL is the lease, so two concurrent runs can never get the
 * same address; unlinking it is the release (on `rm`).
 */
import { mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BockerError } from "../errors.ts";

export interface Subnet {
  /** Network address as a 32-bit unsigned integer. */
  readonly network: number;
  readonly prefix: number;
}

export function ipToInt(ip: string): number {
  const parts = ip.split(".");
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    throw new BockerError(`'${ip}' is not an IPv4 address`);
  }
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

/** Parses "10.0.0.0/24"; `what` names the setting in the error. Prefixes /8../30 leave room for hosts. */
export function parseSubnet(cidr: string, what: string): Subnet {
  const m = /^([\d.]+)\/(\d+)$/.exec(cidr);
  const prefix = Number(m?.[2]);
  if (!m || !(prefix >= 8 && prefix <= 30)) throw new BockerError(`${what}=${cidr}: expected an IPv4 CIDR like 10.0.0.0/24 (prefix 8-30)`);
  const mask = (0xffffffff << (32 - prefix)) >>> 0;
  const addr = ipToInt(m[1]!);
  if ((addr & ~mask) >>> 0 !== 0) throw new BockerError(`${what}=${cidr}: host bits are set (did you mean ${intToIp((addr & mask) >>> 0)}/${prefix}?)`);
  return { network: addr, prefix };
}

export const subnetCidr = (s: Subnet) => `${intToIp(s.network)}/${s.prefix}`;
/** The bridge's own address: the first host, as bridge0 is 10.0.0.1 in the original. */
export const gatewayOf = (s: Subnet) => intToIp(s.network + 1);
const broadcastOf = (s: Subnet) => s.network + 2 ** (32 - s.prefix) - 1;

export class AddressPool {
  constructor(private readonly dir: string, private readonly subnet: Subnet) {}

  /** Leases the lowest free address for `owner` (a container id) and returns it. */
  allocate(owner: string): string {
    mkdirSync(this.dir, { recursive: true });
    const taken = new Set(readdirSync(this.dir));
    for (let n = this.subnet.network + 2; n < broadcastOf(this.subnet); n++) {
      const ip = intToIp(n);
      if (taken.has(ip)) continue;
      try {
        writeFileSync(join(this.dir, ip), `${owner}\n`, { flag: "wx" });
        return ip;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "EEXIST") continue; // a concurrent run won it
        throw new BockerError(`cannot lease ${ip} in ${this.dir}: ${(err as Error).message}`, { cause: err });
      }
    }
    throw new BockerError(`no free address left in ${subnetCidr(this.subnet)} (leases in ${this.dir})`);
  }

  /** Releases every address `owner` holds; releasing nothing is fine (idempotent rm). */
  release(owner: string): void {
    for (const ip of this.leasesOf(owner)) unlinkSync(join(this.dir, ip));
  }

  leasesOf(owner: string): string[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    return names.filter((ip) => readFileSync(join(this.dir, ip), "utf8").trim() === owner);
  }
}
