import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AddressPool, gatewayOf, intToIp, ipToInt, parseSubnet, subnetCidr } from "../../../../bocker/network/ipam.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function leaseDir(): string {
  const d = mkdtempSync(join(tmpdir(), "bocker-ipam-"));
  dirs.push(d);
  return join(d, "leases");
}

describe("addresses and subnets", () => {
  test("round-trips dotted quads through integers", () => {
    for (const ip of ["0.0.0.0", "10.0.0.1", "192.168.255.254", "255.255.255.255"]) expect(intToIp(ipToInt(ip))).toBe(ip);
    expect(ipToInt("10.0.0.1")).toBe(0x0a000001);
  });

  test("parses the default subnet and derives the gateway like bridge0", () => {
    const s = parseSubnet("10.0.0.0/24", "BOCKER_SUBNET");
    expect(subnetCidr(s)).toBe("10.0.0.0/24");
    expect(gatewayOf(s)).toBe("10.0.0.1");
  });

  test("rejects malformed or unusable subnets with the setting's name", () => {
    expect(() => parseSubnet("10.0.0.0", "BOCKER_SUBNET")).toThrow(/BOCKER_SUBNET=10.0.0.0: expected an IPv4 CIDR/);
    expect(() => parseSubnet("10.0.0.0/31", "X")).toThrow(/prefix 8-30/);
    expect(() => parseSubnet("10.0.0.7/24", "X")).toThrow(/host bits are set \(did you mean 10.0.0.0\/24\?\)/);
    expect(() => parseSubnet("10.0.300.0/24", "X")).toThrow(/not an IPv4 address/);
  });
});

describe("AddressPool", () => {
  test("leases the lowest free host address, skipping the gateway, and releases on rm", () => {
    const pool = new AddressPool(leaseDir(), parseSubnet("10.88.0.0/24", "t"));
    expect(pool.allocate("ps_1")).toBe("10.88.0.2");
    expect(pool.allocate("ps_2")).toBe("10.88.0.3");
    pool.release("ps_1");
    expect(pool.leasesOf("ps_1")).toEqual([]);
    expect(pool.allocate("ps_3")).toBe("10.88.0.2");
    expect(pool.leasesOf("ps_2")).toEqual(["10.88.0.3"]);
  });

  test("leases persist: a second pool over the same directory sees them", () => {
    const dir = leaseDir();
    const subnet = parseSubnet("10.88.0.0/24", "t");
    new AddressPool(dir, subnet).allocate("ps_1");
    expect(new AddressPool(dir, subnet).allocate("ps_2")).toBe("10.88.0.3");
  });

  test("a full subnet is an error, never the broadcast address", () => {
    const dir = leaseDir();
    const pool = new AddressPool(dir, parseSubnet("10.88.0.0/30", "t")); // .1 gateway, .2 the only host, .3 broadcast
    expect(pool.allocate("a")).toBe("10.88.0.2");
    expect(() => pool.allocate("b")).toThrow(/no free address left in 10.88.0.0\/30/);
    expect(readdirSync(dir)).toEqual(["10.88.0.2"]);
  });

  test("releasing an owner with no lease (or no lease directory) is fine", () => {
    const pool = new AddressPool(leaseDir(), parseSubnet("10.88.0.0/24", "t"));
    expect(() => pool.release("nobody")).not.toThrow();
  });
});
