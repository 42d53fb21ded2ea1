/**
 * Compiled profiles loaded into a real kernel. A tiny static C program (load-and-exec.c, built
 * here) stands in for bocker-init's SECCOMP step: no_new_privs, seccomp(2) with our bytes and
 * flags, execv. The host's busybox then shows what the filter lets through and with which errno.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Cleanup } from "../../../common/cleanup.ts";
import { describeRoot } from "../../fixtures/root.ts";
import { HOST_BUSYBOX } from "../../../common/busybox-rootfs.ts";
import { compileSeccomp } from "../../../runtime/lib/seccomp/compile.ts";
import { defaultSeccompProfile } from "../../../schemas/defaults/seccomp-profile.ts";
import type { SeccompProfile } from "../../../runtime/lib/seccomp/types.ts";

const cleanup = new Cleanup();
let dir = "";
let loader = "";
let runs = 0;

interface Run {
  exitCode: number | null;
  signalCode: string | undefined;
  stdout: string;
  stderr: string;
}

/** Runs `busybox args...` under the compiled profile. */
function runUnder(profile: SeccompProfile | undefined, args: string[]): Run {
  const command = [HOST_BUSYBOX, ...args];
  let argv = command;
  if (profile) {
    const { program, flags } = compileSeccomp(profile);
    const file = join(dir, `program-${runs++}.bpf`);
    writeFileSync(file, program);
    argv = [loader, file, String(flags), ...command];
  }
  const r = Bun.spawnSync(argv, { cwd: dir, stdout: "pipe", stderr: "pipe" });
  return { exitCode: r.exitCode, signalCode: r.signalCode === undefined || r.signalCode === null ? undefined : String(r.signalCode), stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

/**
 * Makes syscall nr (no arguments) under the profile, through the native or the i386 entry:
 * the errno it failed with (0 for success), or the signal that ended the process.
 */
function syscallUnder(profile: SeccompProfile, nr: number, abi: "native" | "i386" = "native"): { errno?: number; signal?: string } {
  const { program, flags } = compileSeccomp(profile);
  const file = join(dir, `program-${runs++}.bpf`);
  writeFileSync(file, program);
  const r = Bun.spawnSync([loader, file, String(flags), abi === "native" ? "--syscall" : "--syscall32", String(nr)], { stdout: "pipe", stderr: "pipe" });
  if (r.signalCode) return { signal: String(r.signalCode) };
  const match = /^errno (\d+)$/m.exec(r.stdout.toString());
  if (r.exitCode !== 0 || !match) throw new Error(`load-and-exec syscall ${nr} failed (${r.exitCode}): ${r.stderr.toString()}`);
  return { errno: Number(match[1]) };
}

function denyMkdir(action: string, errnoRet?: number): SeccompProfile {
  return {
    defaultAction: "SCMP_ACT_ALLOW",
    syscalls: [{ names: ["mkdir", "mkdirat"], action, ...(errnoRet === undefined ? {} : { errnoRet }) }],
  };
}

describeRoot("seccomp programs in the kernel", () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "bocker-seccomp-"));
    cleanup.add(`remove ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
    loader = join(dir, "load-and-exec");
    const cc = Bun.spawnSync(["cc", "-static", "-O2", "-Wall", "-Werror", "-o", loader, join(import.meta.dir, "load-and-exec.c")], { stderr: "pipe" });
    if (cc.exitCode !== 0) throw new Error(`cc -static load-and-exec.c failed: ${cc.stderr.toString()}`);
  });
  afterAll(() => cleanup.run());

  test("without a filter busybox mkdir works (control)", () => {
    const r = runUnder(undefined, ["mkdir", "control"]);
    expect(r.exitCode).toBe(0);
    expect(existsSync(join(dir, "control"))).toBe(true);
  });

  test("SCMP_ACT_ERRNO without errnoRet fails mkdir with EPERM", () => {
    const r = runUnder(denyMkdir("SCMP_ACT_ERRNO"), ["mkdir", "eperm"]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("Operation not permitted");
    expect(existsSync(join(dir, "eperm"))).toBe(false);
  });

  test("errnoRet chooses the errno: 42 (ENOMSG) and 38 (ENOSYS)", () => {
    const enomsg = runUnder(denyMkdir("SCMP_ACT_ERRNO", 42), ["mkdir", "enomsg"]);
    expect(enomsg.exitCode).toBe(1);
    expect(enomsg.stderr).toContain("No message of desired type");
    const enosys = runUnder(denyMkdir("SCMP_ACT_ERRNO", 38), ["mkdir", "enosys"]);
    expect(enosys.stderr).toContain("Function not implemented");
    expect(existsSync(join(dir, "enomsg")) || existsSync(join(dir, "enosys"))).toBe(false);
  });

  test("argument conditions: MASKED_EQ on kill's signal blocks only matching signals", () => {
    // Block kill(2) when (sig & 0x10) == 0x10: SIGCONT (18) matches, signal 0 does not.
    const profile: SeccompProfile = {
      defaultAction: "SCMP_ACT_ALLOW",
      syscalls: [{ names: ["kill"], action: "SCMP_ACT_ERRNO", errnoRet: 42, args: [{ index: 1, op: "SCMP_CMP_MASKED_EQ", value: 0x10, valueTwo: 0x10 }] }],
    };
    const r = runUnder(profile, ["sh", "-c", "kill -0 $$ && echo zero-ok; kill -CONT $$ || echo cont-refused"]);
    expect(r.stdout).toBe("zero-ok\ncont-refused\n");
    expect(r.stderr).toContain("No message of desired type");
  });

  test("SCMP_ACT_KILL_PROCESS and SCMP_ACT_TRAP end the process with SIGSYS", () => {
    for (const action of ["SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL", "SCMP_ACT_TRAP"]) {
      const r = runUnder(denyMkdir(action), ["mkdir", `killed-${action}`]);
      expect(r.signalCode).toBe("SIGSYS");
      expect(existsSync(join(dir, `killed-${action}`))).toBe(false);
    }
  });

  test("SCMP_ACT_LOG lets the call through", () => {
    const r = runUnder(denyMkdir("SCMP_ACT_LOG"), ["mkdir", "logged"]);
    expect(r.exitCode).toBe(0);
    expect(existsSync(join(dir, "logged"))).toBe(true);
  });

  test("SCMP_ACT_NOTIFY loads with NEW_LISTENER; with the listener gone the call fails with ENOSYS", () => {
    const r = runUnder({ ...denyMkdir("SCMP_ACT_NOTIFY"), listenerPath: join(dir, "agent.sock") }, ["mkdir", "notified"]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("Function not implemented");
  });

  test("every profile flag is accepted by the kernel", () => {
    const flags = ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"];
    const r = runUnder({ ...denyMkdir("SCMP_ACT_ERRNO", 42), flags }, ["mkdir", "flags"]);
    expect(r.stderr).toContain("No message of desired type");
    const notify = runUnder(
      { ...denyMkdir("SCMP_ACT_NOTIFY"), listenerPath: "/unused", flags: [...flags, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"] },
      ["mkdir", "flags-notify"],
    );
    expect(notify.stderr).toContain("Function not implemented");
  });

  test.if(process.arch === "x64")("in a deny-by-default filter, syscalls newer than the profile fail with ENOSYS, older ones with EPERM", () => {
    // Enough for the loader's printf and exit; newfstatat (262) is the highest number named.
    const profile: SeccompProfile = {
      defaultAction: "SCMP_ACT_ERRNO",
      syscalls: [{ names: ["write", "exit_group", "fstat", "newfstatat", "brk", "mmap", "munmap", "ioctl"], action: "SCMP_ACT_ALLOW" }],
    };
    expect(syscallUnder(profile, 318 /* getrandom: exists, newer than the profile */)).toEqual({ errno: 38 });
    expect(syscallUnder(profile, 39 /* getpid: older, simply not allowed */)).toEqual({ errno: 1 });
    expect(syscallUnder({ ...profile, defaultAction: "SCMP_ACT_ALLOW", syscalls: [] }, 318)).toEqual({ errno: 0 });
  });

  test.if(process.arch === "x64")("the i386 entry (int 0x80) is filtered with i386 numbers, or killed when SCMP_ARCH_X86 is absent", () => {
    const withX86 = { ...denyMkdir("SCMP_ACT_ERRNO", 42), architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"] };
    expect(syscallUnder(withX86, 39 /* i386 mkdir */, "i386")).toEqual({ errno: 42 });
    expect(syscallUnder(withX86, 20 /* i386 getpid */, "i386")).toEqual({ errno: 0 });
    expect(syscallUnder(denyMkdir("SCMP_ACT_ERRNO", 42), 20, "i386")).toEqual({ signal: "SIGSYS" });

    const defaults = defaultSeccompProfile();
    expect(syscallUnder(defaults, 20 /* getpid */, "i386")).toEqual({ errno: 0 });
    expect(syscallUnder(defaults, 21 /* mount */, "i386")).toEqual({ errno: 1 });
    expect(syscallUnder(defaults, 310 /* unshare */, "i386")).toEqual({ errno: 1 });
  });

  test("the default profile runs busybox sh, ls, echo, cat and the filter is in force", () => {
    writeFileSync(join(dir, "hello.txt"), "hello from a file\n");
    const script = "echo hello; ls hello.txt; cat hello.txt; grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status; id -u; mkdir made && rmdir made && echo dirs-ok";
    const r = runUnder(defaultSeccompProfile(), ["sh", "-c", script]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("hello\nhello.txt\nhello from a file\nNoNewPrivs:\t1\nSeccomp:\t2\n0\ndirs-ok\n");
    expect(r.exitCode).toBe(0);
  });

  test("the default profile blocks namespaces, mounts and chroot with EPERM", () => {
    const control = runUnder(undefined, ["unshare", "-m", "true"]);
    expect(control.exitCode).toBe(0); // root may, without the filter

    const profile = defaultSeccompProfile();
    const unshare = runUnder(profile, ["unshare", "-m", "true"]);
    expect(unshare.exitCode).not.toBe(0);
    expect(unshare.stderr).toContain("Operation not permitted");

    const target = join(dir, "mnt");
    runUnder(undefined, ["mkdir", target]);
    const mount = runUnder(profile, ["mount", "-t", "tmpfs", "none", target]);
    expect(mount.exitCode).not.toBe(0);
    expect(mount.stderr).toContain("permission denied (are you root?)"); // busybox's words for EPERM

    const chroot = runUnder(profile, ["chroot", "/", "true"]);
    expect(chroot.exitCode).not.toBe(0);
    expect(chroot.stderr).toContain("Operation not permitted");
  });

  test("capabilities in the default profile open what they cover", () => {
    expect(runUnder(defaultSeccompProfile(["CAP_SYS_CHROOT"]), ["chroot", "/", "true"]).exitCode).toBe(0);
    expect(runUnder(defaultSeccompProfile(["CAP_SYS_ADMIN"]), ["unshare", "-m", "true"]).exitCode).toBe(0);
  });
});
