/** compileSeccomp on malformed profiles: each error is CONFIG_INVALID and names its JSON pointer. */
import { describe, expect, test } from "bun:test";
import { compileSeccomp } from "../../../../../runtime/lib/seccomp/compile.ts";
import { libseccompVersion } from "../../../../../runtime/lib/seccomp/libseccomp.ts";
import type { SeccompProfile } from "../../../../../runtime/lib/seccomp/types.ts";
import { allowExcept, compileError } from "./profile-fixture.ts";


describe("malformed profiles are errors naming the JSON pointer", () => {
  const cases: Array<[string, SeccompProfile, string]> = [
    ["unknown default action", { defaultAction: "SCMP_ACT_FOO" }, 'config.json /linux/seccomp/defaultAction: unknown action "SCMP_ACT_FOO"'],
    ["unknown rule action", allowExcept({ names: ["mkdir"], action: "ALLOW" }), 'config.json /linux/seccomp/syscalls/0/action: unknown action "ALLOW"'],
    [
      "unknown operator",
      allowExcept({ names: ["getpid"], action: "SCMP_ACT_LOG" }, { names: ["mkdir"], action: "SCMP_ACT_ERRNO", args: [{ index: 0, op: "SCMP_CMP_FOO", value: 1 }] }),
      'config.json /linux/seccomp/syscalls/1/args/0/op: unknown operator "SCMP_CMP_FOO"',
    ],
    ["unknown architecture", { defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86_64", "x86"] }, 'config.json /linux/seccomp/architectures/1: unknown architecture "x86"'],
    ["argument index out of range", allowExcept({ names: ["mkdir"], action: "SCMP_ACT_ERRNO", args: [{ index: 6, op: "SCMP_CMP_EQ", value: 1 }] }), "config.json /linux/seccomp/syscalls/0/args/0/index: argument index must be 0 to 5, got 6"],
    ["negative value", allowExcept({ names: ["mkdir"], action: "SCMP_ACT_ERRNO", args: [{ index: 0, op: "SCMP_CMP_EQ", value: -1 }] }), "config.json /linux/seccomp/syscalls/0/args/0/value: must be an unsigned 64-bit integer, got -1"],
    ["valueTwo beyond 64 bits", allowExcept({ names: ["mkdir"], action: "SCMP_ACT_ERRNO", args: [{ index: 0, op: "SCMP_CMP_MASKED_EQ", value: 1, valueTwo: 1n << 64n }] }), "config.json /linux/seccomp/syscalls/0/args/0/valueTwo: must be an unsigned 64-bit integer"],
    ["errnoRet on an action without errno", allowExcept({ names: ["mkdir"], action: "SCMP_ACT_KILL", errnoRet: 1 }), "config.json /linux/seccomp/syscalls/0/errnoRet: SCMP_ACT_KILL does not take an errno return code"],
    ["defaultErrnoRet on ALLOW", { defaultAction: "SCMP_ACT_ALLOW", defaultErrnoRet: 1 }, "config.json /linux/seccomp/defaultErrnoRet: SCMP_ACT_ALLOW does not take an errno return code"],
    ["errnoRet too large", allowExcept({ names: ["mkdir"], action: "SCMP_ACT_ERRNO", errnoRet: 70000 }), "config.json /linux/seccomp/syscalls/0/errnoRet: errno return code must be an integer from 0 to 65535, got 70000"],
    ["empty names", allowExcept({ names: [], action: "SCMP_ACT_ERRNO" }), "config.json /linux/seccomp/syscalls/0/names: must list at least one syscall name"],
    ["empty syscall name", allowExcept({ names: ["mkdir", ""], action: "SCMP_ACT_ERRNO" }), "config.json /linux/seccomp/syscalls/0/names/1: syscall name must be a non-empty string"],
    ["unknown flag", { defaultAction: "SCMP_ACT_ALLOW", flags: ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_FOO"] }, 'config.json /linux/seccomp/flags/1: unknown seccomp flag "SECCOMP_FILTER_FLAG_FOO"'],
    ["WAIT_KILLABLE_RECV without NOTIFY", { defaultAction: "SCMP_ACT_ALLOW", flags: ["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"] }, "config.json /linux/seccomp/flags/0: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV needs a SCMP_ACT_NOTIFY rule"],
    ["NOTIFY as default", { defaultAction: "SCMP_ACT_NOTIFY", listenerPath: "/l" }, "config.json /linux/seccomp/defaultAction: SCMP_ACT_NOTIFY cannot be the default action"],
    ["NOTIFY without listenerPath", allowExcept({ names: ["mkdir"], action: "SCMP_ACT_NOTIFY" }), "config.json /linux/seccomp/listenerPath: required when a rule uses SCMP_ACT_NOTIFY"],
    ["NOTIFY on write", { ...allowExcept({ names: ["mkdir", "write"], action: "SCMP_ACT_NOTIFY" }), listenerPath: "/l" }, "config.json /linux/seccomp/syscalls/0/names/1: SCMP_ACT_NOTIFY cannot be used for write"],
    [
      "a rule libseccomp rejects (same condition, two actions)",
      allowExcept(
        { names: ["mkdir"], action: "SCMP_ACT_ERRNO", args: [{ index: 0, op: "SCMP_CMP_EQ", value: 1 }] },
        { names: ["getpid", "mkdir"], action: "SCMP_ACT_TRAP", args: [{ index: 0, op: "SCMP_CMP_EQ", value: 1 }] },
      ),
      "config.json /linux/seccomp/syscalls/1/names/1: libseccomp rejected the rule for mkdir: EEXIST",
    ],
  ];
  for (const [what, profile, message] of cases) {
    test(what, () => {
      const err = compileError(profile);
      expect(err.message).toStartWith(message);
      expect(message).toContain(`config.json ${err.context.pointer}:`);
    });
  }

  test("the pointer prefix is the caller's (e.g. for a profile outside config.json's usual place)", () => {
    expect(() => compileSeccomp({ defaultAction: "nope" }, "/x/seccomp")).toThrow('config.json /x/seccomp/defaultAction: unknown action "nope"');
  });

  test("architectures this libseccomp lacks are errors, never dropped", () => {
    let message: string | undefined;
    try {
      compileSeccomp({ defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_M68K"] });
    } catch (err) {
      message = (err as Error).message;
    }
    // libseccomp 2.6 added m68k; 2.5.4 (Debian 12) does not have it.
    if (libseccompVersion() < "2.6") expect(message).toBe(`config.json /linux/seccomp/architectures/0: SCMP_ARCH_M68K is not supported by libseccomp ${libseccompVersion()}`);
    else expect(message).toBeUndefined();
  });
});

test("a profile longer than the kernel's BPF_MAXINSNS is refused before the helper tries it", () => {
  // Each distinct 64-bit value costs a comparison of both halves.
  const syscalls = Array.from({ length: 1100 }, (_, i) => ({
    names: ["mkdirat"],
    action: "SCMP_ACT_ERRNO",
    args: [{ index: 2, op: "SCMP_CMP_EQ", value: (1n << 32n) + BigInt(i) * 0x100000001n }],
  }));
  expect(compileError({ defaultAction: "SCMP_ACT_ALLOW", syscalls }).message).toMatch(
    /^config\.json \/linux\/seccomp: compiles to \d+ BPF instructions; the kernel takes at most 4096$/,
  );
});
