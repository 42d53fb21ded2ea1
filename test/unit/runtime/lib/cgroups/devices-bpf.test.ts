import { describe, expect, test } from "bun:test";
import { deviceProgramDir } from "../../../../../runtime/lib/cgroups/apply.ts";
import type { Hierarchy } from "../../../../../runtime/lib/cgroups/detect.ts";
import { compileDeviceFilter } from "../../../../../runtime/lib/cgroups/devices-bpf.ts";
import { emulateDeviceRules } from "../../../../../runtime/lib/cgroups/devices-emulator.ts";
import { deviceRules } from "../../../../../runtime/lib/cgroups/resources/devices.ts";
import type { EffectiveDeviceRule } from "../../../../../runtime/lib/cgroups/types.ts";
import { disassemble, run, type DeviceRequest } from "./ebpf-vm.ts";

/** "allow c 1:3 rwm" → a rule as deviceRules() makes them (no runtime defaults appended). */
function rule(text: string, i = 0): EffectiveDeviceRule {
  const m = /^(allow|deny) ([abc]) (\*|\d+):(\*|\d+) ([rwm]+)$/.exec(text);
  if (!m) throw new Error(`bad rule ${text}`);
  const num = (s: string) => (s === "*" ? -1 : Number(s));
  return { allow: m[1] === "allow", type: m[2] as "a" | "b" | "c", major: num(m[3]!), minor: num(m[4]!), access: m[5]!, pointer: `/linux/resources/devices/${i}` };
}
const rules = (...texts: string[]) => texts.map(rule);

/** "c 1:3 rw" → a request. */
function req(text: string): DeviceRequest {
  const [type, dev, access] = text.split(" ");
  const [major, minor] = dev!.split(":").map(Number);
  return { type: type as "b" | "c", major: major!, minor: minor!, access: access! };
}

function verdicts(program: Uint8Array, table: Record<string, 0 | 1>): void {
  const got = Object.fromEntries(Object.keys(table).map((k) => [k, run(program, req(k))]));
  expect(got).toEqual(table);
}

const PROLOGUE = ["ldxw r2 [r1+0]", "and32 r2 65535", "ldxw r3 [r1+0]", "rsh32 r3 16", "ldxw r4 [r1+4]", "ldxw r5 [r1+8]"];

describe("program layout (runc devicefilter_test.go cases)", () => {
  test("runc's default allow list: 64 instructions, blocks sorted by major, minor, type", () => {
    const program = compileDeviceFilter(deviceRules([]));
    expect(program.length).toBe(64 * 8);
    const block = (at: number, type: number, major?: number, minor?: number, access?: number) => {
      const next = at + 2 + (access === undefined ? 0 : 3) + (major === undefined ? 0 : 1) + (minor === undefined ? 0 : 1) + 1;
      return [
        `jne r2 ${type} -> ${next}`,
        ...(access === undefined ? [] : ["mov32 r1 r3", `and32 r1 ${access}`, `jne r1 r3 -> ${next}`]),
        ...(major === undefined ? [] : [`jne r4 ${major} -> ${next}`]),
        ...(minor === undefined ? [] : [`jne r5 ${minor} -> ${next}`]),
        "mov32 r0 1",
        "exit",
      ];
    };
    const expected = [...PROLOGUE];
    const add = (type: number, major?: number, minor?: number, access?: number) => expected.push(...block(expected.length, type, major, minor, access));
    add(1, undefined, undefined, 1); // b *:* m
    add(2, undefined, undefined, 1); // c *:* m
    for (const [major, minor] of [[1, 3], [1, 5], [1, 7], [1, 8], [1, 9], [5, 0], [5, 2], [10, 200]]) add(2, major, minor);
    add(2, 136); // c 136:* rwm
    expected.push("mov32 r0 0", "exit");
    expect(disassemble(program)).toEqual(expected);
  });

  test("no rules: deny everything", () => {
    expect(disassemble(compileDeviceFilter([]))).toEqual([...PROLOGUE, "mov32 r0 0", "exit"]);
  });

  test("allow a: allow everything", () => {
    expect(disassemble(compileDeviceFilter(rules("allow a *:* rwm")))).toEqual([...PROLOGUE, "mov32 r0 1", "exit"]);
  });

  test("allow a, deny b 8:0 rwm: one reject block", () => {
    expect(disassemble(compileDeviceFilter(rules("allow a *:* rwm", "deny b 8:0 rwm")))).toEqual([
      ...PROLOGUE,
      "jne r2 1 -> 11",
      "jne r4 8 -> 11",
      "jne r5 0 -> 11",
      "mov32 r0 0",
      "exit",
      "mov32 r0 1",
      "exit",
    ]);
  });

  test("a rule on 'a' resets what came before it (runc TestDeviceFilter_Weird)", () => {
    const program = compileDeviceFilter(rules("deny b 8:1 rwm", "allow a *:* rwm", "deny b 8:2 rwm"));
    expect(disassemble(program)).toEqual([...PROLOGUE, "jne r2 1 -> 11", "jne r4 8 -> 11", "jne r5 2 -> 11", "mov32 r0 0", "exit", "mov32 r0 1", "exit"]);
    verdicts(program, { "b 8:1 rwm": 1, "b 8:2 r": 0, "c 8:2 r": 1 });
  });

  test("instruction bytes: struct bpf_insn, little-endian", () => {
    const program = compileDeviceFilter(rules("deny a *:* rwm", "allow c 1:3 r"));
    expect([...program.subarray(0, 8)]).toEqual([0x61, 0x12, 0, 0, 0, 0, 0, 0]); // ldxw r2, [r1+0]
    expect([...program.subarray(8, 16)]).toEqual([0x54, 0x02, 0, 0, 0xff, 0xff, 0, 0]); // and32 r2, 0xffff
    expect([...program.subarray(48, 56)]).toEqual([0x55, 0x02, 7, 0, 2, 0, 0, 0]); // jne r2, 2 (char), +7
    expect([...program.subarray(program.length - 8)]).toEqual([0x95, 0, 0, 0, 0, 0, 0, 0]); // exit
  });
});

describe("verdicts", () => {
  test("runc's defaults: the usual nodes work, everything else is refused, mknod of any node is allowed", () => {
    verdicts(compileDeviceFilter(deviceRules([])), {
      "c 1:3 r": 1, "c 1:3 w": 1, "c 1:3 rw": 1, "c 1:3 m": 1, // /dev/null
      "c 1:5 rw": 1, "c 1:7 w": 1, "c 1:8 r": 1, "c 1:9 r": 1, // zero full random urandom
      "c 5:0 rw": 1, "c 5:2 rw": 1, "c 136:0 rw": 1, "c 136:99 r": 1, "c 10:200 rw": 1, // tty ptmx pts tun
      "c 1:1 r": 0, "c 1:11 r": 0, "c 1:4 rw": 0, "c 5:1 rw": 0, "c 4:0 rw": 0, "c 10:229 rw": 0, // mem kmsg port console tty0 fuse
      "b 8:0 r": 0, "b 8:0 w": 0, "b 7:0 rw": 0, // sda, loop0
      "c 1:1 m": 1, "b 8:0 m": 1, "c 4242:7 m": 1, "b 1:3 r": 0, // mknod only; block 1:3 is not /dev/null
    });
  });

  test("a podman-style set (deny all, its default nodes, --device /dev/fuse, --device-cgroup-rule 'b 8:* r')", () => {
    const config = [
      { allow: false, access: "rwm" },
      ...[[1, 3], [1, 8], [1, 7], [5, 0], [1, 5], [1, 9], [5, 2]].map(([major, minor]) => ({ allow: true, type: "c", major, minor, access: "rwm" })),
      { allow: true, type: "c", major: 136, access: "rwm" },
      { allow: true, type: "c", major: 10, minor: 229, access: "rwm" },
      { allow: true, type: "b", major: 8, access: "r" },
    ];
    verdicts(compileDeviceFilter(deviceRules(config)), {
      "c 10:229 rw": 1, "b 8:0 r": 1, "b 8:16 r": 1, "b 8:0 w": 0, "b 8:0 rw": 0, "b 9:0 r": 0, "c 8:0 r": 0,
      "c 1:3 rw": 1, "c 136:3 rw": 1, "c 1:1 r": 0, "b 8:0 m": 1,
    });
  });

  test("access must be a subset of one rule's; rules for the same device merge", () => {
    verdicts(compileDeviceFilter(rules("deny a *:* rwm", "allow c 1:3 r")), { "c 1:3 r": 1, "c 1:3 w": 0, "c 1:3 rw": 0, "c 1:3 m": 0 });
    verdicts(compileDeviceFilter(rules("deny a *:* rwm", "allow c 1:3 r", "allow c 1:3 w")), { "c 1:3 rw": 1, "c 1:3 m": 0 });
    // A wildcard rule and a specific one do not combine, as in v1 (match_exception).
    verdicts(compileDeviceFilter(rules("deny a *:* rwm", "allow c 1:* r", "allow c 1:3 w")), { "c 1:3 r": 1, "c 1:3 w": 1, "c 1:3 rw": 0 });
  });

  test("later rules take access away from earlier ones for the same device", () => {
    verdicts(compileDeviceFilter(rules("deny a *:* rwm", "allow c 1:3 rwm", "deny c 1:3 w")), { "c 1:3 r": 1, "c 1:3 w": 0, "c 1:3 rw": 0, "c 1:3 m": 1 });
    verdicts(compileDeviceFilter(rules("deny a *:* rwm", "allow c 1:3 rwm", "deny c 1:3 rwm", "allow c 1:3 r")), { "c 1:3 r": 1, "c 1:3 w": 0 });
  });

  test("wildcard major, wildcard minor", () => {
    verdicts(compileDeviceFilter(rules("deny a *:* rwm", "allow c *:3 rw", "allow b 8:* rwm")), {
      "c 1:3 rw": 1, "c 99:3 r": 1, "c 1:4 r": 0, "b 8:0 rw": 1, "b 8:255 m": 1, "b 9:0 r": 0, "c 8:0 r": 0,
    });
  });

  test("allow-all with partial deny rules refuses any overlapping request, as v1 does (runc would allow open(O_RDWR))", () => {
    const program = compileDeviceFilter(rules("allow a *:* rwm", "deny c 1:3 w"));
    expect(disassemble(program).slice(6, 10)).toEqual(["jne r2 2 -> 14", "mov32 r1 r3", "and32 r1 4", "jeq r1 0 -> 14"]);
    verdicts(program, { "c 1:3 r": 1, "c 1:3 w": 0, "c 1:3 rw": 0, "c 1:3 m": 1, "c 1:4 w": 1, "b 1:3 w": 1 });
  });
});

describe("the v1 emulator", () => {
  test("exceptions sorted as runc sorts them; default from the last 'a' rule", () => {
    const e = emulateDeviceRules(rules("allow c 9:9 r", "deny a *:* rwm", "allow c 136:* rwm", "allow b 8:0 r", "allow c 8:0 w", "allow c *:* m", "allow c 8:0 r"));
    expect(e.defaultAllow).toBe(false);
    expect(e.exceptions.map((x) => `${x.type} ${x.major}:${x.minor} ${x.access}`)).toEqual(["c -1:-1 1", "b 8:0 2", "c 8:0 6", "c 136:-1 7"]);
  });

  test("taking access from part of a wildcard rule is an error naming the rule (v1 would ignore it)", () => {
    const list = [rule("deny a *:* rwm", 0), rule("allow c 1:* rwm", 1), rule("deny c 1:3 r", 2)];
    expect(() => compileDeviceFilter(list)).toThrow(/device rule "c 1:3 r" cannot take access away from part of the earlier wildcard rule "c 1:\* rwm".*config\.json \/linux\/resources\/devices\/2/);
    // Not overlapping in access, or the very same wildcard: fine.
    expect(() => compileDeviceFilter(rules("deny a *:* rwm", "allow c 1:* r", "deny c 1:3 w"))).not.toThrow();
    expect(() => compileDeviceFilter(rules("deny a *:* rwm", "allow c 1:* rwm", "deny c 1:* r"))).not.toThrow();
  });

  test("device numbers beyond 32 bits are refused", () => {
    expect(() => compileDeviceFilter(rules("deny a *:* rwm", "allow c 4294967296:0 r"))).toThrow(/does not fit in 32 bits/);
  });
});

describe("where device rules are enforced", () => {
  const leaf = (version: 1 | 2, name: string, controllers: string[]) => ({
    hierarchy: { version, mountpoint: `/sys/fs/cgroup/${name}`, mountRoot: "/", controllers, ownPath: "/" } satisfies Hierarchy,
    dir: `/sys/fs/cgroup/${name}/ctr`,
  });
  const v1Devices = leaf(1, "devices", ["devices"]);
  const v1Memory = leaf(1, "memory", ["memory"]);
  const unified = leaf(2, "unified", ["hugetlb"]);
  const pureV2 = { ...leaf(2, "", ["cpu", "memory", "io", "pids"]), dir: "/sys/fs/cgroup/ctr" };

  test("pure v2: an eBPF program on the container's cgroup (runc fs2)", () => {
    expect(deviceProgramDir([pureV2])).toBe("/sys/fs/cgroup/ctr");
  });
  test("hybrid with a v1 devices controller: v1 only, as runc's fs manager does", () => {
    expect(deviceProgramDir([v1Devices, v1Memory, unified])).toBeUndefined();
  });
  test("v1 without a devices hierarchy has nowhere to enforce them; a cgroup2 mount beside v1 controllers does", () => {
    expect(deviceProgramDir([v1Memory])).toBeUndefined();
    expect(deviceProgramDir([v1Memory, unified])).toBe("/sys/fs/cgroup/unified/ctr");
  });
});
