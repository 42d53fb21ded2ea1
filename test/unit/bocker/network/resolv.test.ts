import { describe, expect, test } from "bun:test";
import { containerHosts, containerResolvConf } from "../../../../bocker/network/resolv.ts";
import { macFor } from "../../../../bocker/network/veth.ts";

describe("container resolv.conf", () => {
  test("keeps the host's reachable nameservers, search and options", () => {
    const host = "# generated\nnameserver 10.255.255.53\nsearch example.org\noptions ndots:2\n";
    expect(containerResolvConf(host)).toBe("nameserver 10.255.255.53\nsearch example.org\noptions ndots:2\n");
  });

  test("drops loopback resolvers (systemd-resolved's stub) and falls back to public ones", () => {
    expect(containerResolvConf("nameserver 127.0.0.53\noptions edns0\n")).toBe("nameserver 8.8.8.8\nnameserver 8.8.4.4\noptions edns0\n");
    expect(containerResolvConf("")).toBe("nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
  });
});

describe("container hosts", () => {
  test("localhost lines, then the container's address and names", () => {
    expect(containerHosts("ps_42045", "10.0.0.2", ["web"])).toBe(
      "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n10.0.0.2\tps_42045 web\n",
    );
  });
});

describe("MAC addresses", () => {
  test("derive from the IPv4 address as Docker's do", () => {
    expect(macFor("10.0.0.2")).toBe("02:42:0a:00:00:02");
    expect(macFor("172.17.255.1")).toBe("02:42:ac:11:ff:01");
  });
});
