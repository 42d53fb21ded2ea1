import { describe, expect, test } from "bun:test";
import { encodePlan, PlanEncodeError } from "../../../../../runtime/lib/plan/encode.ts";
import { OPCODES, PLAN_MAGIC, PLAN_VERSION } from "../../../../../runtime/lib/plan/opcodes.ts";
import type { Plan, Step } from "../../../../../runtime/lib/plan/steps.ts";

const plan = (p: Partial<Plan>): Plan => ({ host: [], parent: [], child: [], init: [], ...p });
const st = (op: Step["op"], args: Step["args"], origin = 0): Step => ({ op, args, origin });

describe("encodePlan", () => {
  test("header and empty sections", () => {
    const b = encodePlan(plan({}));
    const v = new DataView(b.buffer);
    expect(v.getUint32(0, true)).toBe(PLAN_MAGIC);
    expect(v.getUint16(4, true)).toBe(PLAN_VERSION);
    expect(v.getUint32(8, true)).toBe(16);
    expect(b.length).toBe(28);
  });

  test("steps: opcode, wire arg count, origin, i and s args, lists expanded", () => {
    const b = encodePlan(plan({ init: [st("EXEC", ["sh", ["sh", "-c"], []], 9), st("SETGROUPS", [[1n, 2]], 3)] }));
    const v = new DataView(b.buffer);
    let o = 12 + 4 * 3 + 4;
    expect(v.getUint16(o, true)).toBe(OPCODES.EXEC.code);
    expect(v.getUint16(o + 2, true)).toBe(1 + 1 + 2 + 1); // s, i count, 2 s, i count
    expect(v.getUint32(o + 4, true)).toBe(9);
    o += 8;
    expect(String.fromCharCode(b[o]!)).toBe("s");
    expect(v.getUint32(o + 1, true)).toBe(2);
    expect(new TextDecoder().decode(b.subarray(o + 5, o + 7))).toBe("sh");
    o += 7;
    expect(String.fromCharCode(b[o]!)).toBe("i");
    expect(v.getBigInt64(o + 1, true)).toBe(2n);
    expect(b.length).toBe(12 + v.getUint32(8, true));
  });

  test("negative and 64-bit integers", () => {
    const b = encodePlan(plan({ init: [st("RLIMIT", [7, -1, (1n << 64n) - 1n])] }));
    const v = new DataView(b.buffer);
    const o = 12 + 12 + 4 + 8;
    expect(v.getBigInt64(o + 1 + 9, true)).toBe(-1n);
    expect(v.getBigUint64(o + 1 + 18, true)).toBe((1n << 64n) - 1n);
  });

  test("Uint8Array strings pass through byte for byte", () => {
    const prog = new Uint8Array([6, 0, 0, 0, 0, 0, 0xff, 0x7f]);
    const b = encodePlan(plan({ init: [st("SECCOMP", [prog, 0, -1])] }));
    expect(b.subarray(12 + 12 + 4 + 8 + 5, 12 + 12 + 4 + 8 + 13)).toEqual(prog);
  });

  const bad: Array<[string, Plan, RegExp]> = [
    ["wrong kind", plan({ init: [st("UMASK", ["022"], 5)] }), /init\[0\] UMASK \(origin 5\): arg 0 \('i'\): expected an integer/],
    ["wrong arity", plan({ init: [st("UMASK", [1, 2])] }), /UMASK .*expected 1 args \("i"\), got 2/],
    ["wrong section", plan({ host: [st("UMASK", [0o22])] }), /host\[0\] UMASK .*not allowed in section host/],
    ["non-integer", plan({ init: [st("UMASK", [1.5])] }), /arg 0/],
    ["list element", plan({ init: [st("SETGROUPS", [[1, "x" as unknown as number]])] }), /arg 0 \('I'\): element 1/],
    ["string list", plan({ init: [st("EXEC", ["sh", "sh" as unknown as string[], []])] }), /arg 1 \('S'\): expected a string\[\]/],
    ["unknown op", plan({ init: [st("NOPE" as Step["op"], [])] }), /unknown opcode/],
    ["origin", plan({ init: [st("SETSID", [], -1)] }), /origin must be a u32/],
  ];
  for (const [name, p, re] of bad) {
    test(`rejects ${name} naming the op and arg`, () => {
      expect(() => encodePlan(p)).toThrow(PlanEncodeError);
      expect(() => encodePlan(p)).toThrow(re);
    });
  }

  test("bounds", () => {
    expect(() => encodePlan(plan({ init: [st("SETHOSTNAME", ["x".repeat((1 << 20) + 1)])] }))).toThrow(/exceeds/);
    expect(() => encodePlan(plan({ init: [st("SETGROUPS", [Array(1024).fill(0)])] }))).toThrow(/wire args exceed 1024/);
  });
});
