/**
 * The vocabulary of `linux.seccomp` (runtime-spec config-linux.md#seccomp) and what each word
 * means to libseccomp and to seccomp(2). Pure tables: `features` can list them without loading
 * libseccomp.
 */
export interface ActionSpec {
  /** The SECCOMP_RET_* value (libseccomp's SCMP_ACT_* use the kernel's numbers). */
  readonly value: number;
  /** ERRNO and TRACE carry a 16-bit return code; the spec makes errnoRet an error elsewhere. */
  readonly takesErrno: boolean;
}

export const ACTIONS: Readonly<Record<string, ActionSpec>> = {
  // SCMP_ACT_KILL predates KILL_THREAD/KILL_PROCESS and kills only the thread (runc, crun, libseccomp).
  SCMP_ACT_KILL: { value: 0x00000000, takesErrno: false },
  SCMP_ACT_KILL_THREAD: { value: 0x00000000, takesErrno: false },
  SCMP_ACT_KILL_PROCESS: { value: 0x80000000, takesErrno: false },
  SCMP_ACT_TRAP: { value: 0x00030000, takesErrno: false },
  SCMP_ACT_ERRNO: { value: 0x00050000, takesErrno: true },
  SCMP_ACT_TRACE: { value: 0x7ff00000, takesErrno: true },
  SCMP_ACT_LOG: { value: 0x7ffc0000, takesErrno: false },
  SCMP_ACT_NOTIFY: { value: 0x7fc00000, takesErrno: false },
  SCMP_ACT_ALLOW: { value: 0x7fff0000, takesErrno: false },
};

/** runc's default when errnoRet is absent, for ERRNO and TRACE alike (libcontainer/seccomp). */
export const DEFAULT_ERRNO_RET = 1; // EPERM

/** SECCOMP_RET_DATA: the return code is the low 16 bits of the action. */
export const MAX_ERRNO_RET = 0xffff;

/** Spec operator names → enum scmp_compare (seccomp.h). MASKED_EQ is (arg & value) == valueTwo. */
export const OPERATORS: Readonly<Record<string, number>> = {
  SCMP_CMP_NE: 1,
  SCMP_CMP_LT: 2,
  SCMP_CMP_LE: 3,
  SCMP_CMP_EQ: 4,
  SCMP_CMP_GE: 5,
  SCMP_CMP_GT: 6,
  SCMP_CMP_MASKED_EQ: 7,
};

/**
 * Spec architecture names → libseccomp's names for seccomp_arch_resolve_name. The last four
 * need libseccomp 2.6; with 2.5.4 they are reported as unsupported, never silently dropped.
 */
export const ARCHITECTURES: Readonly<Record<string, string>> = {
  SCMP_ARCH_X86: "x86",
  SCMP_ARCH_X86_64: "x86_64",
  SCMP_ARCH_X32: "x32",
  SCMP_ARCH_ARM: "arm",
  SCMP_ARCH_AARCH64: "aarch64",
  SCMP_ARCH_MIPS: "mips",
  SCMP_ARCH_MIPS64: "mips64",
  SCMP_ARCH_MIPS64N32: "mips64n32",
  SCMP_ARCH_MIPSEL: "mipsel",
  SCMP_ARCH_MIPSEL64: "mipsel64",
  SCMP_ARCH_MIPSEL64N32: "mipsel64n32",
  SCMP_ARCH_PPC: "ppc",
  SCMP_ARCH_PPC64: "ppc64",
  SCMP_ARCH_PPC64LE: "ppc64le",
  SCMP_ARCH_S390: "s390",
  SCMP_ARCH_S390X: "s390x",
  SCMP_ARCH_PARISC: "parisc",
  SCMP_ARCH_PARISC64: "parisc64",
  SCMP_ARCH_RISCV64: "riscv64",
  SCMP_ARCH_LOONGARCH64: "loongarch64",
  SCMP_ARCH_M68K: "m68k",
  SCMP_ARCH_SH: "sh",
  SCMP_ARCH_SHEB: "sheb",
};

/** seccomp(2) SECCOMP_FILTER_FLAG_* bits (include/uapi/linux/seccomp.h). */
export const FILTER_FLAG = {
  TSYNC: 1 << 0,
  LOG: 1 << 1,
  SPEC_ALLOW: 1 << 2,
  NEW_LISTENER: 1 << 3,
  TSYNC_ESRCH: 1 << 4,
  WAIT_KILLABLE_RECV: 1 << 5,
} as const;

/** The flags a profile may name (runtime-spec `linux.seccomp.flags`). */
export const PROFILE_FLAGS: Readonly<Record<string, number>> = {
  SECCOMP_FILTER_FLAG_TSYNC: FILTER_FLAG.TSYNC,
  SECCOMP_FILTER_FLAG_LOG: FILTER_FLAG.LOG,
  SECCOMP_FILTER_FLAG_SPEC_ALLOW: FILTER_FLAG.SPEC_ALLOW,
  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: FILTER_FLAG.WAIT_KILLABLE_RECV,
};

/** Linux system calls take at most six arguments (struct seccomp_data.args[6]). */
export const MAX_SYSCALL_ARGS = 6;
