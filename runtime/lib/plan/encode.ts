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
const TWO_32 = 2 ** 32;

export class PlanEncodeError extends Error {
  constructor(section: SectionName, index: number, st: Step, detail: string) {
    super(`plan ${section}[${index}] ${st.op} (origin ${st.origin}): ${detail}`);
    this.name = "PlanEncodeError";
  }
}

/**
 * A growing little-endian buffer. The encoder writes each value once, straight into it: create
 * runs this code cold (interpreted, once per process), where every intermediate object and BigInt
 * conversion shows up in the start-up time.
 */
class Writer {
  buf = new Uint8Array(16384);
  view = new DataView(this.buf.buffer);
  at = 0;

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.at + n) size *= 2;
    const bigger = new Uint8Array(size);
    bigger.set(this.buf.subarray(0, this.at));
    this.buf = bigger;
    this.view = new DataView(bigger.buffer);
  }
  u8(v: number): void {
    this.room(1);
    this.buf[this.at++] = v;
  }
  u16(v: number): void {
    this.room(2);
    this.view.setUint16(this.at, v, true);
    this.at += 2;
  }
  u32(v: number): void {
    this.room(4);
    this.view.setUint32(this.at, v, true);
    this.at += 4;
  }
  /** 'i' argument: a safe-integer number or a bigint in i64 ∪ u64, as 64-bit two's complement. */
  int(v: number | bigint): void {
    this.u8(0x69);
    this.room(8);
    if (typeof v === "number") {
      const hi = Math.floor(v / TWO_32);
      this.view.setUint32(this.at, v - hi * TWO_32, true);
      this.view.setInt32(this.at + 4, hi, true);
    } else {
      this.view.setBigUint64(this.at, BigInt.asUintN(64, v), true);
    }
    this.at += 8;
  }
  /** 's' argument: a string (UTF-8) or raw bytes; returns the byte length. */
  bytes(v: string | Uint8Array): number {
    const raw = typeof v === "string" ? Buffer.from(v) : v;
    this.u8(0x73);
    this.u32(raw.length);
    this.room(raw.length);
    this.buf.set(raw, this.at);
    this.at += raw.length;
    return raw.length;
  }
}

function isInt(value: unknown): value is number | bigint {
  if (typeof value === "number") return Number.isSafeInteger(value);
  return typeof value === "bigint" && value >= I64_MIN && value <= U64_MAX;
}

/** Writes one typed argument as wire args; returns how many, or an error text on a kind mismatch. */
function writeArg(w: Writer, kind: string, arg: PlanArg): number | string {
  switch (kind) {
    case "i":
      if (!isInt(arg)) return "expected an integer (i64) or bigint";
      w.int(arg);
      return 1;
    case "s": {
      if (typeof arg !== "string" && !(arg instanceof Uint8Array)) return "expected a string or Uint8Array";
      const n = w.bytes(arg);
      if (n > PLAN_LIMITS.stringBytes) return `string of ${n} bytes exceeds ${PLAN_LIMITS.stringBytes}`;
      return 1;
    }
    case "S": {
      if (!Array.isArray(arg) || !arg.every((x) => typeof x === "string")) return "expected a string[]";
      w.int(arg.length);
      for (const s of arg as string[]) w.bytes(s);
      return 1 + arg.length;
    }
    case "I": {
      if (!Array.isArray(arg)) return "expected an array of integers";
      w.int(arg.length);
      for (let j = 0; j < arg.length; j++) {
        const x: unknown = arg[j];
        if (!isInt(x)) return `element ${j}: expected an integer`;
        w.int(x);
      }
      return 1 + arg.length;
    }
    default:
      return `opcode table has unknown kind '${kind}'`;
  }
}

function writeStep(w: Writer, section: SectionName, index: number, st: Step): void {
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
  w.u16(spec.code);
  const countAt = w.at;
  w.u16(0); // wire arg count, patched below
  w.u32(st.origin);
  let count = 0;
  for (let i = 0; i < st.args.length; i++) {
    const wrote = writeArg(w, spec.args[i]!, st.args[i]!);
    if (typeof wrote === "string") throw new PlanEncodeError(section, index, st, `arg ${i} ('${spec.args[i]}'): ${wrote}`);
    count += wrote;
  }
  if (count > PLAN_LIMITS.argsPerStep) throw new PlanEncodeError(section, index, st, `${count} wire args exceed ${PLAN_LIMITS.argsPerStep}`);
  w.view.setUint16(countAt, count, true);
}

export function encodePlan(plan: Plan): Uint8Array {
  const w = new Writer();
  w.u32(PLAN_MAGIC);
  w.u16(PLAN_VERSION);
  w.u16(0);
  w.u32(0); // body length, patched below
  for (const section of SECTIONS) {
    const steps = plan[section];
    if (steps.length > PLAN_LIMITS.stepsPerSection) {
      throw new Error(`plan section ${section} has ${steps.length} steps, more than ${PLAN_LIMITS.stepsPerSection}`);
    }
    w.u32(steps.length);
    for (let i = 0; i < steps.length; i++) writeStep(w, section, i, steps[i]!);
  }
  const body = w.at - HEADER_BYTES;
  if (body > PLAN_LIMITS.totalBytes) throw new Error(`plan is ${body} bytes, more than ${PLAN_LIMITS.totalBytes}`);
  w.view.setUint32(8, body, true);
  return w.buf.subarray(0, w.at);
}
