/**
 * Plan → bytes for `bocker-init` (format: runtime/native/README.md "Plan wire format").
 * Every step is checked against OPCODES here too, so a compiler bug surfaces as a TypeScript
 * error naming the op and argument, not as a terse parser error from the helper.
 */
import { OPCODES, PLAN_MAGIC, PLAN_VERSION, SECTIONS, type SectionName } from "./opcodes.ts";
import type { Plan, PlanArg, Step } from "./steps.ts";

/** Bounds the C parser enforces (runtime/native/plan.h); checked here first. */
export const PLAN_LIMITS = {
  totalBytes: 16 * 1024 * 1024,
  stepsPerSection: 4096,
  argsPerStep: 1024,
  stringBytes: 1024 * 1024,
} as const;

const HEADER_BYTES = 12;
const I64_MIN = -(1n << 63n);
const U64_MAX = (1n << 64n) - 1n;

type WireArg = { kind: "i"; value: bigint } | { kind: "s"; bytes: Uint8Array };

export class PlanEncodeError extends Error {
  constructor(section: SectionName, index: number, st: Step, detail: string) {
    super(`plan ${section}[${index}] ${st.op} (origin ${st.origin}): ${detail}`);
    this.name = "PlanEncodeError";
  }
}

const utf8 = new TextEncoder();

function toInt(value: unknown): bigint | undefined {
  if (typeof value === "bigint") return value >= I64_MIN && value <= U64_MAX ? value : undefined;
  if (typeof value === "number" && Number.isSafeInteger(value)) return BigInt(value);
  return undefined;
}

function toBytes(value: unknown): Uint8Array | undefined {
  if (typeof value === "string") return utf8.encode(value);
  if (value instanceof Uint8Array) return value;
  return undefined;
}

/** Expands one typed argument into wire args; returns an error text on a kind mismatch. */
function expandArg(kind: string, arg: PlanArg, out: WireArg[]): string | undefined {
  switch (kind) {
    case "i": {
      const v = toInt(arg);
      if (v === undefined) return "expected an integer (i64) or bigint";
      out.push({ kind: "i", value: v });
      return undefined;
    }
    case "s": {
      const b = toBytes(arg);
      if (b === undefined) return "expected a string or Uint8Array";
      if (b.length > PLAN_LIMITS.stringBytes) return `string of ${b.length} bytes exceeds ${PLAN_LIMITS.stringBytes}`;
      out.push({ kind: "s", bytes: b });
      return undefined;
    }
    case "S": {
      if (!Array.isArray(arg) || !arg.every((x) => typeof x === "string")) return "expected a string[]";
      out.push({ kind: "i", value: BigInt(arg.length) });
      for (const s of arg as string[]) out.push({ kind: "s", bytes: utf8.encode(s) });
      return undefined;
    }
    case "I": {
      if (!Array.isArray(arg)) return "expected an array of integers";
      out.push({ kind: "i", value: BigInt(arg.length) });
      for (const [j, x] of (arg as unknown[]).entries()) {
        const v = toInt(x);
        if (v === undefined) return `element ${j}: expected an integer`;
        out.push({ kind: "i", value: v });
      }
      return undefined;
    }
    default:
      return `opcode table has unknown kind '${kind}'`;
  }
}

function wireArgs(section: SectionName, index: number, st: Step): WireArg[] {
  const spec = OPCODES[st.op];
  if (spec === undefined) throw new PlanEncodeError(section, index, st, "unknown opcode");
  if (!(spec.sections as readonly string[]).includes(section)) {
    throw new PlanEncodeError(section, index, st, `not allowed in section ${section} (allowed: ${spec.sections.join(", ")})`);
  }
  if (st.args.length !== spec.args.length) {
    throw new PlanEncodeError(section, index, st, `expected ${spec.args.length} args ("${spec.args}"), got ${st.args.length}`);
  }
  if (!Number.isInteger(st.origin) || st.origin < 0 || st.origin > 0xffffffff) {
    throw new PlanEncodeError(section, index, st, `origin must be a u32, got ${st.origin}`);
  }
  const out: WireArg[] = [];
  for (const [i, arg] of st.args.entries()) {
    const problem = expandArg(spec.args[i]!, arg, out);
    if (problem !== undefined) throw new PlanEncodeError(section, index, st, `arg ${i} ('${spec.args[i]}'): ${problem}`);
  }
  if (out.length > PLAN_LIMITS.argsPerStep) {
    throw new PlanEncodeError(section, index, st, `${out.length} wire args exceed ${PLAN_LIMITS.argsPerStep}`);
  }
  return out;
}

export function encodePlan(plan: Plan): Uint8Array {
  const encoded: Array<{ code: number; origin: number; args: WireArg[] }[]> = [];
  let body = 0;
  for (const section of SECTIONS) {
    const steps = plan[section];
    if (steps.length > PLAN_LIMITS.stepsPerSection) {
      throw new Error(`plan section ${section} has ${steps.length} steps, more than ${PLAN_LIMITS.stepsPerSection}`);
    }
    body += 4;
    encoded.push(
      steps.map((st, index) => {
        const args = wireArgs(section, index, st);
        body += 8 + args.reduce((n, a) => n + (a.kind === "i" ? 9 : 5 + a.bytes.length), 0);
        return { code: OPCODES[st.op].code, origin: st.origin, args };
      }),
    );
  }
  if (body > PLAN_LIMITS.totalBytes) throw new Error(`plan is ${body} bytes, more than ${PLAN_LIMITS.totalBytes}`);

  const buf = new Uint8Array(HEADER_BYTES + body);
  const view = new DataView(buf.buffer);
  let at = 0;
  const u8 = (v: number) => void view.setUint8(at++, v);
  const u16 = (v: number) => void (view.setUint16(at, v, true), (at += 2));
  const u32 = (v: number) => void (view.setUint32(at, v, true), (at += 4));
  u32(PLAN_MAGIC);
  u16(PLAN_VERSION);
  u16(0);
  u32(body);
  for (const steps of encoded) {
    u32(steps.length);
    for (const st of steps) {
      u16(st.code);
      u16(st.args.length);
      u32(st.origin);
      for (const a of st.args) {
        if (a.kind === "i") {
          u8(0x69);
          view.setBigUint64(at, BigInt.asUintN(64, a.value), true);
          at += 8;
        } else {
          u8(0x73);
          u32(a.bytes.length);
          buf.set(a.bytes, at);
          at += a.bytes.length;
        }
      }
    }
  }
  return buf;
}
