/**
 * The cgroup v2 device controller is an eBPF program of type BPF_PROG_TYPE_CGROUP_DEVICE attached
 * to the container's cgroup (Documentation/admin-guide/cgroup-v2.rst "Device controller"): the
 * kernel runs it on every open and mknod of a device node with a struct bpf_cgroup_dev_ctx
 *   u32 access_type  (BPF_DEVCG_ACC_* << 16) | BPF_DEVCG_DEV_*
 *   u32 major
 *   u32 minor
 * and allows the access when it returns 1. Pure: rules in, instruction bytes out.
 *
 * The program is runc's (opencontainers/cgroups devices/devicefilter.go, itself from crun
 * src/libcrun/ebpf.c), instruction for instruction: the rules are first reduced by the v1 emulator
 * (devices-emulator.ts), so every remaining exception goes against the default and their order
 * does not matter; each becomes one block "if the request matches, return the exception's
 * verdict", and the program ends by returning the default.
 *
 *   r2 = type, r3 = access, r4 = major, r5 = minor
 *   block: if r2 != type goto next; [r1 = r3 & access; if r1 != r3 goto next]
 *          [if r4 != major goto next] [if r5 != minor goto next] r0 = verdict; exit
 *   r0 = default; exit
 *
 * One deliberate difference: when everything is allowed by default (a config starting with
 * "allow a"), v1 denies a request that overlaps a deny exception at all (match_exception_partial),
 * while runc's block only denies requests whose access is a subset of the rule's, so "deny
 * c 1:3 w" would not stop open(O_RDWR). Those blocks test for overlap instead ("if r1 == 0 goto
 * next"), which is what v1 does. Default-deny programs, runc's and podman's usual case, are
 * identical to runc's.
 */
import { ACC_ALL, emulateDeviceRules, type DeviceException } from "./devices-emulator.ts";
import type { EffectiveDeviceRule } from "./types.ts";

/** BPF_DEVCG_DEV_* of linux/bpf.h. */
export const DEV_BLOCK = 1;
export const DEV_CHAR = 2;

/** Opcodes (linux/bpf_common.h, linux/bpf.h): class | size/op | source. */
export const OP = {
  LDXW: 0x61, // BPF_LDX | BPF_W | BPF_MEM
  AND32_K: 0x54, // BPF_ALU | BPF_AND | BPF_K
  RSH32_K: 0x74, // BPF_ALU | BPF_RSH | BPF_K
  MOV32_K: 0xb4, // BPF_ALU | BPF_MOV | BPF_K
  MOV32_X: 0xbc, // BPF_ALU | BPF_MOV | BPF_X
  JEQ_K: 0x15, // BPF_JMP | BPF_JEQ | BPF_K
  JNE_K: 0x55, // BPF_JMP | BPF_JNE | BPF_K
  JNE_X: 0x5d, // BPF_JMP | BPF_JNE | BPF_X
  EXIT: 0x95, // BPF_JMP | BPF_EXIT
} as const;

export const INSN_SIZE = 8;

interface Insn {
  code: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
}

const insn = (code: number, dst: number, src: number, off: number, imm: number): Insn => ({ code, dst, src, off, imm });

/** struct bpf_insn: u8 code, u8 dst_reg:4 src_reg:4, s16 off, s32 imm (little-endian hosts). */
function assemble(insns: Insn[]): Uint8Array {
  const out = new Uint8Array(insns.length * INSN_SIZE);
  const view = new DataView(out.buffer);
  insns.forEach((i, n) => {
    view.setUint8(n * INSN_SIZE, i.code);
    view.setUint8(n * INSN_SIZE + 1, (i.src << 4) | i.dst);
    view.setInt16(n * INSN_SIZE + 2, i.off, true);
    view.setInt32(n * INSN_SIZE + 4, i.imm, true);
  });
  return out;
}

/** r2..r5 ← type, access, major, minor from the context in r1. */
const PROLOGUE: Insn[] = [
  insn(OP.LDXW, 2, 1, 0, 0),
  insn(OP.AND32_K, 2, 0, 0, 0xffff),
  insn(OP.LDXW, 3, 1, 0, 0),
  insn(OP.RSH32_K, 3, 0, 0, 16),
  insn(OP.LDXW, 4, 1, 4, 0),
  insn(OP.LDXW, 5, 1, 8, 0),
];

/** One exception's block; `off` placeholders are patched to "the instruction after the block". */
function block(ex: DeviceException, verdict: number, overlap: boolean): Insn[] {
  const NEXT = NaN;
  const out = [insn(OP.JNE_K, 2, 0, NEXT, ex.type === "b" ? DEV_BLOCK : DEV_CHAR)];
  if (ex.access !== ACC_ALL) {
    out.push(insn(OP.MOV32_X, 1, 3, 0, 0), insn(OP.AND32_K, 1, 0, 0, ex.access));
    out.push(overlap ? insn(OP.JEQ_K, 1, 0, NEXT, 0) : insn(OP.JNE_X, 1, 3, NEXT, 0));
  }
  // The imm is sign-extended to 64 bits against a zero-extended u32, as in runc; kernel device
  // numbers stay far below 2^31 (12-bit major, 20-bit minor).
  if (ex.major >= 0) out.push(insn(OP.JNE_K, 4, 0, NEXT, ex.major | 0));
  if (ex.minor >= 0) out.push(insn(OP.JNE_K, 5, 0, NEXT, ex.minor | 0));
  out.push(insn(OP.MOV32_K, 0, 0, 0, verdict), insn(OP.EXIT, 0, 0, 0, 0));
  return out.map((i, n) => (Number.isNaN(i.off) ? { ...i, off: out.length - n - 1 } : i));
}

/** The device program for the rules in config order (defaults included: see deviceRules). */
export function compileDeviceFilter(rules: EffectiveDeviceRule[]): Uint8Array {
  const { defaultAllow, exceptions } = emulateDeviceRules(rules);
  const verdict = defaultAllow ? 0 : 1;
  const insns = [...PROLOGUE];
  for (const ex of exceptions) insns.push(...block(ex, verdict, defaultAllow));
  insns.push(insn(OP.MOV32_K, 0, 0, 0, defaultAllow ? 1 : 0), insn(OP.EXIT, 0, 0, 0, 0));
  return assemble(insns);
}
