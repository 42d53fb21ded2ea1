/**
 * process.scheduler (config.md "Linux process" scheduler, spec 1.2) → sched_setattr(2) arguments.
 * The schema already limits the names; the compiler checks again so a plan never carries a policy
 * number it made up, and the error names the JSON pointer.
 */
import { RuntimeError } from "../errors.ts";
import type { Scheduler } from "../spec-types.ts";

export const SCHED_POLICIES: Record<string, number> = {
  SCHED_OTHER: 0,
  SCHED_FIFO: 1,
  SCHED_RR: 2,
  SCHED_BATCH: 3,
  SCHED_ISO: 4,
  SCHED_IDLE: 5,
  SCHED_DEADLINE: 6,
};

// include/uapi/linux/sched.h
export const SCHED_FLAGS: Record<string, number> = {
  SCHED_FLAG_RESET_ON_FORK: 0x01,
  SCHED_FLAG_RECLAIM: 0x02,
  SCHED_FLAG_DL_OVERRUN: 0x04,
  SCHED_FLAG_KEEP_POLICY: 0x08,
  SCHED_FLAG_KEEP_PARAMS: 0x10,
  SCHED_FLAG_UTIL_CLAMP_MIN: 0x20,
  SCHED_FLAG_UTIL_CLAMP_MAX: 0x40,
};

/** [policy, flags, nice, priority, runtime, deadline, period] for the SCHED step. */
export function schedulerArgs(s: Scheduler, pointer: string): [number, number, number, number, number, number, number] {
  const policy = SCHED_POLICIES[s.policy];
  if (policy === undefined) {
    throw new RuntimeError("CONFIG_INVALID", `config.json ${pointer}/policy: unknown scheduling policy ${JSON.stringify(s.policy)} (expected one of ${Object.keys(SCHED_POLICIES).join(", ")})`, { pointer: `${pointer}/policy` });
  }
  let flags = 0;
  for (const [i, name] of (s.flags ?? []).entries()) {
    const bit = SCHED_FLAGS[name];
    if (bit === undefined) {
      throw new RuntimeError("CONFIG_INVALID", `config.json ${pointer}/flags/${i}: unknown scheduler flag ${JSON.stringify(name)}`, { pointer: `${pointer}/flags/${i}` });
    }
    flags |= bit;
  }
  // runc validateScheduler: nice is only -20..19; deadline parameters only make sense for SCHED_DEADLINE.
  const nice = s.nice ?? 0;
  if (nice < -20 || nice > 19) throw new RuntimeError("CONFIG_INVALID", `config.json ${pointer}/nice: ${nice} is outside -20..19`, { pointer: `${pointer}/nice` });
  return [policy, flags, nice, s.priority ?? 0, s.runtime ?? 0, s.deadline ?? 0, s.period ?? 0];
}

export function describeScheduler(s: Scheduler): string {
  const parts: string[] = [s.policy];
  if (s.nice !== undefined) parts.push(`nice ${s.nice}`);
  if (s.priority !== undefined) parts.push(`priority ${s.priority}`);
  if (s.flags?.length) parts.push(`flags ${s.flags.join("|")}`);
  if (s.runtime || s.deadline || s.period) parts.push(`runtime ${s.runtime ?? 0} deadline ${s.deadline ?? 0} period ${s.period ?? 0}`);
  return parts.join(" ");
}
