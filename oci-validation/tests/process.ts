/** config.md#process: args, env, cwd, user, umask, rlimits, capabilities, noNewPrivileges, oomScoreAdj, terminal. */
import { check, equal, includes } from "../runner/assert.ts";
import { decodeCapabilities } from "../runner/config.ts";
import type { ConformanceTest } from "../runner/types.ts";

export const processTests: ConformanceTest[] = [
  {
    name: "process: env is the process environment",
    ref: "config.md#process",
    spec: "env (array of strings, OPTIONAL) with the same semantics as IEEE Std 1003.1-2008's environ.",
    async run(t) {
      const env = ["PATH=/bin", "ONE=1", "SPACES=a b  c", "EMPTY=", "EQUALS=x=y"];
      const report = await t.runChecker((c) => (c.process.env = env));
      for (const e of env) includes(report.env, e, `environment entry ${e}`);
    },
  },
  {
    name: "process: args[0] is looked up in the PATH of env",
    ref: "config.md#process",
    spec: "args (array of strings, OPTIONAL) with similar semantics to IEEE Std 1003.1-2008 execvp's argv.",
    async run(t) {
      const report = await t.runChecker((c) => {
        c.process.env = ["PATH=/nonexistent:/"];
        c.process.args = ["checker", "report"];
      });
      equal(report.args, ["checker", "report"], "argv of a PATH-resolved process");
    },
  },
  {
    name: "process: cwd is the working directory",
    ref: "config.md#process",
    spec: "cwd (string, REQUIRED) is the working directory that will be set for the executable. This value MUST be an absolute path.",
    async run(t) {
      equal((await t.runChecker((c) => (c.process.cwd = "/usr/bin"))).cwd, "/usr/bin", "cwd");
    },
  },
  {
    name: "process: a cwd missing from the rootfs is created",
    ref: "config.md#process",
    spec: "cwd (string, REQUIRED) is the working directory that will be set for the executable.",
    async run(t) {
      equal((await t.runChecker((c) => (c.process.cwd = "/not/yet/there"))).cwd, "/not/yet/there", "cwd (runc creates a missing cwd)");
    },
  },
  {
    name: "process: user uid and gid",
    ref: "config.md#posix-platform-user",
    spec: "uid (int, REQUIRED) specifies the user ID in the container namespace. gid (int, REQUIRED) specifies the group ID in the container namespace.",
    async run(t) {
      const r = await t.runChecker((c) => (c.process.user = { uid: 1234, gid: 5678 }));
      equal([r.uid, r.euid, r.gid, r.egid], [1234, 1234, 5678, 5678], "uid, euid, gid, egid");
    },
  },
  {
    name: "process: user additionalGids",
    ref: "config.md#posix-platform-user",
    spec: "additionalGids (array of ints, OPTIONAL) specifies additional group IDs in the container namespace to be added to the process.",
    async run(t) {
      const r = await t.runChecker((c) => (c.process.user = { uid: 1000, gid: 1000, additionalGids: [5, 100, 4000] }));
      for (const g of [5, 100, 4000]) includes(r.groups, g, `supplementary group ${g}`);
    },
  },
  {
    name: "process: without additionalGids the process has no supplementary groups of the runtime",
    ref: "config.md#posix-platform-user",
    spec: "additionalGids (array of ints, OPTIONAL) specifies additional group IDs in the container namespace to be added to the process.",
    async run(t) {
      const r = await t.runChecker((c) => (c.process.user = { uid: 1000, gid: 1000 }));
      check(r.groups.every((g) => g === 1000), "supplementary groups leaked into the container", "[] or [1000]", r.groups);
    },
  },
  {
    name: "process: user umask",
    ref: "config.md#posix-platform-user",
    spec: "umask (int, OPTIONAL) specifies the umask of the user. If unspecified, the umask should not be changed from the calling process' umask.",
    async run(t) {
      equal((await t.runChecker((c) => (c.process.user.umask = 0o027))).status.Umask, "0027", "Umask in /proc/self/status");
    },
  },
  {
    name: "process: without user.umask the caller's umask is kept",
    ref: "config.md#posix-platform-user",
    spec: "umask (int, OPTIONAL) specifies the umask of the user. If unspecified, the umask should not be changed from the calling process' umask.",
    async run(t) {
      const c = t.container(t.bundle());
      await t.mustSucceed(c.create({ umask: "0077" }), "create (run with umask 0077)");
      await t.mustSucceed(c.start(), "start");
      await c.waitFor("stopped");
      equal((await c.report()).status.Umask, "0077", "Umask inherited from the runtime's caller");
    },
  },
  {
    name: "process: rlimits are applied",
    ref: "config.md#posix-process",
    spec: "For each entry in rlimits, a getrlimit(3) on type MUST succeed. For the following properties, rlim refers to the status returned by the getrlimit(3) call. soft (uint64, REQUIRED) - the value of the limit enforced for the corresponding resource. rlim.rlim_cur MUST match the configured value. hard (uint64, REQUIRED) - the ceiling for the soft limit that could be set by an unprivileged process. rlim.rlim_max MUST match the configured value.",
    async run(t) {
      const rlimits = [
        { type: "RLIMIT_NOFILE", soft: 512, hard: 2048 },
        { type: "RLIMIT_CORE", soft: 1024, hard: 4096 },
        { type: "RLIMIT_NPROC", soft: 300, hard: 400 },
        { type: "RLIMIT_MSGQUEUE", soft: 1000, hard: 2000 },
      ];
      const r = await t.runChecker((c) => (c.process.rlimits = rlimits));
      for (const l of rlimits) equal(r.rlimits[l.type], { soft: l.soft, hard: l.hard }, `${l.type} soft/hard`);
    },
  },
  {
    name: "process: an unknown rlimit type is an error",
    ref: "config.md#posix-process",
    spec: "type (string, REQUIRED) the platform resource being limited. ... Any value which cannot be mapped to a relevant kernel interface MUST cause an error.",
    async run(t) {
      await t.expectCreateFailure((c) => (c.process.rlimits = [{ type: "RLIMIT_NOT_A_LIMIT", soft: 1, hard: 1 }]), "an unknown rlimit type");
    },
  },
  {
    name: "process: an rlimit that cannot be set is an error",
    ref: "config.md#posix-process",
    spec: "For each entry in rlimits, a getrlimit(3) on type MUST succeed. ... rlim.rlim_cur MUST match the configured value.",
    async run(t) {
      // soft above hard cannot be set (setrlimit EINVAL), so the configured values cannot both hold.
      await t.expectCreateFailure((c) => (c.process.rlimits = [{ type: "RLIMIT_NOFILE", soft: 2048, hard: 1024 }]), "soft > hard");
    },
  },
  {
    name: "process: capabilities, five sets",
    ref: "config.md#linux-process",
    spec: "capabilities (object, OPTIONAL) is an object containing arrays that specifies the sets of capabilities for the process. ... effective ... bounding ... inheritable ... permitted ... ambient",
    async run(t) {
      const bounding = ["CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW", "CAP_SETUID", "CAP_SYS_CHROOT"];
      // uid 0: execve(2) makes effective = permitted (capabilities(7), "root" rules), so they agree here.
      const permitted = ["CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW"];
      const caps = { bounding, permitted, effective: [...permitted], inheritable: ["CAP_KILL", "CAP_NET_RAW"], ambient: ["CAP_KILL"] };
      const r = await t.runChecker((c) => (c.process.capabilities = caps));
      equal(decodeCapabilities(r.status.CapBnd), [...caps.bounding].sort(), "bounding set");
      equal(decodeCapabilities(r.status.CapPrm), [...caps.permitted].sort(), "permitted set");
      equal(decodeCapabilities(r.status.CapEff), [...caps.effective].sort(), "effective set");
      equal(decodeCapabilities(r.status.CapInh), [...caps.inheritable].sort(), "inheritable set");
      equal(decodeCapabilities(r.status.CapAmb), [...caps.ambient].sort(), "ambient set");
    },
  },
  {
    name: "process: capabilities of a non-root user",
    ref: "config.md#linux-process",
    spec: "effective (array of strings, OPTIONAL) the effective capabilities that are kept for the process. ... permitted (array of strings, OPTIONAL) the permitted capabilities that are kept for the process.",
    async run(t) {
      const set = ["CAP_NET_BIND_SERVICE", "CAP_KILL"];
      const r = await t.runChecker((c) => {
        c.process.user = { uid: 1000, gid: 1000 };
        c.process.capabilities = { bounding: set, permitted: set, effective: set, inheritable: set, ambient: set };
      });
      equal(decodeCapabilities(r.status.CapEff), [...set].sort(), "effective set of uid 1000 (kept through setuid)");
    },
  },
  {
    name: "process: an unknown capability name is an error",
    ref: "config.md#linux-process",
    spec: "Any value which cannot be mapped to a relevant kernel interface, or cannot be granted otherwise MUST cause an error.",
    async run(t) {
      await t.expectCreateFailure((c) => c.process.capabilities.bounding.push("CAP_NOT_A_CAPABILITY"), "an unknown capability name");
    },
  },
  {
    name: "process: noNewPrivileges true sets no_new_privs",
    ref: "config.md#linux-process",
    spec: "noNewPrivileges (bool, OPTIONAL) setting noNewPrivileges to true prevents the process from gaining additional privileges.",
    async run(t) {
      equal((await t.runChecker((c) => (c.process.noNewPrivileges = true))).status.NoNewPrivs, "1", "NoNewPrivs");
    },
  },
  {
    name: "process: noNewPrivileges false leaves no_new_privs unset",
    ref: "config.md#linux-process",
    spec: "noNewPrivileges (bool, OPTIONAL) setting noNewPrivileges to true prevents the process from gaining additional privileges.",
    async run(t) {
      equal((await t.runChecker((c) => (c.process.noNewPrivileges = false))).status.NoNewPrivs, "0", "NoNewPrivs");
    },
  },
  {
    name: "process: oomScoreAdj is set",
    ref: "config.md#linux-process",
    spec: "oomScoreAdj (int, OPTIONAL) adjusts the oom-killer score in [pid]/oom_score_adj for the process's [pid] in a proc pseudo-filesystem. If oomScoreAdj is set, the runtime MUST set oom_score_adj to the given value.",
    async run(t) {
      equal((await t.runChecker((c) => (c.process.oomScoreAdj = 432))).oomScoreAdj, 432, "oom_score_adj");
    },
  },
  {
    name: "process: without oomScoreAdj the caller's oom_score_adj is kept",
    ref: "config.md#linux-process",
    spec: "If oomScoreAdj is not set, the runtime MUST NOT change the value of oom_score_adj.",
    async run(t) {
      const c = t.container(t.bundle());
      await t.mustSucceed(c.create({ oomScoreAdj: 123 }), "create (run with oom_score_adj 123)");
      await t.mustSucceed(c.start(), "start");
      await c.waitFor("stopped");
      equal((await c.report()).oomScoreAdj, 123, "oom_score_adj inherited from the runtime's caller");
    },
  },
  {
    name: "process: terminal true gives the process a pty on stdio via the console socket",
    ref: "config.md#process",
    spec: "terminal (bool, OPTIONAL) specifies whether a terminal is attached to the process, defaults to false. As an example, if set to true on Linux a pseudoterminal pair is allocated for the process and the pseudoterminal pty is duplicated on the process's standard streams.",
    async run(t) {
      const c = t.container(t.bundle((cfg) => (cfg.process.terminal = true)));
      await t.mustSucceed(c.create(), "create --console-socket");
      await t.mustSucceed(c.start(), "start");
      await c.waitFor("stopped");
      const r = await c.report();
      equal(r.isatty, [true, true, true], "isatty(0), isatty(1), isatty(2)");
      const consoleDev = r.devices["/dev/console"];
      check(consoleDev && consoleDev.type === "c" && consoleDev.major === 136, "/dev/console must be the pty (runtime-linux.md: /dev/console is set up if terminal is enabled)", "char 136:N", consoleDev);
    },
  },
  {
    name: "process: terminal false leaves the caller's stdio",
    ref: "config.md#process",
    spec: "terminal (bool, OPTIONAL) specifies whether a terminal is attached to the process, defaults to false.",
    async run(t) {
      const r = await t.runChecker(() => {});
      equal(r.isatty, [false, false, false], "isatty(0), isatty(1), isatty(2)");
    },
  },
  {
    name: "process: only stdin, stdout and stderr are open",
    ref: "runtime-linux.md#file-descriptors",
    spec: "By default, only the stdin, stdout and stderr file descriptors are kept open for the application by the runtime.",
    async run(t) {
      const r = await t.runChecker(() => {});
      equal(Object.keys(r.fds).sort(), ["0", "1", "2"], "open fds of the process");
    },
  },
];
