/**
 * `linux.seccomp` → the classic BPF program bocker-init loads with seccomp(2), plus the
 * SECCOMP_FILTER_FLAG_* mask for that call. Decisions follow runc's libcontainer/seccomp:
 * unknown syscall names are skipped (a profile must work on kernels older than it); rules whose
 * action equals the default are redundant and dropped; conditions repeating one argument index
 * become separate rules (OR), the way runc has always read such profiles; a deny-by-default
 * filter answers syscalls newer than the profile with ENOSYS (enosys.ts).
 * Everything malformed is an error naming its JSON pointer.
 */
import { RuntimeError } from "../errors.ts";
import { enosysPrologue, syscallLimits } from "./enosys.ts";
import {
  FilterAttr,
  kernelAcceptsFilterFlags,
  libseccompErrno,
  libseccompVersion,
  nativeArch,
  resolveArch,
  resolveSyscall,
  resolveSyscallForArch,
  SeccompFilter,
  type ArgCompare,
} from "./libseccomp.ts";
import {
  ACTIONS,
  ARCHITECTURES,
  DEFAULT_ERRNO_RET,
  FILTER_FLAG,
  MAX_ERRNO_RET,
  MAX_SYSCALL_ARGS,
  OPERATORS,
  PROFILE_FLAGS,
} from "./names.ts";
import type { SeccompArg, SeccompProfile, SeccompRule } from "./types.ts";

export interface CompiledSeccomp {
  /** struct sock_filter[] as bytes, for the SECCOMP plan step. */
  program: Uint8Array;
  /** seccomp(2) flags for SECCOMP_SET_MODE_FILTER. */
  flags: number;
  /** Set when a rule uses SCMP_ACT_NOTIFY: the listener fd and the state go to this socket. */
  listenerPath?: string;
  /** Names libseccomp does not know, skipped like runc does; the caller logs them at debug level. */
  skippedSyscalls: string[];
}

/**
 * With SCMP_ACT_NOTIFY the helper still has to hand the listener fd to the agent after the
 * filter is loaded; notifying on the calls it does that with would block it forever
 * (runc refuses `write` for the same reason).
 */
const NOTIFY_FORBIDDEN = new Set(["write", "sendmsg"]);

/** BPF_MAXINSNS: the kernel refuses longer classic-BPF programs. */
const MAX_INSTRUCTIONS = 4096;

/**
 * runc's rule for the ENOSYS prologue: not when unknown calls are let through anyway (ALLOW,
 * LOG, and TRACE, whose tracer should handle new calls itself), nor when the default already is ENOSYS.
 */
function wantsEnosysPrologue(profile: SeccompProfile): boolean {
  if (["SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_TRACE"].includes(profile.defaultAction)) return false;
  return !(profile.defaultAction === "SCMP_ACT_ERRNO" && profile.defaultErrnoRet === 38);
}

/** runc enables libseccomp's binary-tree layout past this many rules (2.5.4 misbehaves with it on tiny filters). */
const BINARY_TREE_THRESHOLD = 32;

function invalid(pointer: string, message: string): RuntimeError {
  return new RuntimeError("CONFIG_INVALID", `config.json ${pointer}: ${message}`, { pointer });
}

function actionValue(name: unknown, errnoRet: number | undefined, pointer: string, errnoPointer: string): number {
  const spec = typeof name === "string" ? ACTIONS[name] : undefined;
  if (!spec) throw invalid(pointer, `unknown action ${JSON.stringify(name)} (expected one of ${Object.keys(ACTIONS).join(", ")})`);
  if (errnoRet === undefined) return spec.takesErrno ? spec.value | DEFAULT_ERRNO_RET : spec.value;
  // config-linux.md: "When the action doesn't support an errno, the runtime MUST print and error and fail."
  if (!spec.takesErrno) throw invalid(errnoPointer, `${name} does not take an errno return code`);
  if (!Number.isInteger(errnoRet) || errnoRet < 0 || errnoRet > MAX_ERRNO_RET) {
    throw invalid(errnoPointer, `errno return code must be an integer from 0 to ${MAX_ERRNO_RET}, got ${errnoRet}`);
  }
  return (spec.value | errnoRet) >>> 0;
}

const UINT64_MAX = (1n << 64n) - 1n;

function datum(value: unknown, pointer: string): bigint {
  const big = typeof value === "bigint" ? value : typeof value === "number" && Number.isInteger(value) ? BigInt(value) : undefined;
  if (big === undefined || big < 0n || big > UINT64_MAX) {
    throw invalid(pointer, `must be an unsigned 64-bit integer, got ${JSON.stringify(typeof value === "bigint" ? value.toString() : value)}`);
  }
  return big;
}

function condition(arg: SeccompArg, pointer: string): ArgCompare {
  if (!Number.isInteger(arg.index) || arg.index < 0 || arg.index >= MAX_SYSCALL_ARGS) {
    throw invalid(`${pointer}/index`, `argument index must be 0 to ${MAX_SYSCALL_ARGS - 1}, got ${JSON.stringify(arg.index)}`);
  }
  const op = OPERATORS[arg.op];
  if (op === undefined) throw invalid(`${pointer}/op`, `unknown operator ${JSON.stringify(arg.op)}`);
  const datumA = datum(arg.value, `${pointer}/value`);
  const datumB = arg.valueTwo === undefined ? 0n : datum(arg.valueTwo, `${pointer}/valueTwo`);
  return { arg: arg.index, op, datumA, datumB };
}

/** One libseccomp rule per entry of the result; several only when an argument index repeats. */
function ruleConditions(rule: SeccompRule, pointer: string): ArgCompare[][] {
  const conditions = (rule.args ?? []).map((arg, j) => condition(arg, `${pointer}/args/${j}`));
  const indexes = new Set(conditions.map((c) => c.arg));
  return indexes.size === conditions.length ? [conditions] : conditions.map((c) => [c]);
}

function filterFlags(profile: SeccompProfile, pointer: string, usesNotify: boolean): number {
  let flags = 0;
  (profile.flags ?? []).forEach((name, i) => {
    const bit = PROFILE_FLAGS[name];
    if (bit === undefined) throw invalid(`${pointer}/flags/${i}`, `unknown seccomp flag ${JSON.stringify(name)} (expected one of ${Object.keys(PROFILE_FLAGS).join(", ")})`);
    // The kernel rejects WAIT_KILLABLE_RECV without a listener (EINVAL at load): say why here instead.
    if (bit === FILTER_FLAG.WAIT_KILLABLE_RECV && !usesNotify) throw invalid(`${pointer}/flags/${i}`, `${name} needs a SCMP_ACT_NOTIFY rule`);
    flags |= bit;
  });
  if (usesNotify) {
    flags |= FILTER_FLAG.NEW_LISTENER;
    // seccomp(2): TSYNC with NEW_LISTENER is EINVAL unless TSYNC_ESRCH says how to report failure.
    if (flags & FILTER_FLAG.TSYNC) flags |= FILTER_FLAG.TSYNC_ESRCH;
  }
  // Say now, with the flag's pointer, what the helper's seccomp(2) would only answer with EINVAL.
  if (flags !== 0 && !kernelAcceptsFilterFlags(flags)) {
    const index = (profile.flags ?? []).findIndex((name) => !kernelAcceptsFilterFlags(PROFILE_FLAGS[name]! | (flags & FILTER_FLAG.NEW_LISTENER)));
    const at = index < 0 ? `${pointer}/flags` : `${pointer}/flags/${index}`;
    throw invalid(at, `${index < 0 ? "this combination of seccomp flags" : profile.flags![index]} is not supported by the running kernel`);
  }
  return flags;
}

function checkNotify(profile: SeccompProfile, pointer: string, defaultAction: string): boolean {
  if (defaultAction === "SCMP_ACT_NOTIFY") throw invalid(`${pointer}/defaultAction`, "SCMP_ACT_NOTIFY cannot be the default action: the runtime could not hand the listener over");
  let usesNotify = false;
  (profile.syscalls ?? []).forEach((rule, i) => {
    if (rule.action !== "SCMP_ACT_NOTIFY") return;
    usesNotify = true;
    rule.names?.forEach((name, k) => {
      if (NOTIFY_FORBIDDEN.has(name)) throw invalid(`${pointer}/syscalls/${i}/names/${k}`, `SCMP_ACT_NOTIFY cannot be used for ${name}: the runtime needs it to send the listener fd`);
    });
  });
  if (usesNotify && !profile.listenerPath) throw invalid(`${pointer}/listenerPath`, "required when a rule uses SCMP_ACT_NOTIFY");
  return usesNotify;
}

/** Adds the profile's architectures; returns the tokens of all the filter holds, the native one first. */
function addArchitectures(filter: SeccompFilter, profile: SeccompProfile, pointer: string): number[] {
  const tokens = [nativeArch()];
  (profile.architectures ?? []).forEach((name, i) => {
    const libName = ARCHITECTURES[name];
    if (libName === undefined) throw invalid(`${pointer}/architectures/${i}`, `unknown architecture ${JSON.stringify(name)}`);
    const token = resolveArch(libName);
    if (token === undefined) throw invalid(`${pointer}/architectures/${i}`, `${name} is not supported by libseccomp ${libseccompVersion()}`);
    const rc = filter.addArch(token);
    // One BPF program reads seccomp_data in one byte order, so libseccomp refuses to mix them.
    const why = libseccompErrno(rc) === "EDOM" ? " (its byte order differs from the host's; one filter cannot hold both)" : "";
    if (rc !== 0) throw invalid(`${pointer}/architectures/${i}`, `libseccomp cannot add ${name}: ${libseccompErrno(rc)}${why}`);
    tokens.push(token);
  });
  return tokens;
}

/** Compiles a profile. Loads libseccomp on first call (the caller imports this module lazily too). */
export function compileSeccomp(profile: SeccompProfile, pointer = "/linux/seccomp"): CompiledSeccomp {
  const defaultAction = actionValue(profile.defaultAction, profile.defaultErrnoRet, `${pointer}/defaultAction`, `${pointer}/defaultErrnoRet`);
  const usesNotify = checkNotify(profile, pointer, profile.defaultAction);
  const flags = filterFlags(profile, pointer, usesNotify);
  const rules = (profile.syscalls ?? []).map((rule, i) => {
    const at = `${pointer}/syscalls/${i}`;
    if (!Array.isArray(rule.names) || rule.names.length === 0) throw invalid(`${at}/names`, "must list at least one syscall name");
    rule.names.forEach((name, k) => {
      if (typeof name !== "string" || name === "") throw invalid(`${at}/names/${k}`, "syscall name must be a non-empty string");
    });
    const action = actionValue(rule.action, rule.errnoRet, `${at}/action`, `${at}/errnoRet`);
    return { at, names: rule.names, action, conditions: ruleConditions(rule, at) };
  });

  let filter: SeccompFilter;
  try {
    filter = new SeccompFilter(defaultAction);
  } catch (err) {
    if (err instanceof RuntimeError) throw err;
    throw invalid(`${pointer}/defaultAction`, `${profile.defaultAction}: ${(err as Error).message}`);
  }
  try {
    const archTokens = addArchitectures(filter, profile, pointer);
    const ruleCount = rules.reduce((n, r) => n + r.names.length, 0);
    if (ruleCount > BINARY_TREE_THRESHOLD) filter.setAttr(FilterAttr.CTL_OPTIMIZE, 2);

    const skippedSyscalls: string[] = [];
    for (const rule of rules) {
      // Identical to the default: libseccomp would refuse it (EACCES) and it changes nothing.
      if (rule.action === defaultAction) continue;
      rule.names.forEach((name, k) => {
        const nr = resolveSyscall(name);
        if (nr === undefined) {
          skippedSyscalls.push(name);
          return;
        }
        for (const conditions of rule.conditions) {
          const rc = filter.addRule(rule.action, nr, conditions);
          if (rc !== 0) throw invalid(`${rule.at}/names/${k}`, `libseccomp rejected the rule for ${name}: ${libseccompErrno(rc)}`);
        }
      });
    }
    let program = filter.exportBpf();
    if (wantsEnosysPrologue(profile)) {
      const names = rules.flatMap((r) => r.names);
      const prologue = enosysPrologue(syscallLimits(archTokens, names, resolveSyscallForArch));
      program = Buffer.concat([prologue, program]);
    }
    if (program.length / 8 > MAX_INSTRUCTIONS) {
      throw invalid(pointer, `compiles to ${program.length / 8} BPF instructions; the kernel takes at most ${MAX_INSTRUCTIONS}`);
    }
    return { program, flags, ...(usesNotify ? { listenerPath: profile.listenerPath } : {}), skippedSyscalls };
  } finally {
    filter.release();
  }
}
