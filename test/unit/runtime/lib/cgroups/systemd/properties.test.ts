import { describe, expect, test } from "bun:test";
import {
  INFINITY,
  deviceProperties,
  rangeToBits,
  resourceProperties,
  systemdUnitOf,
  unifiedProperties,
  unitProperties,
  type UnitProperty,
} from "../../../../../../runtime/lib/cgroups/systemd/properties.ts";
import { sharesToWeight } from "../../../../../../runtime/lib/cgroups/resources/cpu.ts";

/** name → value; a property given twice keeps each value in order. */
const values = (props: UnitProperty[]) => props.map((p) => [p.name, p.signature, p.value]);
const byName = (props: UnitProperty[], name: string) => props.filter((p) => p.name === name).map((p) => p.value);
const SD = 252;

describe("systemd unit naming (runc getUnitName, ExpandSlice)", () => {
  test("slice:prefix:name → <prefix>-<name>.scope in the expanded slice", () => {
    expect(systemdUnitOf("x", "machine-app.slice:docker:1234")).toEqual({ unit: "docker-1234.scope", parent: "machine-app.slice", path: "/machine.slice/machine-app.slice/docker-1234.scope" });
    expect(systemdUnitOf("c1", undefined)).toEqual({ unit: "bocker-runtime-c1.scope", parent: "system.slice", path: "/system.slice/bocker-runtime-c1.scope" });
    expect(systemdUnitOf("x", ":p:n")).toMatchObject({ unit: "p-n.scope", parent: "system.slice" });
    expect(systemdUnitOf("x", "-.slice::n")).toEqual({ unit: "n.scope", parent: "-.slice", path: "/n.scope" });
  });
  test("a name that is a slice is the unit itself (a transient slice)", () => {
    expect(systemdUnitOf("x", "system.slice:p:system-pod1.slice")).toEqual({ unit: "system-pod1.slice", parent: "system.slice", path: "/system.slice/system-pod1.slice" });
  });
  test("malformed paths and names are refused with the pointer", () => {
    expect(() => systemdUnitOf("x", "/a/b")).toThrow(/slice:prefix:name.*\/linux\/cgroupsPath/);
    expect(() => systemdUnitOf("x", "bad:p:n")).toThrow(/invalid systemd slice name "bad"/);
    expect(() => systemdUnitOf("x", "system.slice:p:")).toThrow(/invalid systemd unit name ""/);
    expect(() => systemdUnitOf("x", "system.slice:p:a b")).toThrow(/invalid systemd unit name "a b"/);
  });
});

describe("StartTransientUnit properties (runc Apply)", () => {
  test("a scope: its slice, delegated, the pid, accounting, no default dependencies", () => {
    const props = unitProperties(systemdUnitOf("c1", "system.slice:bt:c1"), "c1", 4242);
    expect(values(props)).toEqual([
      ["Description", "s", "bocker-runtime container c1"],
      ["Slice", "s", "system.slice"],
      ["Delegate", "b", true],
      ["PIDs", "au", [4242]],
      ["MemoryAccounting", "b", true],
      ["CPUAccounting", "b", true],
      ["IOAccounting", "b", true],
      ["TasksAccounting", "b", true],
      ["DefaultDependencies", "b", false],
    ]);
  });
  test("a slice Wants= its parent and takes no pid", () => {
    const props = unitProperties(systemdUnitOf("c1", "system.slice:bt:system-pod.slice"), "c1", 4242);
    expect(byName(props, "Wants")).toEqual([["system.slice"]]);
    expect(byName(props, "PIDs")).toEqual([]);
    expect(byName(props, "Delegate")).toEqual([]);
  });
});

describe("rangeToBits (runc RangeToBits)", () => {
  test("lists become little-endian byte masks", () => {
    expect([...rangeToBits("0", "/p")]).toEqual([0b1]);
    expect([...rangeToBits("0-1,3", "/p")]).toEqual([0b1011]);
    expect([...rangeToBits("7-9", "/p")]).toEqual([0x80, 0x03]);
    expect([...rangeToBits(" 1 , ,16", "/p")]).toEqual([0x02, 0x00, 0x01]);
  });
  test("bad lists are errors naming the pointer", () => {
    expect(() => rangeToBits("", "/linux/resources/cpu/cpus")).toThrow(/empty.*\/linux\/resources\/cpu\/cpus/);
    expect(() => rangeToBits("3-1", "/p")).toThrow(/invalid range 3-1/);
    expect(() => rangeToBits("a", "/p")).toThrow(/"a" is not a number/);
  });
});

describe("linux.resources → systemd properties (runc genV2ResourcesProperties)", () => {
  const noDevices = { devices: false, warn: () => {} };
  test("memory, swap, pids, shares, cpus and mems", () => {
    const props = resourceProperties(
      { memory: { limit: 64 << 20, reservation: 32 << 20, swap: 96 << 20 }, pids: { limit: 10 }, cpu: { shares: 1024, cpus: "0-1", mems: "0" } },
      SD,
      noDevices,
    );
    expect(values(props)).toEqual([
      ["MemoryMax", "t", 67108864n],
      ["MemoryLow", "t", 33554432n],
      ["MemorySwapMax", "t", 33554432n],
      ["CPUWeight", "t", 100n],
      ["TasksMax", "t", 10n],
      ["AllowedCPUs", "ay", new Uint8Array([3])],
      ["AllowedMemoryNodes", "ay", new Uint8Array([1])],
    ]);
  });
  test("unlimited values are systemd's infinity; swap follows an unlimited memory", () => {
    const props = resourceProperties({ memory: { limit: -1 }, pids: { limit: 0 } }, SD, noDevices);
    expect(values(props)).toEqual([
      ["MemoryMax", "t", INFINITY],
      ["MemorySwapMax", "t", INFINITY],
      ["TasksMax", "t", INFINITY],
    ]);
    // swap == limit: no swap at all, as the cgroup file gets it.
    expect(byName(resourceProperties({ memory: { limit: 100, swap: 100 } }, SD, noDevices), "MemorySwapMax")).toEqual([0n]);
    expect(() => resourceProperties({ memory: { limit: 100, swap: 50 } }, SD, noDevices)).toThrow(/memory\+swap limit should be >= memory limit/);
  });
  test("CPUWeight uses the cgroupfs driver's shares conversion", () => {
    for (const shares of [2, 512, 1024, 4096, 262144]) {
      expect(byName(resourceProperties({ cpu: { shares } }, SD, noDevices), "CPUWeight")).toEqual([BigInt(sharesToWeight(shares))]);
    }
  });
  test("CPU quota: per-second µs rounded up to whole percents, the period from systemd 242 on", () => {
    expect(values(resourceProperties({ cpu: { quota: 50000, period: 100000 } }, SD, noDevices))).toEqual([
      ["CPUQuotaPeriodUSec", "t", 100000n],
      ["CPUQuotaPerSecUSec", "t", 500000n],
    ]);
    expect(byName(resourceProperties({ cpu: { quota: 12345 } }, SD, noDevices), "CPUQuotaPerSecUSec")).toEqual([130000n]);
    expect(byName(resourceProperties({ cpu: { quota: -1, period: 50000 } }, SD, noDevices), "CPUQuotaPerSecUSec")).toEqual([INFINITY]);
    expect(byName(resourceProperties({ cpu: { quota: 50000, period: 100000 } }, 241, noDevices), "CPUQuotaPeriodUSec")).toEqual([]);
  });
  test("systemd before 244 gets no AllowedCPUs (the cgroup file still does)", () => {
    expect(resourceProperties({ cpu: { cpus: "0" } }, 243, noDevices)).toEqual([]);
  });
  test("nothing set, nothing sent: an update changes only what it names", () => {
    expect(resourceProperties({}, SD, noDevices)).toEqual([]);
  });
});

describe("unified → systemd properties (runc unifiedResToSystemdProps)", () => {
  test("the keys systemd has a property for; others are left to the cgroup files", () => {
    const props = unifiedProperties(
      { "memory.high": "1000", "memory.min": "max", "memory.swap.max": " 0 ", "pids.max": "max", "cpu.weight": "50", "cpuset.cpus": "0-1", "cpu.max": "max 50000", "io.weight": "10", "memory.oom.group": "1" },
      SD,
    );
    expect(values(props)).toEqual([
      ["MemoryHigh", "t", 1000n],
      ["MemoryMin", "t", INFINITY],
      ["MemorySwapMax", "t", 0n],
      ["TasksMax", "t", INFINITY],
      ["CPUWeight", "t", 50n],
      ["AllowedCPUs", "ay", new Uint8Array([3])],
      ["CPUQuotaPeriodUSec", "t", 50000n],
      ["CPUQuotaPerSecUSec", "t", INFINITY],
    ]);
    expect(byName(unifiedProperties({ "cpu.max": "20000" }, SD), "CPUQuotaPerSecUSec")).toEqual([200000n]);
  });
  test("they come after the translated ones, so they win", () => {
    const props = resourceProperties({ memory: { limit: 100 }, unified: { "memory.max": "200" } }, SD, { devices: false, warn: () => {} });
    expect(byName(props, "MemoryMax")).toEqual([100n, 200n]);
  });
  test("malformed keys and values are errors with the pointer", () => {
    expect(() => unifiedProperties({ "a/b": "1" }, SD)).toThrow(/must be a file name.*unified\/a~1b/);
    expect(() => unifiedProperties({ memory: "1" }, SD)).toThrow(/CONTROLLER.PARAMETER/);
    expect(() => unifiedProperties({ "memory.high": "1k" }, SD)).toThrow(/"1k" is not a number/);
    expect(() => unifiedProperties({ "cpu.max": "1 2 3" }, SD)).toThrow(/value invalid/);
  });
});

describe("device rules → DevicePolicy/DeviceAllow (runc devices/systemd.go)", () => {
  test("the default allow list: strict, cleared, then each rule in systemd's syntax", () => {
    const props = deviceProperties({}, () => {});
    expect(values(props).slice(0, 2)).toEqual([
      ["DevicePolicy", "s", "strict"],
      ["DeviceAllow", "a(ss)", []],
    ]);
    expect(props[2]!.value).toEqual([
      ["block-*", "m"],
      ["char-*", "m"],
      ["/dev/char/1:3", "rwm"],
      ["/dev/char/1:5", "rwm"],
      ["/dev/char/1:7", "rwm"],
      ["/dev/char/1:8", "rwm"],
      ["/dev/char/1:9", "rwm"],
      ["/dev/char/5:0", "rwm"],
      ["/dev/char/5:2", "rwm"],
      ["/dev/char/10:200", "rwm"],
      ["char-136", "rwm"],
    ]);
  });
  test("config rules merge with the defaults; block devices use /dev/block", () => {
    const allow = deviceProperties({ devices: [{ allow: true, type: "b", major: 8, minor: 0, access: "r" }, { allow: true, type: "c", major: 1, minor: 3, access: "r" }] }, () => {})[2]!.value as string[][];
    expect(allow).toContainEqual(["/dev/block/8:0", "r"]);
    expect(allow).toContainEqual(["/dev/char/1:3", "rwm"]);
  });
  test("allow-all is DevicePolicy=auto; a deny list is a temporary deny-all, with a warning", () => {
    expect(values(deviceProperties({ devices: [{ allow: true, access: "rwm" }] }, () => {}))).toEqual([
      ["DevicePolicy", "s", "auto"],
      ["DeviceAllow", "a(ss)", []],
    ]);
    const warnings: string[] = [];
    const props = deviceProperties({ devices: [{ allow: true, access: "rwm" }, { allow: false, type: "c", major: 4, minor: 1, access: "rwm" }] }, (m) => warnings.push(m));
    expect(values(props)).toEqual([
      ["DevicePolicy", "s", "strict"],
      ["DeviceAllow", "a(ss)", []],
    ]);
    expect(warnings[0]).toMatch(/deny-list device rules/);
  });
  test("\"*:n\" rules are left to the device program, with a warning", () => {
    const warnings: string[] = [];
    const allow = deviceProperties({ devices: [{ allow: false, access: "rwm" }, { allow: true, type: "c", minor: 5, access: "r" }] }, (m) => warnings.push(m))[2]!.value as string[][];
    expect(allow.some(([path]) => path!.includes(":5") && !path!.includes("1:5"))).toBe(false);
    expect(warnings).toEqual([expect.stringContaining('"c *:5"')]);
  });
  test("update sends device properties only when asked", () => {
    expect(byName(resourceProperties({}, SD, { devices: true, warn: () => {} }), "DevicePolicy")).toEqual(["strict"]);
  });
});
