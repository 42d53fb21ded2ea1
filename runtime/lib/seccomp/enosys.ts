/**
 * The -ENOSYS prologue runc prepends to deny-by-default filters (runc
 * libcontainer/seccomp/patchbpf). A syscall newer than every syscall the profile names cannot
 * be one the profile meant to deny; it is one the profile's author did not know yet. Giving it
 * EPERM breaks libcs that probe new calls and fall back only on ENOSYS (clone3, fchmodat2,
 * faccessat2 in glibc), so such numbers get ENOSYS instead, as if the kernel were older.
 *
 * Layout (all jumps forward, all within the prologue, so the filter after it is untouched):
 *
 *     ld  [arch]
 *     jeq ARCH_A, 0, next_a        for each architecture:
 *     ld  [nr]                       (x86_64: jset X32_BIT picks the x32 limit)
 *     jgt MAX_A, enosys, filter      (s390: nr 0 is the multiplexer of unknown calls → enosys)
 *   next_a: ...
 *     ja  filter                   any other architecture: the filter's bad-arch action decides
 *   enosys: ret ERRNO(ENOSYS)
 *   filter: <libseccomp's program>
 */

const ENOSYS = 38;
const SECCOMP_RET_ERRNO = 0x00050000;
const X32_SYSCALL_BIT = 0x40000000;

/** AUDIT_ARCH_* (linux/audit.h) the prologue needs to special-case, and libseccomp's x32 token. */
export const AUDIT_ARCH_X86_64 = 0xc000003e;
const AUDIT_ARCH_S390 = 0x16;
const AUDIT_ARCH_S390X = 0x80000016;
/** libseccomp's SCMP_ARCH_X32 is not an audit value: x32 runs as AUDIT_ARCH_X86_64 with X32_SYSCALL_BIT. */
export const SCMP_ARCH_X32 = 0x4000003e;

/** The highest syscall number a profile names, per architecture as the kernel reports it in seccomp_data.arch. */
export interface SyscallLimit {
  auditArch: number;
  /** Highest native number; undefined when the profile names none for this ABI. */
  max?: number;
  /** x86_64 only: highest x32 number (X32_SYSCALL_BIT included) when x32 is in the filter. */
  maxX32?: number;
}

/**
 * Limits for the architectures of a filter (libseccomp tokens) over the profile's names.
 * resolve(token, name) gives that architecture's number, or undefined where it has none.
 */
export function syscallLimits(tokens: readonly number[], names: readonly string[], resolve: (token: number, name: string) => number | undefined): SyscallLimit[] {
  const byArch = new Map<number, SyscallLimit>();
  for (const token of new Set(tokens)) {
    const isX32 = token === SCMP_ARCH_X32;
    const auditArch = isX32 ? AUDIT_ARCH_X86_64 : token;
    let max: number | undefined;
    for (const name of names) {
      const nr = resolve(token, name);
      if (nr !== undefined && (max === undefined || nr > max)) max = nr;
    }
    const limit = byArch.get(auditArch) ?? { auditArch };
    if (isX32) limit.maxX32 = max;
    else limit.max = max;
    byArch.set(auditArch, limit);
  }
  return [...byArch.values()];
}

// Classic BPF opcodes (linux/filter.h).
const LD_W_ABS = 0x20;
const JMP_JA = 0x05;
const JMP_JEQ_K = 0x15;
const JMP_JGT_K = 0x25;
const JMP_JSET_K = 0x45;
const RET_K = 0x06;
const OFFSET_NR = 0;
const OFFSET_ARCH = 4;

type Target = "enosys" | "filter" | `label:${number}` | number;
interface Insn {
  code: number;
  k: number;
  jt?: Target;
  jf?: Target;
}

/** The prologue as struct sock_filter bytes (host byte order, as seccomp(2) reads them). */
export function enosysPrologue(limits: readonly SyscallLimit[]): Uint8Array {
  const insns: Insn[] = [{ code: LD_W_ABS, k: OFFSET_ARCH }];
  const labels = new Map<string, number>();
  limits.forEach((limit, i) => {
    const next: Target = `label:${i}`;
    insns.push({ code: JMP_JEQ_K, k: limit.auditArch >>> 0, jt: 0, jf: next });
    insns.push({ code: LD_W_ABS, k: OFFSET_NR });
    if (limit.auditArch === AUDIT_ARCH_S390 || limit.auditArch === AUDIT_ARCH_S390X) {
      insns.push({ code: JMP_JEQ_K, k: 0, jt: "enosys", jf: 0 });
    }
    const native: Insn = limit.max === undefined ? { code: JMP_JA, k: 0, jt: "filter" } : { code: JMP_JGT_K, k: limit.max, jt: "enosys", jf: "filter" };
    if (limit.auditArch === AUDIT_ARCH_X86_64) {
      // x32 calls carry X32_SYSCALL_BIT; without x32 in the filter they are the filter's business.
      insns.push({ code: JMP_JSET_K, k: X32_SYSCALL_BIT, jt: 1, jf: 0 });
      insns.push(native);
      insns.push(limit.maxX32 === undefined ? { code: JMP_JA, k: 0, jt: "filter" } : { code: JMP_JGT_K, k: limit.maxX32, jt: "enosys", jf: "filter" });
    } else {
      insns.push(native);
    }
    labels.set(next, insns.length);
  });
  insns.push({ code: JMP_JA, k: 0, jt: "filter" });
  labels.set("enosys", insns.length);
  insns.push({ code: RET_K, k: (SECCOMP_RET_ERRNO | ENOSYS) >>> 0 });
  labels.set("filter", insns.length);

  const bytes = new Uint8Array(insns.length * 8);
  const view = new DataView(bytes.buffer);
  const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  insns.forEach((insn, pc) => {
    const offset = (target: Target | undefined): number => {
      if (target === undefined) return 0;
      if (typeof target === "number") return target;
      const at = labels.get(target);
      if (at === undefined) throw new Error(`ENOSYS prologue: no label ${target}`);
      return at - pc - 1;
    };
    let k = insn.k;
    let jt = 0;
    let jf = 0;
    if (insn.code === JMP_JA) k = offset(insn.jt); // JA jumps by k
    else {
      jt = offset(insn.jt);
      jf = offset(insn.jf);
    }
    if (jt > 255 || jf > 255) throw new Error("ENOSYS prologue: conditional jump too long");
    view.setUint16(pc * 8, insn.code, littleEndian);
    view.setUint8(pc * 8 + 2, jt);
    view.setUint8(pc * 8 + 3, jf);
    view.setUint32(pc * 8 + 4, k >>> 0, littleEndian);
  });
  return bytes;
}
