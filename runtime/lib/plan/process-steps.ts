/**
 * The last stretch of the INIT section, shared by `create` and `exec`: resource limits, privilege
 * drop and execve, in runc's order (standard_init_linux.go / setns_init_linux.go):
 * rlimits, no_new_privs, seccomp before the capability drop when no_new_privs is off (loading a
 * filter without it needs CAP_SYS_ADMIN), bounding set, keepcaps across setuid, groups and ids,
 * capability sets, ambient, umask, chdir (checked: CVE-2024-21626; tried before the filter and the
 * privilege drop, retried after it when refused, as runc's finalizeNamespace), the create-only handshake,
 * seccomp as late as possible when no_new_privs is on, startContainer hooks under it, execve.
 * Every fd above the preserved ones is marked close-on-exec (CVE-2024-21626 again) before any
 * seccomp filter is loaded, so the sweep never depends on what a profile allows.
 */
import { capabilityMask, capabilityNames } from "../linux/capabilities.ts";
import { RLIMIT_NUMBERS, rlimitValue } from "../linux/rlimits.ts";
import { describeScheduler, schedulerArgs } from "../linux/sched.ts";
import { lsmSteps, type LsmFacts } from "../linux/lsm.ts";
import { RuntimeError } from "../errors.ts";
import type { Hook, Process } from "../spec-types.ts";
import type { PlanBuilder } from "./builder.ts";

export interface CompiledSeccomp {
  program: Uint8Array;
  flags: number;
  /** Set when a rule uses SCMP_ACT_NOTIFY: the listener fd and the state go to this socket. */
  listenerPath?: string;
  /** Names libseccomp does not know, skipped like runc does (logged at debug level). */
  skippedSyscalls?: string[];
}

export interface ProcessStepOptions {
  seccomp?: CompiledSeccomp;
  /** Slot of a connected seccomp listener socket, or -1. */
  seccompListenerSlot: number;
  preserveFds: number;
  /** create: the exec FIFO slot and the startContainer hooks; exec: undefined. */
  handshake?: { execFifoSlot: number; startContainer: readonly Hook[] };
  /** Prefix for pointers: "" for config.json, or a --process file's own root. */
  pointerBase: string;
  /** setgroups(2) is denied in the user namespace (CVE-2014-8989 rule for unprivileged maps): skip it. */
  setgroupsDenied?: boolean;
  /** Which LSMs are active, when the process asks for a label (detectLsm). */
  lsm?: LsmFacts;
  /** Capabilities the runtime could grant at all (its bounding set, ownBoundingSet); default: any. */
  grantableCaps?: bigint;
}

const PERSONALITY_DOMAINS: Record<string, number> = { LINUX: 0x0000, LINUX32: 0x0008 };
const IOPRIO_CLASSES: Record<string, number> = { IOPRIO_CLASS_RT: 1, IOPRIO_CLASS_BE: 2, IOPRIO_CLASS_IDLE: 3 };

export function hookStepArgs(h: Hook): [string, string[], string[], number] {
  return [h.path, h.args && h.args.length > 0 ? h.args : [h.path], h.env ?? [], h.timeout ?? 0];
}

export function processSteps(b: PlanBuilder, proc: Process, opts: ProcessStepOptions, personality?: { domain: string }): void {
  const p = `${opts.pointerBase}/process`;
  for (const [i, r] of (proc.rlimits ?? []).entries()) {
    b.emit("init", "RLIMIT", [RLIMIT_NUMBERS[r.type]!, rlimitValue(r.soft), rlimitValue(r.hard)], `set ${r.type} soft ${r.soft} hard ${r.hard}`, `${p}/rlimits/${i}`);
  }
  if (personality) {
    const domain = PERSONALITY_DOMAINS[personality.domain];
    if (domain === undefined) throw new RuntimeError("CONFIG_INVALID", `config.json /linux/personality/domain: unknown domain ${JSON.stringify(personality.domain)}`, { pointer: "/linux/personality/domain" });
    b.emit("init", "PERSONALITY", [domain], `personality ${personality.domain}`, "/linux/personality");
  }
  if (proc.ioPriority) {
    const cls = IOPRIO_CLASSES[proc.ioPriority.class];
    if (cls === undefined) throw new RuntimeError("CONFIG_INVALID", `config.json ${p}/ioPriority/class: unknown class ${JSON.stringify(proc.ioPriority.class)}`, { pointer: `${p}/ioPriority/class` });
    b.emit("init", "IOPRIO", [cls, proc.ioPriority.priority], `io priority ${proc.ioPriority.class} ${proc.ioPriority.priority}`, `${p}/ioPriority`);
  }
  // runc setupScheduler: while still root, so raising the priority or a realtime policy works.
  if (proc.scheduler) b.emit("init", "SCHED", schedulerArgs(proc.scheduler, `${p}/scheduler`), `scheduler ${describeScheduler(proc.scheduler)}`, `${p}/scheduler`);
  // runc standard_init: the labels are set while still privileged; the kernel applies them at execve.
  lsmSteps(b, proc, opts.lsm ?? { apparmor: false, selinux: false }, p);
  const nnp = proc.noNewPrivileges === true;
  if (nnp) b.emit("init", "NO_NEW_PRIVS", [], "set no_new_privs", `${p}/noNewPrivileges`);
  // Without no_new_privs the filter needs CAP_SYS_ADMIN, so it goes in before the capability drop,
  // and the fd sweep before it: the sweep must not depend on what the profile allows (profiles
  // written before close_range(2) existed deny it).
  const earlySeccomp = opts.seccomp !== undefined && !nnp;
  // runc finalizeNamespace: chdir while still privileged (a cwd only root may enter, e.g. /root
  // 0700 for another user), again as the user if that was refused (a cwd only the user may enter).
  // Verified here, before any seccomp filter, so no profile has to allow getcwd.
  const cwdOrigin = b.origin(`chdir ${proc.cwd}`, `${p}/cwd`);
  b.add("init", "CHDIR_EARLY", [proc.cwd], cwdOrigin);
  if (earlySeccomp) {
    closeFdsStep(b, opts);
    seccompStep(b, opts, "load seccomp filter (before dropping CAP_SYS_ADMIN)");
  }

  const caps = proc.capabilities ?? {};
  const cp = `${p}/capabilities`;
  const grantable = opts.grantableCaps ?? ~0n;
  const mask = (set: keyof typeof caps) => capabilityMask(caps[set] ?? [], `${cp}/${set}`) & grantable;
  // config.md: a capability that cannot be granted MUST be logged as a warning, and the runtime
  // SHOULD NOT fail (a restricted environment); the kernel would refuse it in capset(2).
  const sets = ["bounding", "effective", "permitted", "inheritable", "ambient"] as const;
  const refused = sets.reduce((m, set) => m | capabilityMask(caps[set] ?? [], `${cp}/${set}`), 0n) & ~grantable;
  if (refused !== 0n) b.warn(`config.json ${cp}: ${capabilityNames(refused).join(", ")} cannot be granted (not in the runtime's own bounding set); dropped from every set`);
  const bounding = mask("bounding");
  const capsOrigin = b.origin(`capabilities: bounding ${describe(caps.bounding)}; effective ${describe(caps.effective)}; permitted ${describe(caps.permitted)}; inheritable ${describe(caps.inheritable)}; ambient ${describe(caps.ambient)}`, cp);
  b.add("init", "CAP_BOUNDING", [bounding], capsOrigin);
  // Keep the permitted set across setuid so the CAPS step below can still raise capabilities.
  b.add("init", "KEEP_CAPS", [1], capsOrigin);
  const user = proc.user;
  b.emit("init", "FIX_STDIO_OWNER", [user.uid], `give stdio to uid ${user.uid}`, `${p}/user/uid`);
  if (!opts.setgroupsDenied) b.emit("init", "SETGROUPS", [user.additionalGids ?? []], `setgroups [${(user.additionalGids ?? []).join(", ")}]`, `${p}/user/additionalGids`);
  else if ((user.additionalGids ?? []).length > 0) {
    // runc setupUser: "cannot set any additional groups in a rootless container".
    throw new RuntimeError("CONFIG_INVALID", `config.json ${p}/user/additionalGids: setgroups is denied in this user namespace (an unprivileged runtime mapping its own gid), so no additional groups can be set`, { pointer: `${p}/user/additionalGids` });
  }
  b.emit("init", "SETRESID", [user.uid, user.gid], `become uid ${user.uid} gid ${user.gid}`, `${p}/user`);
  b.add("init", "KEEP_CAPS", [0], capsOrigin);
  b.add("init", "CAPS", [mask("effective"), mask("permitted"), mask("inheritable")], capsOrigin);
  const grantableAmbient = (caps.ambient ?? []).filter((name, i) => (capabilityMask([name], `${cp}/ambient/${i}`) & grantable) !== 0n); // the rest were warned about
  const ambient = ambientMask(b, grantableAmbient, mask("permitted") & mask("inheritable"), `${cp}/ambient`);
  if (ambient !== 0n) b.add("init", "AMBIENT", [ambient], capsOrigin);
  if (user.umask !== undefined) b.emit("init", "UMASK", [user.umask], `umask ${user.umask.toString(8).padStart(4, "0")}`, `${p}/user/umask`);
  b.add("init", "CHDIR_DEFERRED", [proc.cwd], cwdOrigin);

  // exec has no REPORT_DONE: the sync socket is close-on-exec, so the runtime sees EOF exactly
  // when execve succeeded and gets its error otherwise (runc does the same with its sync pipe).
  if (opts.handshake) {
    b.emit("init", "REPORT_DONE", [], "report setup finished", "");
    b.emit("init", "EXEC_FIFO_WAIT", [opts.handshake.execFifoSlot], "wait for `start` on the exec FIFO", "");
  }
  // With no_new_privs the filter goes in as late as possible (runc: before the startContainer hooks,
  // which run under it). Everything execve needs besides execve happens before it, so an allow-list
  // profile needs little more than execve; only startContainer hooks (fork, pipes, wait) need more,
  // and SIGPIPE stays ignored while the helper writes their stdin.
  const startHooks = opts.handshake?.startContainer ?? [];
  if (!earlySeccomp) closeFdsStep(b, opts);
  if (startHooks.length === 0) b.emit("init", "EXEC_PREPARE", [], "restore signals, close the helper's last fd", "");
  if (opts.seccomp && nnp) seccompStep(b, opts, "load seccomp filter");
  for (const [i, h] of startHooks.entries()) {
    b.emit("init", "RUN_HOOK", hookStepArgs(h), `startContainer hook ${h.path}`, `/hooks/startContainer/${i}`);
  }
  if (startHooks.length > 0) b.emit("init", "EXEC_PREPARE", [], "restore signals, close the helper's last fd", "");
  const args = proc.args ?? [];
  b.emit("init", "EXEC", [args[0]!, args, proc.env ?? []], `execve ${JSON.stringify(args)}`, `${p}/args`);
}

function closeFdsStep(b: PlanBuilder, opts: ProcessStepOptions): void {
  b.emit("init", "CLOSE_FDS", [3 + opts.preserveFds], `mark fds >= ${3 + opts.preserveFds} close-on-exec`, "");
}

function seccompStep(b: PlanBuilder, opts: ProcessStepOptions, what: string): void {
  const s = opts.seccomp!;
  b.emit("init", "SECCOMP", [s.program, s.flags, opts.seccompListenerSlot], `${what} (${s.program.length / 8} BPF instructions)`, "/linux/seccomp");
}

/**
 * The kernel raises an ambient capability only if it is both permitted and inheritable
 * (capabilities(7)); runc skips the others rather than failing (1.1 silently, 1.2+ with a
 * logrus warning per capability), and its own `spec` default lists ambient capabilities without
 * inheritable ones, so that config must create without a word on the container's terminal: a
 * note, for --debug and the --log file.
 */
function ambientMask(b: PlanBuilder, names: readonly string[], allowed: bigint, pointer: string): bigint {
  const all = capabilityMask(names, pointer);
  names.forEach((name, i) => {
    if ((capabilityMask([name], pointer) & allowed) === 0n) b.note(`config.json ${pointer}/${i}: ambient capability ${name} is not both permitted and inheritable; skipped (capabilities(7))`);
  });
  return all & allowed;
}

function describe(names: readonly string[] | undefined): string {
  return names && names.length > 0 ? names.join(",") : "none";
}
