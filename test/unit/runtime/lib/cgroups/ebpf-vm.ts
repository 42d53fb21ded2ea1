/**
 * A small eBPF interpreter and disassembler for the instructions a device program may contain
 * (LDX MEM W, ALU/ALU64 AND RSH MOV with K or X, JMP JEQ JNE JA with K or X, EXIT), so unit tests
 * can run the bytes devices-bpf.ts emits the way the kernel would, without a kernel. Anything
 * outside that subset, a jump out of the program or backwards, a read of a register that was
 * never written (the verifier would refuse all of these) is an error, not a verdict.
 */

const MASK64 = (1n << 64n) - 1n;
const MASK32 = (1n << 32n) - 1n;

export interface Decoded {
  code: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
}

export function decode(program: Uint8Array): Decoded[] {
  if (program.length % 8 !== 0) throw new Error(`program length ${program.length} is not a multiple of 8`);
  const view = new DataView(program.buffer, program.byteOffset, program.byteLength);
  const out: Decoded[] = [];
  for (let i = 0; i < program.length; i += 8) {
    const regs = view.getUint8(i + 1);
    out.push({ code: view.getUint8(i), dst: regs & 0xf, src: regs >> 4, off: view.getInt16(i + 2, true), imm: view.getInt32(i + 4, true) });
  }
  return out;
}

const CLS = { ALU: 0x04, JMP: 0x05, ALU64: 0x07 };
const ALU_OPS: Record<number, string> = { 0x50: "and", 0x70: "rsh", 0xb0: "mov" };
const JMP_OPS: Record<number, string> = { 0x00: "ja", 0x10: "jeq", 0x50: "jne", 0x90: "exit" };

/** One line per instruction: "ldxw r2 [r1+0]", "and32 r2 65535", "jne r2 1 -> 12", "exit". */
export function disassemble(program: Uint8Array): string[] {
  return decode(program).map((i, pc) => {
    const cls = i.code & 7;
    const x = (i.code & 0x08) !== 0;
    const operand = x ? `r${i.src}` : String(i.imm);
    if (i.code === 0x61) return `ldxw r${i.dst} [r${i.src}+${i.off}]`;
    if (cls === CLS.ALU || cls === CLS.ALU64) {
      const op = ALU_OPS[i.code & 0xf0];
      if (!op) throw new Error(`pc ${pc}: unsupported ALU opcode 0x${i.code.toString(16)}`);
      return `${op}${cls === CLS.ALU ? "32" : ""} r${i.dst} ${operand}`;
    }
    if (cls === CLS.JMP) {
      const op = JMP_OPS[i.code & 0xf0];
      if (!op) throw new Error(`pc ${pc}: unsupported JMP opcode 0x${i.code.toString(16)}`);
      if (op === "exit") return "exit";
      if (op === "ja") return `ja -> ${pc + 1 + i.off}`;
      return `${op} r${i.dst} ${operand} -> ${pc + 1 + i.off}`;
    }
    throw new Error(`pc ${pc}: unsupported opcode 0x${i.code.toString(16)}`);
  });
}

export interface DeviceRequest {
  type: "b" | "c";
  major: number;
  minor: number;
  /** Any of r, w, m: what the kernel asks for in one check (open O_RDWR asks "rw"). */
  access: string;
}

/** struct bpf_cgroup_dev_ctx for the request. */
function context(req: DeviceRequest): DataView {
  const ctx = new DataView(new ArrayBuffer(12));
  let acc = 0;
  for (const c of req.access) acc |= c === "m" ? 1 : c === "r" ? 2 : c === "w" ? 4 : 0;
  ctx.setUint32(0, ((acc << 16) | (req.type === "b" ? 1 : 2)) >>> 0, true);
  ctx.setUint32(4, req.major, true);
  ctx.setUint32(8, req.minor, true);
  return ctx;
}

/** Runs the program on the request; returns r0 at exit (1 = allow, 0 = deny). */
export function run(program: Uint8Array, req: DeviceRequest): number {
  const insns = decode(program);
  const ctx = context(req);
  const regs: Array<bigint | undefined> = new Array(11).fill(undefined);
  regs[1] = -1n; // a context pointer: only usable as the base of ctx loads
  const get = (r: number, pc: number): bigint => {
    const v = regs[r];
    if (v === undefined) throw new Error(`pc ${pc}: r${r} read before it was written`);
    return v;
  };
  let pc = 0;
  for (let steps = 0; steps < 4096; steps++) {
    const i = insns[pc];
    if (!i) throw new Error(`pc ${pc}: fell off the end of the program`);
    const cls = i.code & 7;
    const x = (i.code & 0x08) !== 0;
    if (i.code === 0x61) {
      if (regs[i.src] !== -1n || i.off < 0 || i.off > 8 || i.off % 4 !== 0) throw new Error(`pc ${pc}: load outside the context`);
      regs[i.dst] = BigInt(ctx.getUint32(i.off, true));
    } else if (cls === CLS.ALU || cls === CLS.ALU64) {
      const op = ALU_OPS[i.code & 0xf0];
      const mask = cls === CLS.ALU ? MASK32 : MASK64;
      const b = (x ? get(i.src, pc) : BigInt.asUintN(64, BigInt(i.imm))) & mask;
      let v: bigint;
      if (op === "mov") v = b;
      else if (op === "and") v = get(i.dst, pc) & b;
      else if (op === "rsh") v = (get(i.dst, pc) & mask) >> (b & (cls === CLS.ALU ? 31n : 63n));
      else throw new Error(`pc ${pc}: unsupported ALU opcode 0x${i.code.toString(16)}`);
      regs[i.dst] = v & mask; // 32-bit operations zero the upper half
    } else if (cls === CLS.JMP) {
      const op = JMP_OPS[i.code & 0xf0];
      if (op === "exit") return Number(get(0, pc));
      if (i.off < 0) throw new Error(`pc ${pc}: backward jump`);
      let taken = true;
      if (op === "jeq" || op === "jne") {
        const a = get(i.dst, pc);
        const b = x ? get(i.src, pc) : BigInt.asUintN(64, BigInt(i.imm)); // imm is sign-extended
        taken = op === "jeq" ? a === b : a !== b;
      } else if (op !== "ja") throw new Error(`pc ${pc}: unsupported JMP opcode 0x${i.code.toString(16)}`);
      if (taken) pc += i.off;
    } else throw new Error(`pc ${pc}: unsupported opcode 0x${i.code.toString(16)}`);
    pc++;
  }
  throw new Error("program did not exit");
}
