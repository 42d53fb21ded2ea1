/**
 * compileSeccomp: every action, operator, architecture and flag of linux.seccomp, checked by
 * running the generated BPF through the test interpreter (errors: compile-errors.test.ts). Syscall numbers are x86_64's (the CI
 * host's); the suite is skipped on other hosts.
 */
import { describe, expect, test } from "bun:test";
import { compileSeccomp } from "../../../../../runtime/lib/seccomp/compile.ts";
import { FILTER_FLAG } from "../../../../../runtime/lib/seccomp/names.ts";
import type { SeccompProfile } from "../../../../../runtime/lib/seccomp/types.ts";
import { allowExcept, compileError } from "./profile-fixture.ts";
import { AUDIT_ARCH, runSeccompProgram, SECCOMP_RET, X32_SYSCALL_BIT, type SeccompData } from "./bpf-interpreter.ts";

const NR = { write: 1, getpid: 39, mkdir: 83, mkdirat: 258, unshare: 272 } as const;
const NR_I386 = { getpid: 20, mkdir: 39 } as const;
const NR_AARCH64 = { mkdirat: 34, getpid: 172 } as const;

function run(profile: SeccompProfile, data: Partial<SeccompData> & { nr: number }): number {
  return runSeccompProgram(compileSeccomp(profile).program, { arch: AUDIT_ARCH.X86_64, ...data });
}


describe.if(process.arch === "x64")("compileSeccomp", () => {
  describe("actions", () => {
    const cases: Array<[string, number | undefined, number]> = [
      ["SCMP_ACT_KILL", undefined, SECCOMP_RET.KILL_THREAD],
      ["SCMP_ACT_KILL_THREAD", undefined, SECCOMP_RET.KILL_THREAD],
      ["SCMP_ACT_KILL_PROCESS", undefined, SECCOMP_RET.KILL_PROCESS],
      ["SCMP_ACT_TRAP", undefined, SECCOMP_RET.TRAP],
      ["SCMP_ACT_ERRNO", undefined, SECCOMP_RET.ERRNO | 1],
      ["SCMP_ACT_ERRNO", 42, SECCOMP_RET.ERRNO | 42],
      ["SCMP_ACT_ERRNO", 0, SECCOMP_RET.ERRNO],
      ["SCMP_ACT_TRACE", undefined, (SECCOMP_RET.TRACE | 1) >>> 0],
      ["SCMP_ACT_TRACE", 7, (SECCOMP_RET.TRACE | 7) >>> 0],
      ["SCMP_ACT_LOG", undefined, SECCOMP_RET.LOG],
    ];
    for (const [action, errnoRet, expected] of cases) {
      test(`${action}${errnoRet === undefined ? "" : ` errnoRet ${errnoRet}`} on mkdir returns 0x${expected.toString(16)}`, () => {
        const profile = allowExcept({ names: ["mkdir"], action, ...(errnoRet === undefined ? {} : { errnoRet }) });
        expect(run(profile, { nr: NR.mkdir })).toBe(expected);
        expect(run(profile, { nr: NR.getpid })).toBe(SECCOMP_RET.ALLOW);
      });
    }

    test("SCMP_ACT_NOTIFY returns USER_NOTIF and asks for a listener", () => {
      const profile: SeccompProfile = { ...allowExcept({ names: ["mkdir"], action: "SCMP_ACT_NOTIFY" }), listenerPath: "/run/agent.sock" };
      const compiled = compileSeccomp(profile);
      expect(runSeccompProgram(compiled.program, { nr: NR.mkdir, arch: AUDIT_ARCH.X86_64 })).toBe(SECCOMP_RET.USER_NOTIF);
      expect(compiled.flags).toBe(FILTER_FLAG.NEW_LISTENER);
      expect(compiled.listenerPath).toBe("/run/agent.sock");
    });

    test("SCMP_ACT_ALLOW rules under a deny-by-default profile", () => {
      const profile: SeccompProfile = { defaultAction: "SCMP_ACT_ERRNO", syscalls: [{ names: ["getpid", "write", "mkdirat"], action: "SCMP_ACT_ALLOW" }] };
      expect(run(profile, { nr: NR.getpid })).toBe(SECCOMP_RET.ALLOW);
      expect(run(profile, { nr: NR.write })).toBe(SECCOMP_RET.ALLOW);
      expect(run(profile, { nr: NR.mkdir })).toBe(SECCOMP_RET.ERRNO | 1);
    });

    test("every action works as the default action", () => {
      for (const [action, value] of [
        ["SCMP_ACT_KILL", SECCOMP_RET.KILL_THREAD],
        ["SCMP_ACT_KILL_PROCESS", SECCOMP_RET.KILL_PROCESS],
        ["SCMP_ACT_TRAP", SECCOMP_RET.TRAP],
        ["SCMP_ACT_ERRNO", SECCOMP_RET.ERRNO | 1],
        ["SCMP_ACT_TRACE", (SECCOMP_RET.TRACE | 1) >>> 0],
        ["SCMP_ACT_LOG", SECCOMP_RET.LOG],
        ["SCMP_ACT_ALLOW", SECCOMP_RET.ALLOW],
      ] as const) {
        expect(run({ defaultAction: action }, { nr: NR.getpid })).toBe(value);
      }
    });

    test("defaultErrnoRet sets the default action's errno", () => {
      expect(run({ defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: 38 }, { nr: NR.mkdir })).toBe(SECCOMP_RET.ERRNO | 38);
      expect(run({ defaultAction: "SCMP_ACT_TRACE", defaultErrnoRet: 5 }, { nr: NR.mkdir })).toBe((SECCOMP_RET.TRACE | 5) >>> 0);
    });

    test("a rule with the default action is redundant and dropped, not an error", () => {
      const profile = allowExcept({ names: ["mkdir"], action: "SCMP_ACT_ALLOW" });
      expect(run(profile, { nr: NR.mkdir })).toBe(SECCOMP_RET.ALLOW);
    });
  });

  describe("operators", () => {
    // mkdirat(dirfd, path, mode): conditions on the mode (argument 2).
    function modeRule(op: string, value: number | bigint, valueTwo?: number | bigint): SeccompProfile {
      return allowExcept({ names: ["mkdirat"], action: "SCMP_ACT_ERRNO", args: [{ index: 2, op, value, ...(valueTwo === undefined ? {} : { valueTwo }) }] });
    }
    function blocks(profile: SeccompProfile, mode: number | bigint): boolean {
      return run(profile, { nr: NR.mkdirat, args: [0, 0, mode] }) === (SECCOMP_RET.ERRNO | 1);
    }
    const truth: Array<[string, (mode: number, value: number) => boolean]> = [
      ["SCMP_CMP_NE", (m, v) => m !== v],
      ["SCMP_CMP_LT", (m, v) => m < v],
      ["SCMP_CMP_LE", (m, v) => m <= v],
      ["SCMP_CMP_EQ", (m, v) => m === v],
      ["SCMP_CMP_GE", (m, v) => m >= v],
      ["SCMP_CMP_GT", (m, v) => m > v],
    ];
    for (const [op, holds] of truth) {
      test(`${op} compares the argument with value`, () => {
        const profile = modeRule(op, 0o700);
        for (const mode of [0, 0o677, 0o700, 0o701, 0xffffffff]) expect(blocks(profile, mode)).toBe(holds(mode, 0o700));
      });
    }

    test("SCMP_CMP_MASKED_EQ matches only when (arg & value) == valueTwo", () => {
      const profile = modeRule("SCMP_CMP_MASKED_EQ", 0o700, 0o500);
      expect(blocks(profile, 0o555)).toBe(true);
      expect(blocks(profile, 0o500)).toBe(true);
      expect(blocks(profile, 0o755)).toBe(false);
      expect(blocks(profile, 0o044)).toBe(false);
    });

    test("comparisons cover all 64 bits of an argument", () => {
      const big = (1n << 32n) | 2n;
      expect(blocks(modeRule("SCMP_CMP_EQ", big), big)).toBe(true);
      expect(blocks(modeRule("SCMP_CMP_EQ", big), 2)).toBe(false);
      expect(blocks(modeRule("SCMP_CMP_GT", 0xffffffff), big)).toBe(true);
      expect(blocks(modeRule("SCMP_CMP_MASKED_EQ", 1n << 63n, 1n << 63n), 1n << 63n)).toBe(true);
      expect(blocks(modeRule("SCMP_CMP_MASKED_EQ", 1n << 63n, 1n << 63n), 0xffffffff)).toBe(false);
    });

    test("several arguments in one rule must all match", () => {
      const profile = allowExcept({
        names: ["mkdirat"],
        action: "SCMP_ACT_ERRNO",
        args: [
          { index: 0, op: "SCMP_CMP_EQ", value: 3 },
          { index: 2, op: "SCMP_CMP_EQ", value: 0o700 },
        ],
      });
      expect(run(profile, { nr: NR.mkdirat, args: [3, 0, 0o700] })).toBe(SECCOMP_RET.ERRNO | 1);
      expect(run(profile, { nr: NR.mkdirat, args: [4, 0, 0o700] })).toBe(SECCOMP_RET.ALLOW);
      expect(run(profile, { nr: NR.mkdirat, args: [3, 0, 0o755] })).toBe(SECCOMP_RET.ALLOW);
    });

    test("conditions repeating an argument index match separately, as runc reads them", () => {
      const profile = allowExcept({
        names: ["mkdirat"],
        action: "SCMP_ACT_ERRNO",
        args: [
          { index: 2, op: "SCMP_CMP_EQ", value: 0o700 },
          { index: 2, op: "SCMP_CMP_EQ", value: 0o755 },
        ],
      });
      expect(run(profile, { nr: NR.mkdirat, args: [0, 0, 0o700] })).toBe(SECCOMP_RET.ERRNO | 1);
      expect(run(profile, { nr: NR.mkdirat, args: [0, 0, 0o755] })).toBe(SECCOMP_RET.ERRNO | 1);
      expect(run(profile, { nr: NR.mkdirat, args: [0, 0, 0o644] })).toBe(SECCOMP_RET.ALLOW);
    });

    test("several rules for one syscall each allow their own case", () => {
      const profile: SeccompProfile = {
        defaultAction: "SCMP_ACT_ERRNO",
        syscalls: [0, 8].map((value) => ({ names: ["mkdirat"], action: "SCMP_ACT_ALLOW", args: [{ index: 2, op: "SCMP_CMP_EQ", value }] })),
      };
      expect(run(profile, { nr: NR.mkdirat, args: [0, 0, 0] })).toBe(SECCOMP_RET.ALLOW);
      expect(run(profile, { nr: NR.mkdirat, args: [0, 0, 8] })).toBe(SECCOMP_RET.ALLOW);
      expect(run(profile, { nr: NR.mkdirat, args: [0, 0, 1] })).toBe(SECCOMP_RET.ERRNO | 1);
    });
  });

  describe("architectures", () => {
    const mkdirErrno = (architectures?: string[]): SeccompProfile => ({
      ...allowExcept({ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 42 }),
      ...(architectures ? { architectures } : {}),
    });

    test("without architectures only the native one passes; others hit the bad-arch kill", () => {
      const profile = mkdirErrno();
      expect(run(profile, { nr: NR.mkdir })).toBe(SECCOMP_RET.ERRNO | 42);
      expect(run(profile, { nr: NR_I386.getpid, arch: AUDIT_ARCH.I386 })).toBe(SECCOMP_RET.KILL_THREAD);
      expect(run(profile, { nr: NR_AARCH64.getpid, arch: AUDIT_ARCH.AARCH64 })).toBe(SECCOMP_RET.KILL_THREAD);
    });

    test("SCMP_ARCH_X86 and SCMP_ARCH_X32 translate the rule to their own syscall numbers", () => {
      const profile = mkdirErrno(["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]);
      expect(run(profile, { nr: NR_I386.mkdir, arch: AUDIT_ARCH.I386 })).toBe(SECCOMP_RET.ERRNO | 42);
      expect(run(profile, { nr: NR_I386.getpid, arch: AUDIT_ARCH.I386 })).toBe(SECCOMP_RET.ALLOW);
      expect(run(profile, { nr: NR.mkdir | X32_SYSCALL_BIT })).toBe(SECCOMP_RET.ERRNO | 42);
      expect(run(profile, { nr: NR.getpid | X32_SYSCALL_BIT })).toBe(SECCOMP_RET.ALLOW);
    });

    test("x32 calls are refused when only SCMP_ARCH_X86_64 is listed", () => {
      const ret = run(mkdirErrno(["SCMP_ARCH_X86_64"]), { nr: NR.getpid | X32_SYSCALL_BIT });
      expect(ret).not.toBe(SECCOMP_RET.ALLOW);
    });

    test("SCMP_ARCH_AARCH64 and SCMP_ARCH_ARM are compiled with their own tables", () => {
      const profile = mkdirErrno(["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"]);
      expect(run(profile, { nr: NR_AARCH64.mkdirat, arch: AUDIT_ARCH.AARCH64 })).toBe(SECCOMP_RET.ERRNO | 42);
      expect(run(profile, { nr: NR_AARCH64.getpid, arch: AUDIT_ARCH.AARCH64 })).toBe(SECCOMP_RET.ALLOW);
      expect(run(profile, { nr: 39, arch: AUDIT_ARCH.ARM })).toBe(SECCOMP_RET.ERRNO | 42); // arm's mkdir is 39
      expect(run(profile, { nr: NR.mkdir })).toBe(SECCOMP_RET.ERRNO | 42); // the native arch stays
    });

    test("every little-endian spec architecture compiles next to the native one", () => {
      const names = ["X86", "X86_64", "X32", "ARM", "AARCH64", "MIPSEL", "MIPSEL64", "MIPSEL64N32", "PPC64LE", "RISCV64"];
      for (const name of names) expect(compileSeccomp(mkdirErrno([`SCMP_ARCH_${name}`])).program.length).toBeGreaterThan(0);
    });

    test("big-endian architectures cannot share the little-endian host's filter", () => {
      for (const name of ["MIPS", "MIPS64", "MIPS64N32", "PPC", "PPC64", "S390", "S390X", "PARISC", "PARISC64"]) {
        const err = compileError(mkdirErrno(["SCMP_ARCH_X86", `SCMP_ARCH_${name}`]));
        expect(err.message).toStartWith(`config.json /linux/seccomp/architectures/1: libseccomp cannot add SCMP_ARCH_${name}: EDOM`);
      }
    });
  });

  describe("names and unknown syscalls", () => {
    test("unknown names are skipped and reported; the rest of the rule applies", () => {
      const compiled = compileSeccomp(allowExcept({ names: ["no_such_syscall", "mkdir", "another_fake"], action: "SCMP_ACT_ERRNO" }));
      expect(compiled.skippedSyscalls).toEqual(["no_such_syscall", "another_fake"]);
      expect(runSeccompProgram(compiled.program, { nr: NR.mkdir, arch: AUDIT_ARCH.X86_64 })).toBe(SECCOMP_RET.ERRNO | 1);
      const plain = compileSeccomp(allowExcept({ names: ["mkdir"], action: "SCMP_ACT_ERRNO" }));
      expect(compiled.program).toEqual(plain.program);
    });

    test("names of other ABIs only (socketcall) are accepted, not skipped", () => {
      const compiled = compileSeccomp({ ...allowExcept({ names: ["socketcall"], action: "SCMP_ACT_ERRNO" }), architectures: ["SCMP_ARCH_X86"] });
      expect(compiled.skippedSyscalls).toEqual([]);
      expect(runSeccompProgram(compiled.program, { nr: 102, arch: AUDIT_ARCH.I386 })).toBe(SECCOMP_RET.ERRNO | 1);
    });
  });

  describe("flags", () => {
    test("profile flags become seccomp(2) flags", () => {
      const flags = (list: string[], extra: Partial<SeccompProfile> = {}) => compileSeccomp({ defaultAction: "SCMP_ACT_ALLOW", flags: list, ...extra }).flags;
      expect(flags([])).toBe(0);
      expect(flags(["SECCOMP_FILTER_FLAG_TSYNC"])).toBe(FILTER_FLAG.TSYNC);
      expect(flags(["SECCOMP_FILTER_FLAG_LOG"])).toBe(FILTER_FLAG.LOG);
      expect(flags(["SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_LOG"])).toBe(FILTER_FLAG.SPEC_ALLOW | FILTER_FLAG.LOG);
      const notify = { listenerPath: "/l", syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_NOTIFY" }] };
      expect(flags(["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"], notify)).toBe(FILTER_FLAG.WAIT_KILLABLE_RECV | FILTER_FLAG.NEW_LISTENER);
      expect(flags(["SECCOMP_FILTER_FLAG_TSYNC"], notify)).toBe(FILTER_FLAG.TSYNC | FILTER_FLAG.TSYNC_ESRCH | FILTER_FLAG.NEW_LISTENER);
    });

    test("no listener is reported without a NOTIFY rule", () => {
      const compiled = compileSeccomp({ defaultAction: "SCMP_ACT_ALLOW", listenerPath: "/l" });
      expect(compiled.listenerPath).toBeUndefined();
      expect(compiled.flags).toBe(0);
    });
  });
});
