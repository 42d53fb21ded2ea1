/**
 * The default profile: its shape as data, and what the compiled program decides for the
 * syscalls a container uses every day and for the ones it must not make. x86_64 numbers.
 */
import { describe, expect, test } from "bun:test";
import { compileSeccomp } from "../../../../../runtime/lib/seccomp/compile.ts";
import { defaultSeccompProfile } from "../../../../../schemas/defaults/seccomp-profile.ts";
import { AUDIT_ARCH, runSeccompProgram, SECCOMP_RET, X32_SYSCALL_BIT } from "./bpf-interpreter.ts";

const EPERM = SECCOMP_RET.ERRNO | 1;
const ENOSYS = SECCOMP_RET.ERRNO | 38;
const NR = {
  read: 0, write: 1, openat: 257, getpid: 39, clone: 56, execve: 59, socket: 41, ptrace: 101, personality: 135,
  arch_prctl: 158, chroot: 161, mount: 165, reboot: 169, add_key: 248, keyctl: 250, unshare: 272, clone3: 435,
} as const;
const CLONE_NEWNS = 0x00020000;
const CLONE_NEWUSER = 0x10000000;
const SIGCHLD = 17;

function decide(program: Uint8Array, nr: number, args: number[] = [], arch: number = AUDIT_ARCH.X86_64): number {
  return runSeccompProgram(program, { nr, arch, args });
}

describe("defaultSeccompProfile as data", () => {
  test("denies by default with EPERM and lists the host's ABIs", () => {
    const x64 = defaultSeccompProfile([], "x64");
    expect(x64.defaultAction).toBe("SCMP_ACT_ERRNO");
    expect(x64.defaultErrnoRet).toBe(1);
    expect(x64.architectures).toEqual(["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]);
    expect(defaultSeccompProfile([], "arm64").architectures).toEqual(["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"]);
  });

  test("capability-conditional entries follow the capability set", () => {
    const names = (caps: string[]) => (defaultSeccompProfile(caps, "x64").syscalls ?? []).flatMap((s) => s.names);
    expect(names([])).not.toContain("mount");
    expect(names(["CAP_SYS_ADMIN"])).toContain("mount");
    expect(names([])).not.toContain("chroot");
    expect(names(["CAP_SYS_CHROOT"])).toContain("chroot");
    expect(names([])).toContain("clone3");
    const clone3 = defaultSeccompProfile([], "x64").syscalls?.find((s) => s.names.includes("clone3"));
    expect(clone3).toEqual({ names: ["clone3"], action: "SCMP_ACT_ERRNO", errnoRet: 38 });
  });

  test("architecture-conditional entries follow the host", () => {
    const names = (arch: string) => (defaultSeccompProfile([], arch).syscalls ?? []).flatMap((s) => s.names);
    expect(names("x64")).toContain("arch_prctl");
    expect(names("arm64")).not.toContain("arch_prctl");
    expect(names("arm64")).toContain("set_tls");
    const cloneArgs = (arch: string) => defaultSeccompProfile([], arch).syscalls?.find((s) => s.names[0] === "clone" && s.args)?.args;
    expect(cloneArgs("x64")?.[0]?.index).toBe(0);
    expect(cloneArgs("s390x")?.[0]?.index).toBe(1);
  });

  test("each call returns a fresh object", () => {
    const a = defaultSeccompProfile();
    a.syscalls?.[0]?.names.push("mutated");
    expect(defaultSeccompProfile().syscalls?.[0]?.names).not.toContain("mutated");
  });
});

describe.if(process.arch === "x64")("the compiled default profile", () => {
  const started = performance.now();
  const compiled = compileSeccomp(defaultSeccompProfile());
  const compileMs = performance.now() - started;
  const program = compiled.program;

  test("compiles quickly, with no flags, listener or errors", () => {
    console.log(`default profile: ${program.length / 8} BPF instructions, compiled in ${compileMs.toFixed(2)} ms (first call, includes dlopen), ${compiled.skippedSyscalls.length} names unknown to libseccomp`);
    expect(compiled.flags).toBe(0);
    expect(compiled.listenerPath).toBeUndefined();
    expect(program.length / 8).toBeLessThan(4096); // BPF_MAXINSNS
  });

  test("everyday syscalls are allowed", () => {
    for (const nr of [NR.read, NR.write, NR.openat, NR.getpid, NR.execve, NR.ptrace, NR.arch_prctl]) expect(decide(program, nr)).toBe(SECCOMP_RET.ALLOW);
    expect(decide(program, NR.clone, [SIGCHLD])).toBe(SECCOMP_RET.ALLOW);
    expect(decide(program, NR.socket, [2 /* AF_INET */])).toBe(SECCOMP_RET.ALLOW);
    expect(decide(program, NR.personality, [0])).toBe(SECCOMP_RET.ALLOW);
    expect(decide(program, NR.personality, [0xffffffff])).toBe(SECCOMP_RET.ALLOW);
  });

  test("what needs a capability the container lacks fails with EPERM", () => {
    for (const nr of [NR.mount, NR.unshare, NR.chroot, NR.reboot, NR.keyctl, NR.add_key]) expect(decide(program, nr)).toBe(EPERM);
    expect(decide(program, NR.clone, [CLONE_NEWNS | SIGCHLD])).toBe(EPERM);
    expect(decide(program, NR.clone, [CLONE_NEWUSER])).toBe(EPERM);
    expect(decide(program, NR.socket, [40 /* AF_VSOCK */])).toBe(EPERM);
    expect(decide(program, NR.personality, [1])).toBe(EPERM);
  });

  test("clone3 fails with ENOSYS so that libc falls back to clone", () => {
    expect(decide(program, NR.clone3)).toBe(ENOSYS);
  });

  test("the 32-bit and x32 ABIs get the same policy", () => {
    expect(decide(program, 20 /* getpid */, [], AUDIT_ARCH.I386)).toBe(SECCOMP_RET.ALLOW);
    expect(decide(program, 102 /* socketcall */, [1 /* SYS_SOCKET */], AUDIT_ARCH.I386)).toBe(SECCOMP_RET.ALLOW);
    expect(decide(program, 21 /* mount */, [], AUDIT_ARCH.I386)).toBe(EPERM);
    expect(decide(program, 310 /* unshare */, [], AUDIT_ARCH.I386)).toBe(EPERM);
    expect(decide(program, NR.getpid | X32_SYSCALL_BIT)).toBe(SECCOMP_RET.ALLOW);
    expect(decide(program, NR.mount | X32_SYSCALL_BIT)).toBe(EPERM);
  });

  test("an unknown architecture is killed", () => {
    expect(decide(program, 172, [], AUDIT_ARCH.AARCH64)).toBe(SECCOMP_RET.KILL_THREAD);
  });

  test("CAP_SYS_ADMIN opens the namespace and mount calls", () => {
    const admin = compileSeccomp(defaultSeccompProfile(["CAP_SYS_ADMIN"])).program;
    expect(decide(admin, NR.mount)).toBe(SECCOMP_RET.ALLOW);
    expect(decide(admin, NR.unshare)).toBe(SECCOMP_RET.ALLOW);
    expect(decide(admin, NR.clone, [CLONE_NEWNS])).toBe(SECCOMP_RET.ALLOW);
    expect(decide(admin, NR.clone3)).toBe(SECCOMP_RET.ALLOW);
  });

  test("recompiling is fast once libseccomp is loaded", () => {
    const runs = 5;
    const t0 = performance.now();
    for (let i = 0; i < runs; i++) compileSeccomp(defaultSeccompProfile());
    const each = (performance.now() - t0) / runs;
    console.log(`default profile: ${each.toFixed(2)} ms per compile with libseccomp already loaded`);
    expect(each).toBeLessThan(100);
  });
});
