/**
 * The few libseccomp calls the profile compiler needs, through bun:ffi. libseccomp is what runc
 * and crun use, so a profile means here what it means there (syscall tables, multiplexed
 * socketcall/ipc on x86, the x32 ABI bit, argument comparisons split into 32-bit halves).
 *
 * The library is opened on first use only: a config without linux.seccomp never pays for it.
 * libseccomp 2.5.4 (Debian 12) has no seccomp_export_bpf_mem, so the program is exported into a
 * memfd and read back.
 */
import { dlopen, FFIType, toArrayBuffer, type Pointer } from "bun:ffi";
import { closeSync, fstatSync, readSync } from "node:fs";
import { errnoName } from "../../../common/errors.ts";
import { cString, errno, libcSymbols } from "../../../common/ffi.ts";
import { RuntimeError } from "../errors.ts";

const LIBSECCOMP = "libseccomp.so.2";

/** enum scmp_filter_attr (seccomp.h). */
export const FilterAttr = { CTL_OPTIMIZE: 8 } as const;

/** What seccomp_syscall_resolve_name returns for a name no architecture knows (__NR_SCMP_ERROR). */
const NR_SCMP_ERROR = -1;

/** struct scmp_arg_cmp: unsigned int arg; enum scmp_compare op; scmp_datum_t datum_a, datum_b. */
export interface ArgCompare {
  arg: number;
  /** enum scmp_compare; see OPERATORS in names.ts. */
  op: number;
  datumA: bigint;
  datumB: bigint;
}
const ARG_CMP_SIZE = 24;

const symbols = {
  seccomp_init: { args: [FFIType.u32], returns: FFIType.ptr },
  seccomp_release: { args: [FFIType.ptr], returns: FFIType.void },
  seccomp_arch_resolve_name: { args: [FFIType.ptr], returns: FFIType.u32 },
  seccomp_arch_exist: { args: [FFIType.ptr, FFIType.u32], returns: FFIType.i32 },
  seccomp_arch_add: { args: [FFIType.ptr, FFIType.u32], returns: FFIType.i32 },
  seccomp_attr_set: { args: [FFIType.ptr, FFIType.i32, FFIType.u32], returns: FFIType.i32 },
  seccomp_arch_native: { args: [], returns: FFIType.u32 },
  seccomp_syscall_resolve_name: { args: [FFIType.ptr], returns: FFIType.i32 },
  seccomp_syscall_resolve_name_arch: { args: [FFIType.u32, FFIType.ptr], returns: FFIType.i32 },
  seccomp_rule_add_array: { args: [FFIType.ptr, FFIType.u32, FFIType.i32, FFIType.u32, FFIType.ptr], returns: FFIType.i32 },
  seccomp_export_bpf: { args: [FFIType.ptr, FFIType.i32], returns: FFIType.i32 },
  seccomp_version: { args: [], returns: FFIType.ptr },
} as const;

type SeccompSymbols = ReturnType<typeof dlopen<typeof symbols>>["symbols"];

/** The libc calls beside libseccomp's, through the tools' one libc binding (common/ffi.ts). */
const libc = libcSymbols({
  memfd_create: { args: ["ptr", "u32"], returns: "i32" },
  // syscall(SYS_seccomp, op, flags, args): only for probing which filter flags the kernel knows.
  syscall: { args: ["i64", "u64", "u64", "ptr"], returns: "i64" },
} as const);

let seccomp: SeccompSymbols | undefined;

function load(): SeccompSymbols {
  if (seccomp) return seccomp;
  try {
    seccomp = dlopen(LIBSECCOMP, symbols).symbols;
  } catch (err) {
    throw new RuntimeError("IO", `seccomp: cannot load ${LIBSECCOMP} (is libseccomp2 installed?): ${(err as Error).message}`, { path: LIBSECCOMP }, err);
  }
  return seccomp;
}

/** libseccomp returns -errno. */
export function libseccompErrno(rc: number): string {
  return errnoName(-rc);
}

/** "major.minor.micro" of the loaded libseccomp (for `features` and error messages). */
export function libseccompVersion(): string {
  const ptr = load().seccomp_version();
  if (ptr === null) return "unknown";
  // struct scmp_version { unsigned int major, minor, micro; }
  const view = new Uint32Array(toArrayBuffer(ptr, 0, 12));
  return `${view[0]}.${view[1]}.${view[2]}`;
}

/** An audit architecture token by libseccomp's name ("x86_64"), or undefined if this libseccomp lacks it. */
export function resolveArch(name: string): number | undefined {
  const token = load().seccomp_arch_resolve_name(cString(name));
  return token === 0 ? undefined : token;
}

/**
 * A syscall number for the native architecture, or undefined when no architecture libseccomp
 * knows has the name. Names that exist only on another ABI (socketcall, chown32) come back as
 * libseccomp's negative pseudo-numbers, which rules accept and translate per architecture.
 */
export function resolveSyscall(name: string): number | undefined {
  const nr = load().seccomp_syscall_resolve_name(cString(name));
  return nr === NR_SCMP_ERROR ? undefined : nr;
}

/** The token of the architecture libseccomp was built for (always part of a new filter). */
export function nativeArch(): number {
  return load().seccomp_arch_native();
}

/** The number of a syscall on one architecture (x32 numbers include X32_SYSCALL_BIT), or undefined where it has none. */
export function resolveSyscallForArch(token: number, name: string): number | undefined {
  const nr = load().seccomp_syscall_resolve_name_arch(token, cString(name));
  // Negative values are libseccomp's pseudo-numbers for calls this architecture lacks.
  return nr < 0 ? undefined : nr;
}

/** seccomp(2) numbers by process.arch (the syscall is what the probe below needs; libseccomp 2.5.4 predates some flags). */
const SYS_SECCOMP: Readonly<Record<string, number>> = { x64: 317, arm64: 277, arm: 383, ia32: 354, riscv64: 277, s390x: 348, ppc64: 358 };
const SECCOMP_SET_MODE_FILTER = 1;
const EFAULT = 14;

/**
 * Whether the running kernel accepts these SECCOMP_FILTER_FLAG_* bits, without installing
 * anything: the kernel checks flags (EINVAL) before it reads the program, so a NULL program
 * gives EFAULT exactly when the flags are known (libseccomp probes the same way).
 */
export function kernelAcceptsFilterFlags(flags: number): boolean {
  const nr = SYS_SECCOMP[process.arch];
  if (nr === undefined) return false;
  const rc = libc().syscall(nr, SECCOMP_SET_MODE_FILTER, flags, null);
  if (Number(rc) !== -1) throw new Error(`seccomp flag probe 0x${flags.toString(16)} unexpectedly succeeded`);
  return errno() === EFAULT;
}

/** A libseccomp filter context; call release() when done (compile.ts does, in finally). */
export class SeccompFilter {
  private ctx: Pointer | null;
  private readonly lib: SeccompSymbols;

  /** Throws when the kernel or libseccomp does not support the default action. */
  constructor(defaultAction: number) {
    this.lib = load();
    // seccomp_init returns a scmp_filter_ctx (void *), NULL on failure.
    this.ctx = this.lib.seccomp_init(defaultAction) as Pointer | null;
    if (this.ctx === null) throw new Error("seccomp_init failed: the default action is not supported by this kernel or libseccomp");
  }

  private handle(): Pointer {
    if (this.ctx === null) throw new Error("seccomp filter used after release");
    return this.ctx;
  }

  /** Adds an architecture unless the context already has it (the native one is always there). Returns 0 or -errno. */
  addArch(token: number): number {
    if (this.lib.seccomp_arch_exist(this.handle(), token) === 0) return 0;
    return this.lib.seccomp_arch_add(this.handle(), token);
  }

  setAttr(attr: number, value: number): number {
    return this.lib.seccomp_attr_set(this.handle(), attr, value);
  }

  /** seccomp_rule_add_array; returns 0 or -errno. */
  addRule(action: number, syscall: number, conditions: readonly ArgCompare[]): number {
    let array: Uint8Array | null = null;
    if (conditions.length > 0) {
      const buffer = new ArrayBuffer(ARG_CMP_SIZE * conditions.length);
      const words = new Uint32Array(buffer);
      const datums = new BigUint64Array(buffer);
      conditions.forEach((c, i) => {
        words[i * 6] = c.arg;
        words[i * 6 + 1] = c.op;
        datums[i * 3 + 1] = c.datumA;
        datums[i * 3 + 2] = c.datumB;
      });
      array = new Uint8Array(buffer);
    }
    return this.lib.seccomp_rule_add_array(this.handle(), action >>> 0, syscall, conditions.length, array);
  }

  /** The filter as classic BPF, exactly the bytes seccomp(2) takes as sock_fprog.filter. */
  exportBpf(): Uint8Array {
    const MFD_CLOEXEC = 1;
    const fd = libc().memfd_create(cString("bocker-seccomp"), MFD_CLOEXEC);
    if (fd < 0) throw new Error("memfd_create failed while exporting the seccomp program");
    try {
      const rc = this.lib.seccomp_export_bpf(this.handle(), fd);
      if (rc !== 0) throw new Error(`seccomp_export_bpf: ${libseccompErrno(rc)}`);
      const size = fstatSync(fd).size;
      const program = new Uint8Array(size);
      let done = 0;
      while (done < size) done += readSync(fd, program, done, size - done, done);
      return program;
    } finally {
      closeSync(fd);
    }
  }

  release(): void {
    if (this.ctx !== null) this.lib.seccomp_release(this.ctx);
    this.ctx = null;
  }
}
