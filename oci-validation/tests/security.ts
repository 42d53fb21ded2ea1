/** config-linux.md#seccomp, #personality; config.md#annotations. */
import { check, equal } from "../runner/assert.ts";
import type { ConformanceTest } from "../runner/types.ts";

const ARCHES = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"];

async function mkdirErrno(t: Parameters<ConformanceTest["run"]>[0], seccomp: unknown): Promise<number> {
  const c = t.container(t.bundle((cfg) => {
    cfg.root.readonly = false;
    cfg.process.args = ["/checker", "mkdir", "/tmp/made-by-checker"];
    cfg.linux.seccomp = seccomp;
  }));
  await t.mustSucceed(c.create(), "create");
  await t.mustSucceed(c.start(), "start");
  await c.waitFor("stopped");
  const out = (await c.stdout()).trim();
  check(out.startsWith("{"), "the checker printed its result", '{"errno":N}', { stdout: out, stderr: c.stderr() });
  return (JSON.parse(out) as { errno: number }).errno;
}

export const securityTests: ConformanceTest[] = [
  {
    name: "seccomp: a blocked syscall fails with errnoRet",
    ref: "config-linux.md#seccomp",
    spec: "errnoRet (uint, OPTIONAL) - the errno return code to use. Some actions like SCMP_ACT_ERRNO and SCMP_ACT_TRACE allow to specify the errno code to return. When the action doesn't support an errno, the runtime MUST print and error and fail.",
    async run(t) {
      const errno = await mkdirErrno(t, { defaultAction: "SCMP_ACT_ALLOW", architectures: ARCHES, syscalls: [{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 42 }] });
      equal(errno, 42, "errno of mkdir under the filter");
    },
  },
  {
    name: "seccomp: SCMP_ACT_ERRNO without errnoRet returns EPERM",
    ref: "config-linux.md#seccomp",
    spec: "errnoRet (uint, OPTIONAL) - the errno return code to use. ... If it is not specified then its default value is EPERM.",
    async run(t) {
      const errno = await mkdirErrno(t, { defaultAction: "SCMP_ACT_ALLOW", architectures: ARCHES, syscalls: [{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO" }] });
      equal(errno, 1, "errno of mkdir under the filter (EPERM)");
    },
  },
  {
    name: "seccomp: defaultAction applies to syscalls not listed",
    ref: "config-linux.md#seccomp",
    spec: "defaultAction (string, REQUIRED) - the default action for seccomp. Allowed values are the same as syscalls[].action.",
    async run(t) {
      // Deny by default (EACCES) and allow what the runtime's last steps and the checker need; mkdir is
      // not in the list, so it must fail with the default errno.
      const allow = ["read", "write", "open", "openat", "close", "fstat", "newfstatat", "stat", "lstat", "mmap", "munmap", "mprotect", "brk", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "ioctl", "exit", "exit_group", "execve", "arch_prctl", "set_tid_address", "set_robust_list", "rseq", "prlimit64", "getrandom", "readlink", "readlinkat", "uname", "getpid", "futex", "capget", "capset", "prctl", "setgroups", "setuid", "setgid", "setresuid", "setresgid", "getuid", "getgid", "geteuid", "getegid", "getppid", "getcwd", "chdir", "fchdir", "close_range", "fcntl", "dup", "dup2", "dup3", "epoll_pwait", "epoll_ctl", "nanosleep", "clock_nanosleep", "sched_yield", "tgkill", "kill", "getdents64", "statx", "faccessat2", "pread64", "access", "faccessat", "write", "writev", "exit", "sigaltstack", "mremap", "madvise", "poll", "ppoll", "pselect6", "select", "wait4", "waitid", "getpgrp", "setsid", "personality", "fstatfs", "statfs", "getgroups"];
      const errno = await mkdirErrno(t, { defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: 13, architectures: ARCHES, syscalls: [{ names: allow, action: "SCMP_ACT_ALLOW" }] });
      equal(errno, 13, "errno of mkdir (not listed) under defaultAction SCMP_ACT_ERRNO with defaultErrnoRet 13");
    },
  },
  {
    name: "seccomp: the filter is in place (Seccomp: 2)",
    ref: "config-linux.md#seccomp",
    spec: "Seccomp provides application sandboxing mechanism in the Linux kernel. Seccomp configuration allows one to configure actions to take for matched syscalls.",
    async run(t) {
      const r = await t.runChecker((c) => (c.linux.seccomp = { defaultAction: "SCMP_ACT_ALLOW", architectures: ARCHES, syscalls: [{ names: ["kexec_load"], action: "SCMP_ACT_ERRNO" }] }));
      equal(r.status.Seccomp, "2", "Seccomp mode in /proc/self/status (2 = filter)");
    },
  },
  {
    name: "seccomp: an unknown action is an error",
    ref: "config-linux.md#seccomp",
    spec: "action (string, REQUIRED) - the action for seccomp rules. A valid list of constants as of libseccomp v2.5.0 is shown below.",
    async run(t) {
      await t.expectCreateFailure((c) => (c.linux.seccomp = { defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_NOT_AN_ACTION" }] }), "an unknown seccomp action");
    },
  },
  {
    name: "personality: LINUX32 domain",
    ref: "config-linux.md#personality",
    spec: "domain (string, REQUIRED) - the execution domain. The valid list of constants is shown below. LINUX32 will set the uname system call to show a 32 bit CPU type, such as i686.",
    skip: () => (process.arch === "x64" || process.arch === "arm64" ? undefined : "needs a 64-bit host"),
    async run(t) {
      const r = await t.runChecker((c) => (c.linux.personality = { domain: "LINUX32" }));
      equal(r.personality & 0xff, 0x0008, "personality(0xffffffff) & PER_MASK is PER_LINUX32");
    },
  },
  {
    name: "annotations: arbitrary keys are accepted and do not change the container",
    ref: "config.md#annotations",
    spec: "annotations (object, OPTIONAL) contains arbitrary metadata for the container. ... Implementations that are reading/processing this configuration file MUST NOT generate an error if they encounter an unknown annotation key.",
    async run(t) {
      const r = await t.runChecker((c) => (c.annotations = { "org.example.unknown.key": "x", "io.bocker.ignored": "" }));
      equal(r.args, ["/checker", "report"], "the process ran as configured");
    },
  },
  {
    name: "config: unknown properties are ignored",
    ref: "config.md#extensibility",
    spec: "Runtimes that are reading or processing this configuration file MUST NOT generate an error if they encounter an unknown property. Instead they MUST ignore unknown properties.",
    async run(t) {
      const r = await t.runChecker((c) => {
        c.orgExampleUnknown = { nested: true };
        c.process.orgExampleUnknown = 1;
        c.linux.orgExampleUnknown = "x";
      });
      equal(r.args, ["/checker", "report"], "the process ran as configured");
    },
  },
];
