/**
 * The ENOSYS prologue (runc's patchbpf rule): in a deny-by-default filter, syscalls numbered
 * above everything the profile names fail with ENOSYS, not the default errno. x86_64 numbers.
 */
import { describe, expect, test } from "bun:test";
import { compileSeccomp } from "../../../../../runtime/lib/seccomp/compile.ts";
import { defaultSeccompProfile } from "../../../../../schemas/defaults/seccomp-profile.ts";
import { AUDIT_ARCH_X86_64, enosysPrologue, SCMP_ARCH_X32, syscallLimits } from "../../../../../runtime/lib/seccomp/enosys.ts";
import type { SeccompProfile } from "../../../../../runtime/lib/seccomp/types.ts";
import { AUDIT_ARCH, runSeccompProgram, SECCOMP_RET, X32_SYSCALL_BIT } from "./bpf-interpreter.ts";

const ENOSYS = SECCOMP_RET.ERRNO | 38;
const EPERM = SECCOMP_RET.ERRNO | 1;
/** A program that only returns ALLOW, standing in for libseccomp's filter after the prologue. */
const ALLOW_ALL = new Uint8Array([0x06, 0, 0, 0, 0x00, 0x00, 0xff, 0x7f]);

function withPrologue(limits: Parameters<typeof enosysPrologue>[0]): Uint8Array {
  return new Uint8Array([...enosysPrologue(limits), ...ALLOW_ALL]);
}

describe("enosysPrologue", () => {
  test("numbers above the limit get ENOSYS, the rest reach the filter", () => {
    const program = withPrologue([{ auditArch: AUDIT_ARCH.AARCH64, max: 100 }]);
    expect(runSeccompProgram(program, { nr: 100, arch: AUDIT_ARCH.AARCH64 })).toBe(SECCOMP_RET.ALLOW);
    expect(runSeccompProgram(program, { nr: 101, arch: AUDIT_ARCH.AARCH64 })).toBe(ENOSYS);
    expect(runSeccompProgram(program, { nr: 0xffffffff, arch: AUDIT_ARCH.AARCH64 })).toBe(ENOSYS);
    expect(runSeccompProgram(program, { nr: 500, arch: AUDIT_ARCH.ARM })).toBe(SECCOMP_RET.ALLOW); // another arch: the filter decides
  });

  test("x86_64 and x32 have separate limits", () => {
    const program = withPrologue([{ auditArch: AUDIT_ARCH_X86_64, max: 300, maxX32: X32_SYSCALL_BIT | 200 }]);
    expect(runSeccompProgram(program, { nr: 250, arch: AUDIT_ARCH.X86_64 })).toBe(SECCOMP_RET.ALLOW);
    expect(runSeccompProgram(program, { nr: 301, arch: AUDIT_ARCH.X86_64 })).toBe(ENOSYS);
    expect(runSeccompProgram(program, { nr: X32_SYSCALL_BIT | 200, arch: AUDIT_ARCH.X86_64 })).toBe(SECCOMP_RET.ALLOW);
    expect(runSeccompProgram(program, { nr: X32_SYSCALL_BIT | 250, arch: AUDIT_ARCH.X86_64 })).toBe(ENOSYS);
    const noX32 = withPrologue([{ auditArch: AUDIT_ARCH_X86_64, max: 300 }]);
    expect(runSeccompProgram(noX32, { nr: X32_SYSCALL_BIT | 999, arch: AUDIT_ARCH.X86_64 })).toBe(SECCOMP_RET.ALLOW);
  });

  test("s390's multiplexer (nr 0) of unknown calls gets ENOSYS", () => {
    const program = withPrologue([{ auditArch: 0x80000016, max: 400 }]);
    expect(runSeccompProgram(program, { nr: 0, arch: 0x80000016 })).toBe(ENOSYS);
    expect(runSeccompProgram(program, { nr: 3, arch: 0x80000016 })).toBe(SECCOMP_RET.ALLOW);
  });

  test("an architecture without named syscalls is left to the filter", () => {
    const program = withPrologue([{ auditArch: AUDIT_ARCH.I386 }]);
    expect(runSeccompProgram(program, { nr: 9999, arch: AUDIT_ARCH.I386 })).toBe(SECCOMP_RET.ALLOW);
  });

  test("syscallLimits takes the maximum per architecture and folds x32 into x86_64", () => {
    const table: Record<number, Record<string, number>> = {
      [AUDIT_ARCH_X86_64]: { read: 0, mkdir: 83 },
      [SCMP_ARCH_X32]: { read: X32_SYSCALL_BIT | 0, mkdir: X32_SYSCALL_BIT | 83 },
      [AUDIT_ARCH.I386]: { read: 3 },
    };
    const limits = syscallLimits([AUDIT_ARCH_X86_64, SCMP_ARCH_X32, AUDIT_ARCH.I386], ["read", "mkdir", "nope"], (token, name) => table[token]?.[name]);
    expect(limits).toEqual([
      { auditArch: AUDIT_ARCH_X86_64, max: 83, maxX32: X32_SYSCALL_BIT | 83 },
      { auditArch: AUDIT_ARCH.I386, max: 3 },
    ]);
  });
});

describe.if(process.arch === "x64")("the prologue in compiled profiles", () => {
  const denyByDefault = (extra: Partial<SeccompProfile> = {}): SeccompProfile => ({
    defaultAction: "SCMP_ACT_ERRNO",
    syscalls: [{ names: ["read", "write", "mkdir"], action: "SCMP_ACT_ALLOW" }],
    ...extra,
  });

  test("above the highest named syscall: ENOSYS; below it: the default action", () => {
    const { program } = compileSeccomp(denyByDefault());
    expect(runSeccompProgram(program, { nr: 83, arch: AUDIT_ARCH.X86_64 })).toBe(SECCOMP_RET.ALLOW);
    expect(runSeccompProgram(program, { nr: 39, arch: AUDIT_ARCH.X86_64 })).toBe(EPERM);
    expect(runSeccompProgram(program, { nr: 84, arch: AUDIT_ARCH.X86_64 })).toBe(ENOSYS);
  });

  test("each ABI in the filter gets its own limit", () => {
    const { program } = compileSeccomp(denyByDefault({ architectures: ["SCMP_ARCH_X86", "SCMP_ARCH_X32"] }));
    expect(runSeccompProgram(program, { nr: 39 /* i386 mkdir */, arch: AUDIT_ARCH.I386 })).toBe(SECCOMP_RET.ALLOW);
    expect(runSeccompProgram(program, { nr: 40, arch: AUDIT_ARCH.I386 })).toBe(ENOSYS);
    expect(runSeccompProgram(program, { nr: 20, arch: AUDIT_ARCH.I386 })).toBe(EPERM);
    expect(runSeccompProgram(program, { nr: X32_SYSCALL_BIT | 83, arch: AUDIT_ARCH.X86_64 })).toBe(SECCOMP_RET.ALLOW);
    expect(runSeccompProgram(program, { nr: X32_SYSCALL_BIT | 84, arch: AUDIT_ARCH.X86_64 })).toBe(ENOSYS);
    expect(runSeccompProgram(program, { nr: 172, arch: AUDIT_ARCH.AARCH64 })).toBe(SECCOMP_RET.KILL_THREAD);
  });

  test("KILL defaults get it too", () => {
    const { program } = compileSeccomp(denyByDefault({ defaultAction: "SCMP_ACT_KILL_PROCESS" }));
    expect(runSeccompProgram(program, { nr: 39, arch: AUDIT_ARCH.X86_64 })).toBe(SECCOMP_RET.KILL_PROCESS);
    expect(runSeccompProgram(program, { nr: 400, arch: AUDIT_ARCH.X86_64 })).toBe(ENOSYS);
  });

  test("not when unknown calls pass anyway (ALLOW, LOG, TRACE) or the default already is ENOSYS", () => {
    const rules = { syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_KILL" }] };
    for (const [defaultAction, expected] of [
      ["SCMP_ACT_ALLOW", SECCOMP_RET.ALLOW],
      ["SCMP_ACT_LOG", SECCOMP_RET.LOG],
      ["SCMP_ACT_TRACE", (SECCOMP_RET.TRACE | 1) >>> 0],
    ] as const) {
      const { program } = compileSeccomp({ defaultAction, ...rules });
      expect(runSeccompProgram(program, { nr: 400, arch: AUDIT_ARCH.X86_64 })).toBe(expected);
    }
    const enosysDefault = compileSeccomp(denyByDefault({ defaultErrnoRet: 38 }));
    const epermDefault = compileSeccomp(denyByDefault());
    expect(enosysDefault.program.length).toBeLessThan(epermDefault.program.length);
    expect(runSeccompProgram(enosysDefault.program, { nr: 400, arch: AUDIT_ARCH.X86_64 })).toBe(ENOSYS);
  });

  test("the default profile answers syscalls newer than itself with ENOSYS", () => {
    const { program } = compileSeccomp(defaultSeccompProfile());
    expect(runSeccompProgram(program, { nr: 1000, arch: AUDIT_ARCH.X86_64 })).toBe(ENOSYS);
    expect(runSeccompProgram(program, { nr: 1000, arch: AUDIT_ARCH.I386 })).toBe(ENOSYS);
    expect(runSeccompProgram(program, { nr: X32_SYSCALL_BIT | 1000, arch: AUDIT_ARCH.X86_64 })).toBe(ENOSYS);
    expect(runSeccompProgram(program, { nr: 248 /* add_key */, arch: AUDIT_ARCH.X86_64 })).toBe(EPERM);
  });
});
