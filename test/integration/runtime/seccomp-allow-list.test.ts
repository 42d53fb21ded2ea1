/**
 * Allow-list seccomp profiles written before close_range(2) existed (the runtime-tools generator's
 * default, Docker's profiles before 2020) made every container fail: the helper's fd sweep ran
 * under the container's filter (`close_range(3, ~0, CLOSE_RANGE_CLOEXEC) failed: EPERM`). The sweep
 * now runs before any filter, and with no_new_privs a late filter covers nothing of the helper's
 * but execve: here every syscall the helper used to make after it kills the process. The
 * startContainer hooks run under the filter, as in runc (they ran before it with no_new_privs).
 */
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { describeRoot } from "../../fixtures/root.ts";
import { RuntimeSuite } from "./harness.ts";
import { defaultSpec } from "../../../runtime/lib/default-spec.ts";
import type { Spec } from "../../../runtime/lib/spec-types.ts";

/** What `busybox echo` and `busybox sleep` need (strace), with some margin: never the helper's calls. */
const PROGRAM_NEEDS = [
  "execve", "brk", "mmap", "munmap", "mprotect", "arch_prctl", "set_tid_address", "set_robust_list", "rseq", "prlimit64",
  "getrandom", "readlink", "readlinkat", "getuid", "geteuid", "getpid", "gettid", "prctl", "uname", "ioctl",
  "fstat", "newfstatat", "write", "writev", "nanosleep", "clock_nanosleep", "exit", "exit_group",
];
/** What the helper did after a late filter before the fix: any of them now kills the container. */
const HELPER_CALLS = ["close", "close_range", "fcntl", "openat", "getdents64", "rt_sigaction", "rt_sigprocmask"];

function allowList(s: Spec): void {
  s.process!.noNewPrivileges = true;
  s.linux!.seccomp = {
    defaultAction: "SCMP_ACT_ERRNO",
    architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
    syscalls: [
      { names: PROGRAM_NEEDS, action: "SCMP_ACT_ALLOW" },
      { names: HELPER_CALLS, action: "SCMP_ACT_KILL_PROCESS" },
    ],
  };
}

/** The default profile as it was before close_range existed, loaded early (no no_new_privs), as runtime-tools does. */
function withoutCloseRange(s: Spec): void {
  const profile = defaultSpec().linux!.seccomp!;
  profile.syscalls = profile.syscalls!.map((r) => ({ ...r, names: r.names.filter((n) => n !== "close_range") })).filter((r) => r.names.length > 0);
  s.process!.noNewPrivileges = false;
  s.linux!.seccomp = profile;
}

describeRoot("seccomp profiles that deny what the helper needs", () => {
  let s: RuntimeSuite;
  beforeAll(() => {
    s = new RuntimeSuite("seccomp-allow");
  });
  afterEach(async () => {
    await s.cleanup.run();
  });
  afterAll(() => s?.remove());

  test("an allow-list of execve plus the program's own calls runs the container (no_new_privs: late filter)", async () => {
    const r = await s.rt(["run", "--bundle", s.bundle(["echo", "allowed"], allowList), s.id()]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("allowed\n");
    expect(r.code).toBe(0);
  });

  test("the same profile for exec into a running container", async () => {
    const id = s.id();
    expect((await s.rt(["run", "-d", "--bundle", s.bundle(["sleep", "30"], allowList), id])).code).toBe(0);
    const r = await s.rt(["exec", id, "echo", "exec allowed"]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("exec allowed\n");
    expect(r.code).toBe(0);
  });

  test("a profile without close_range, loaded before the capability drop (no no_new_privs)", async () => {
    const r = await s.rt(["run", "--bundle", s.bundle(["echo", "allowed"], withoutCloseRange), s.id()]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("allowed\n");
    expect(r.code).toBe(0);
  });

  for (const nnp of [true, false]) {
    test(`startContainer hooks run under the container's filter, as in runc (noNewPrivileges ${nnp})`, async () => {
      const bundle = s.bundle(["true"], (c) => {
        c.linux!.seccomp = defaultSpec().linux!.seccomp;
        c.process!.noNewPrivileges = nnp;
        c.hooks = { startContainer: [{ path: "/bin/sh", args: ["sh", "-c", "grep '^Seccomp:' /proc/self/status"] }] };
      });
      const r = await s.rt(["run", "--bundle", bundle, s.id()]);
      expect(r.stderr).toBe("Seccomp:\t2\n");
      expect(r.code).toBe(0);
    });
  }
});
