import { describe, expect, test } from "bun:test";
import { OPCODES, SECTIONS } from "../../../../../runtime/lib/plan/opcodes.ts";
import { renderOpcodesHeader } from "../../../../../scripts/gen-opcodes.ts";

describe("opcode table", () => {
  const entries = Object.entries(OPCODES);

  test("codes are unique u16 values", () => {
    const codes = entries.map(([, spec]) => spec.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const c of codes) expect(c > 0 && c < 65536).toBe(true);
  });

  test("argument kinds are i, s, S or I and every opcode has a section", () => {
    for (const [name, spec] of entries) {
      expect(`${name}:${spec.args}`).toMatch(/^[A-Z_]+:[isSI]*$/);
      expect(spec.sections.length).toBeGreaterThan(0);
      for (const sec of spec.sections) expect(SECTIONS).toContain(sec);
    }
  });

  test("the generated header carries every opcode, its kinds and its section mask", () => {
    const h = renderOpcodesHeader();
    for (const [name, spec] of entries) {
      expect(h).toContain(`#define OP_${name} ${spec.code}\n`);
      expect(h).toContain(`{ OP_${name}, "${name}", "${spec.args}", `);
    }
    expect(h).toContain('static const char *const SECTION_NAMES[] = { "host", "parent", "child", "init" };');
  });
});
