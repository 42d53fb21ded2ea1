/**
 * A classic-BPF interpreter for seccomp programs, for tests only: runs a compiled program on one
 * `struct seccomp_data` and returns the SECCOMP_RET_* value, so unit tests can check what a
 * filter decides without loading it into a kernel. Follows the kernel's checks
 * (net/core/filter.c, kernel/seccomp.c): 32-bit aligned loads inside seccomp_data only, forward
 * jumps only, a program must end in RET.
 */

export interface SeccompData {
  nr: number;
  /** AUDIT_ARCH_* value. */
  arch: number;
  ip?: bigint;
  args?: readonly (bigint | number)[];
}

export const AUDIT_ARCH = {
  X86_64: 0xc000003e,
  I386: 0x40000003,
  AARCH64: 0xc00000b7,
  ARM: 0x40000028,
} as const;

/** The x32 ABI is x86_64 with this bit set in the syscall number. */
export const X32_SYSCALL_BIT = 0x40000000;

export const SECCOMP_RET = {
  KILL_PROCESS: 0x80000000,
  KILL_THREAD: 0x00000000,
  TRAP: 0x00030000,
  ERRNO: 0x00050000,
  USER_NOTIF: 0x7fc00000,
  TRACE: 0x7ff00000,
  LOG: 0x7ffc0000,
  ALLOW: 0x7fff0000,
} as const;

const SECCOMP_DATA_SIZE = 64;

function seccompDataBytes(data: SeccompData): DataView {
  const view = new DataView(new ArrayBuffer(SECCOMP_DATA_SIZE));
  view.setInt32(0, data.nr, true);
  view.setUint32(4, data.arch >>> 0, true);
  view.setBigUint64(8, data.ip ?? 0n, true);
  for (let i = 0; i < 6; i++) view.setBigUint64(16 + 8 * i, BigInt.asUintN(64, BigInt(data.args?.[i] ?? 0)), true);
  return view;
}

// Instruction classes and fields (include/uapi/linux/filter.h, bpf_common.h).
const CLASS = { LD: 0x00, LDX: 0x01, ST: 0x02, STX: 0x03, ALU: 0x04, JMP: 0x05, RET: 0x06, MISC: 0x07 } as const;
const MODE = { IMM: 0x00, ABS: 0x20, IND: 0x40, MEM: 0x60, LEN: 0x80 } as const;
const SRC_X = 0x08;

function alu(op: number, a: number, operand: number): number {
  switch (op) {
    case 0x00: return (a + operand) >>> 0;
    case 0x10: return (a - operand) >>> 0;
    case 0x20: return Math.imul(a, operand) >>> 0;
    case 0x30:
      if (operand === 0) throw new Error("BPF division by zero");
      return Math.floor(a / operand) >>> 0;
    case 0x40: return (a | operand) >>> 0;
    case 0x50: return (a & operand) >>> 0;
    case 0x60: return operand >= 32 ? 0 : (a << operand) >>> 0;
    case 0x70: return operand >= 32 ? 0 : a >>> operand;
    case 0x80: return -a >>> 0;
    case 0x90:
      if (operand === 0) throw new Error("BPF modulo by zero");
      return a % operand;
    case 0xa0: return (a ^ operand) >>> 0;
    default: throw new Error(`unsupported BPF ALU op 0x${op.toString(16)}`);
  }
}

function jumpTaken(op: number, a: number, operand: number): boolean {
  switch (op) {
    case 0x10: return a === operand; // JEQ
    case 0x20: return a > operand; // JGT
    case 0x30: return a >= operand; // JGE
    case 0x40: return (a & operand) !== 0; // JSET
    default: throw new Error(`unsupported BPF jump op 0x${op.toString(16)}`);
  }
}

/** Runs program (struct sock_filter[] bytes) on data; returns the 32-bit value of the RET it reaches. */
export function runSeccompProgram(program: Uint8Array, data: SeccompData): number {
  if (program.length === 0 || program.length % 8 !== 0) throw new Error(`BPF program length ${program.length} is not a positive multiple of 8`);
  const code = new DataView(program.buffer, program.byteOffset, program.byteLength);
  const input = seccompDataBytes(data);
  const mem = new Uint32Array(16);
  const count = program.length / 8;
  let a = 0;
  let x = 0;
  for (let pc = 0; pc < count; pc++) {
    const op = code.getUint16(pc * 8, true);
    const jt = code.getUint8(pc * 8 + 2);
    const jf = code.getUint8(pc * 8 + 3);
    const k = code.getUint32(pc * 8 + 4, true);
    const cls = op & 0x07;
    const mode = op & 0xe0;
    switch (cls) {
      case CLASS.LD:
        if (mode === MODE.ABS) {
          if ((op & 0x18) !== 0 || k % 4 !== 0 || k + 4 > SECCOMP_DATA_SIZE) throw new Error(`bad seccomp_data load at pc ${pc}: offset ${k}`);
          a = input.getUint32(k, true);
        } else if (mode === MODE.IMM) a = k;
        else if (mode === MODE.MEM) a = mem[k & 15]!;
        else if (mode === MODE.LEN) a = SECCOMP_DATA_SIZE;
        else throw new Error(`unsupported BPF load mode 0x${mode.toString(16)} at pc ${pc}`);
        break;
      case CLASS.LDX:
        if (mode === MODE.IMM) x = k;
        else if (mode === MODE.MEM) x = mem[k & 15]!;
        else if (mode === MODE.LEN) x = SECCOMP_DATA_SIZE;
        else throw new Error(`unsupported BPF ldx mode 0x${mode.toString(16)} at pc ${pc}`);
        break;
      case CLASS.ST:
        mem[k & 15] = a;
        break;
      case CLASS.STX:
        mem[k & 15] = x;
        break;
      case CLASS.ALU:
        a = alu(op & 0xf0, a, op & SRC_X ? x : k);
        break;
      case CLASS.JMP: {
        const jop = op & 0xf0;
        const next = jop === 0x00 ? pc + k : pc + (jumpTaken(jop, a, op & SRC_X ? x : k) ? jt : jf);
        if (next >= count) throw new Error(`BPF jump out of the program at pc ${pc}`);
        pc = next;
        break;
      }
      case CLASS.RET:
        return ((op & 0x18) === 0x10 ? a : k) >>> 0;
      case CLASS.MISC:
        if ((op & 0xf8) === 0x00) x = a; // TAX
        else a = x; // TXA
        break;
    }
  }
  throw new Error("BPF program fell off its end without RET");
}

/** Splits a RET value into action and data, e.g. { action: ERRNO, data: 1 } for EPERM. */
export function decodeReturn(ret: number): { action: number; data: number } {
  // KILL_PROCESS is the only action with the top bit set; the kernel masks with SECCOMP_RET_ACTION_FULL.
  return { action: (ret & 0xffff0000) >>> 0, data: ret & 0xffff };
}
