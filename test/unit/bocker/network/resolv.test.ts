import { describe, expect, test } from "bun:test";
import { containerHosts, containerResolvConf } from "../../../../bocker/network/resolv.ts";
import { macFor } from "../../../../bocker/network/veth.ts";

describe("container resolv.conf", () => {
  test("the bridge's resolver, then the host's search and options", () => {
    const host = "# generated\nnameserver 10.255.255.53\nsearch example.org\noptions ndots:2\n";
    expect(containerResolvConf("10.0.0.1", host)).toBe("nameserver 10.0.0.1\nsearch example.org\noptions ndots:2\n");
  });

  test("no host resolvers reach the container, loopback ones (systemd-resolved's stub) included", () => {
    expect(containerResolvConf("10.0.0.1", "nameserver 127.0.0.53\noptions edns0\n")).toBe("nameserver 10.0.0.1\noptions edns0\n");
    expect(containerResolvConf("10.0.0.1", "")).toBe("nameserver 10.0.0.1\n");
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
