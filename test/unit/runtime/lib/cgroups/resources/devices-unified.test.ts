import { describe, expect, test } from "bun:test";
import { deviceRules, deviceRuleText, devicesWrites } from "../../../../../../runtime/lib/cgroups/resources/devices.ts";
import { resourceWrites } from "../../../../../../runtime/lib/cgroups/resources/index.ts";
import { unifiedWrites } from "../../../../../../runtime/lib/cgroups/resources/unified.ts";
import { HYBRID, hostContext, pairs, V1, V2 } from "../host-context.ts";

describe("devices", () => {
  const rules = [
    { allow: false, access: "rwm" },
    { allow: true, type: "c", major: 1, minor: 3, access: "rw" },
    { allow: false, type: "b", major: 8, access: "m" },
  ];

  test("v1: deny a, then the config's rules in order, then runc's defaults", () => {
    const writes = devicesWrites(rules, hostContext({ versions: HYBRID }));
    expect(pairs(writes).slice(0, 4)).toEqual([
      ["devices.deny", "a"],
      ["devices.deny", "a *:* rwm"],
      ["devices.allow", "c 1:3 rw"],
      ["devices.deny", "b 8:* m"],
    ]);
    expect(pairs(writes).slice(4)).toEqual([
      ["devices.allow", "c *:* m"],
      ["devices.allow", "b *:* m"],
      ["devices.allow", "c 1:3 rwm"],
      ["devices.allow", "c 1:8 rwm"],
      ["devices.allow", "c 1:7 rwm"],
      ["devices.allow", "c 5:0 rwm"],
      ["devices.allow", "c 1:5 rwm"],
      ["devices.allow", "c 1:9 rwm"],
      ["devices.allow", "c 136:* rwm"],
      ["devices.allow", "c 5:2 rwm"],
      ["devices.allow", "c 10:200 rwm"],
    ]);
    expect(writes[2]!.pointer).toBe("/linux/resources/devices/1");
  });

  test("v1 update of a confined cgroup: only the difference to devices.list, no deny-all gap (runc Transition)", () => {
    const list = ["c *:* m", "b *:* m", "c 1:3 rwm", "c 1:8 rwm", "c 1:7 rwm", "c 5:0 rwm", "c 1:5 rwm", "c 1:9 rwm", "c 136:* rwm", "c 5:2 rwm", "c 10:200 rwm", "c 4:1 rw", ""].join("\n");
    const ctx = hostContext({ versions: HYBRID, update: true, values: { "devices.list": list } });
    // c 4:1 loses w and gains m; b 8:0 is new; everything else is unchanged and not written.
    const writes = devicesWrites([{ allow: false, access: "rwm" }, { allow: true, type: "c", major: 4, minor: 1, access: "rm" }, { allow: true, type: "b", major: 8, minor: 0, access: "r" }], ctx);
    expect(pairs(writes)).toEqual([
      ["devices.deny", "c 4:1 w"],
      ["devices.allow", "c 4:1 m"],
      ["devices.allow", "b 8:0 r"],
    ]);
  });

  test("v1 update from allow-all, or to it, or with an unreadable list: the full replay after deny a", () => {
    const full = (values: Record<string, string> | undefined, rules = [{ allow: false, access: "rwm" }]) =>
      devicesWrites(rules, hostContext({ versions: HYBRID, update: true, values }))[0];
    expect(full({ "devices.list": "a *:* rwm\n" })).toMatchObject({ file: "devices.deny", value: "a" });
    expect(full(undefined)).toMatchObject({ file: "devices.deny", value: "a" });
    expect(full({ "devices.list": "c 1:3 rwm\n" }, [{ allow: true, access: "rwm" }])).toMatchObject({ file: "devices.deny", value: "a" });
  });

  test("no rules in the config still confines the container (runc appends its defaults)", () => {
    expect(devicesWrites(undefined, hostContext({ versions: HYBRID }))[0]).toMatchObject({ file: "devices.deny", value: "a" });
  });

  test("v2: no writes, rules returned as data for the eBPF program", () => {
    expect(devicesWrites(rules, hostContext({ versions: V2 }))).toEqual([]);
    const effective = deviceRules(rules);
    expect(effective[1]).toEqual({ allow: true, type: "c", major: 1, minor: 3, access: "rw", pointer: "/linux/resources/devices/1" });
    expect(deviceRuleText(effective[0]!)).toBe("a *:* rwm");
  });

  test("bad rules are errors naming the rule", () => {
    expect(() => deviceRules([{ allow: true, type: "x", access: "r" }])).toThrow(/invalid cgroup device type "x".*devices\/0\/type/);
    expect(() => deviceRules([{ allow: true, type: "c" }])).toThrow(/access cannot be empty.*devices\/0\/access/);
    expect(() => deviceRules([{ allow: true, access: "rx" }])).toThrow(/invalid device access "rx"/);
  });
});

describe("unified", () => {
  test("v2 host: keys written as given, one write per line", () => {
    const writes = unifiedWrites({ "memory.high": "1073741824", "io.max": "8:0 rbps=1\n8:16 wbps=2\n", "cgroup.max.depth": "3" }, hostContext({ versions: V2 }));
    expect(writes.map((w) => [w.controller, w.file, w.value])).toEqual([
      ["memory", "memory.high", "1073741824"],
      ["io", "io.max", "8:0 rbps=1"],
      ["io", "io.max", "8:16 wbps=2"],
      ["cgroup", "cgroup.max.depth", "3"],
    ]);
  });

  test("hybrid host: only controllers that live on v2 (here hugetlb) and cgroup.* qualify", () => {
    const ctx = hostContext({ versions: HYBRID });
    expect(pairs(unifiedWrites({ "hugetlb.2MB.max": "0", "cgroup.max.descendants": "10" }, ctx))).toEqual([
      ["hugetlb.2MB.max", "0"],
      ["cgroup.max.descendants", "10"],
    ]);
    expect(() => unifiedWrites({ "memory.high": "1" }, ctx)).toThrow(/controller "memory" is on a cgroup v1 hierarchy.*unified\/memory.high/);
  });

  test("v1-only host: every key is an error", () => {
    expect(() => unifiedWrites({ "pids.max": "1" }, hostContext({ versions: V1 }))).toThrow(/needs cgroup v2/);
  });

  test("malformed keys", () => {
    const ctx = hostContext({ versions: V2 });
    expect(() => unifiedWrites({ "../memory.max": "1" }, ctx)).toThrow(/no slashes/);
    expect(() => unifiedWrites({ memorymax: "1" }, ctx)).toThrow(/CONTROLLER.PARAMETER/);
    expect(() => unifiedWrites({ "foo.bar": "1" }, ctx)).toThrow(/controller "foo" is not available/);
  });
});

describe("resourceWrites", () => {
  test("controllers in runc's order, unified last; devices only when asked on update", () => {
    const r = { unified: { "hugetlb.2MB.max": "0" }, pids: { limit: 5 }, memory: { limit: 4096 }, cpu: { shares: 100, cpus: "0" }, devices: [] };
    const { writes } = resourceWrites(r, hostContext({ versions: HYBRID }), { devices: true });
    const order = [...new Set(writes.map((w) => w.controller))];
    expect(order).toEqual(["cpuset", "devices", "memory", "cpu", "pids", "hugetlb"]);
    const update = resourceWrites({ pids: { limit: 5 } }, hostContext({ versions: HYBRID, update: true }), { devices: false });
    expect(pairs(update.writes)).toEqual([["pids.max", "5"]]);
  });
});
