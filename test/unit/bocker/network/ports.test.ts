import { describe, expect, test } from "bun:test";
import { formatPortMapping, parsePortMapping, portRules } from "../../../../bocker/network/ports.ts";

describe("-p hostPort:containerPort[/proto]", () => {
  test("defaults to tcp and accepts udp", () => {
    expect(parsePortMapping("8080:80")).toEqual({ hostPort: 8080, containerPort: 80, protocol: "tcp" });
    expect(parsePortMapping("5353:53/udp")).toEqual({ hostPort: 5353, containerPort: 53, protocol: "udp" });
    expect(formatPortMapping(parsePortMapping("1:2"))).toBe("1:2/tcp");
  });

  test("rejects what Docker would reject, saying what is expected", () => {
    expect(() => parsePortMapping("80")).toThrow(/expected hostPort:containerPort\[\/tcp\|udp\]/);
    expect(() => parsePortMapping("8080:80/sctp")).toThrow(/expected hostPort:containerPort/);
    expect(() => parsePortMapping("0:80")).toThrow(/'0' is not a port/);
    expect(() => parsePortMapping("8080:70000")).toThrow(/'70000' is not a port/);
  });
});

describe("port rules", () => {
  test("DNAT in PREROUTING (not from the bridge) and OUTPUT, and a FORWARD accept", () => {
    const rules = portRules(parsePortMapping("8080:80"), "10.0.0.5", "bridge0");
    expect(rules.map((r) => `${r.table} ${r.chain} ${r.spec.join(" ")}`)).toEqual([
      "nat PREROUTING ! -i bridge0 -p tcp -m tcp --dport 8080 -m addrtype --dst-type LOCAL -j DNAT --to-destination 10.0.0.5:80",
      "nat OUTPUT -p tcp -m tcp --dport 8080 -m addrtype --dst-type LOCAL -j DNAT --to-destination 10.0.0.5:80",
      "filter FORWARD -d 10.0.0.5/32 -o bridge0 -p tcp -m tcp --dport 80 -j ACCEPT",
    ]);
  });
});
