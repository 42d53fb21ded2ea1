/**
 * The device rules of linux.resources, in order, reduced to what the cgroup v1 devices controller
 * would hold after receiving them: a default (allow or deny everything) and a set of exceptions to
 * it. This is runc's devices emulator (opencontainers/cgroups devices/devices_emulator.go), which
 * runc runs before building the v2 eBPF program so that v2 confines exactly as v1 would
 * (kernel security/device_cgroup.c devcgroup_update_access):
 *  - an "a" rule resets everything: allow → default allow, deny → default deny, no exceptions;
 *  - a rule that goes against the default adds an exception (access merged for the same device);
 *  - a rule that agrees with the default removes access from the exception for the same
 *    type/major/minor only. v1 silently ignores removals that would cut a hole into a wildcard
 *    exception ("c 1:3 r" against "c 1:* rwm"); runc refuses them, and so do we, so a
 *    configuration never looks stricter than it is.
 */
import type { EffectiveDeviceRule } from "./types.ts";
import { invalid } from "./resources/common.ts";

/** BPF_DEVCG_ACC_* of linux/bpf.h; the v1 controller uses the same three bits. */
const ACC_MKNOD = 1;
const ACC_READ = 2;
const ACC_WRITE = 4;
export const ACC_ALL = ACC_MKNOD | ACC_READ | ACC_WRITE;

export interface DeviceException {
  type: "b" | "c";
  /** -1 is the wildcard. */
  major: number;
  minor: number;
  /** ACC_* bits. */
  access: number;
}

export interface EmulatedDevices {
  /** v1's "blacklist" mode: everything is allowed except the exceptions. */
  defaultAllow: boolean;
  /** Sorted by (major, minor, type) with wildcards first, as runc orders them. */
  exceptions: DeviceException[];
}

function accessBits(access: string): number {
  let bits = 0;
  for (const c of access) bits |= c === "r" ? ACC_READ : c === "w" ? ACC_WRITE : c === "m" ? ACC_MKNOD : 0;
  return bits;
}

function accessText(bits: number): string {
  return `${bits & ACC_READ ? "r" : ""}${bits & ACC_WRITE ? "w" : ""}${bits & ACC_MKNOD ? "m" : ""}`;
}

const key = (type: string, major: number, minor: number) => `${type} ${major}:${minor}`;
const n = (v: number) => (v < 0 ? "*" : String(v));

/** Replays the rules in order from a deny-all cgroup (the state runc's program starts from). */
export function emulateDeviceRules(rules: EffectiveDeviceRule[]): EmulatedDevices {
  let defaultAllow = false;
  const exceptions = new Map<string, DeviceException>();
  for (const rule of rules) {
    if (rule.type === "a") {
      defaultAllow = rule.allow;
      exceptions.clear();
      continue;
    }
    if (rule.major > 0xffffffff || rule.minor > 0xffffffff) throw invalid(rule.pointer, `device number ${n(rule.major)}:${n(rule.minor)} does not fit in 32 bits`);
    const bits = accessBits(rule.access);
    const k = key(rule.type, rule.major, rule.minor);
    if (rule.allow !== defaultAllow) {
      const old = exceptions.get(k);
      exceptions.set(k, { type: rule.type, major: rule.major, minor: rule.minor, access: (old?.access ?? 0) | bits });
      continue;
    }
    for (const [major, minor] of [[-1, rule.minor], [rule.major, -1], [-1, -1]] as const) {
      if (major === rule.major && minor === rule.minor) continue;
      const wide = exceptions.get(key(rule.type, major, minor));
      if (wide && (wide.access & bits) !== 0) {
        throw invalid(
          rule.pointer,
          `device rule "${rule.type} ${n(rule.major)}:${n(rule.minor)} ${rule.access}" cannot take access away from part of the earlier wildcard rule "${rule.type} ${n(major)}:${n(minor)} ${accessText(wide.access)}" (the cgroup v1 devices controller would ignore it; runc refuses it)`,
        );
      }
    }
    const old = exceptions.get(k);
    if (!old) continue;
    const left = old.access & ~bits;
    if (left === 0) exceptions.delete(k);
    else exceptions.set(k, { ...old, access: left });
  }
  const sorted = [...exceptions.values()].sort((a, b) => a.major - b.major || a.minor - b.minor || a.type.localeCompare(b.type));
  return { defaultAllow, exceptions: sorted };
}

/**
 * A v1 cgroup's devices.list as emulator state: "a *:* rwm" alone means allow-everything (the
 * list cannot show that mode's denials); anything else lists the exceptions of a deny-everything
 * cgroup. undefined for text that is not a devices.list.
 */
export function parseDevicesList(text: string | undefined): EmulatedDevices | undefined {
  if (text === undefined) return undefined;
  const exceptions: DeviceException[] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    if (line === "a *:* rwm") return { defaultAllow: true, exceptions: [] };
    const m = /^([bc]) (\*|\d+):(\*|\d+) ([rwm]+)$/.exec(line);
    if (!m) return undefined;
    const num = (v: string) => (v === "*" ? -1 : Number(v));
    exceptions.push({ type: m[1] as "b" | "c", major: num(m[2]!), minor: num(m[3]!), access: accessBits(m[4]!) });
  }
  return { defaultAllow: false, exceptions };
}

export interface DeviceRuleWrite {
  allow: boolean;
  /** Kernel syntax: "c 1:3 rw". */
  text: string;
}

/**
 * The least disruptive writes from one deny-everything state to another (runc's Emulator
 * Transition): first deny what each old exception loses, then allow what each new one gains.
 * Unlike replaying the rules after "deny a", access the container keeps is never withdrawn, not
 * even for a moment. Both states must be deny-everything ones; a change of mode needs "a".
 */
export function transitionDevices(current: EmulatedDevices, target: EmulatedDevices): DeviceRuleWrite[] {
  if (current.defaultAllow || target.defaultAllow) throw new Error("transitionDevices: both states must deny by default");
  const find = (list: DeviceException[], e: DeviceException) => list.find((o) => o.type === e.type && o.major === e.major && o.minor === e.minor)?.access ?? 0;
  const text = (e: DeviceException, bits: number) => `${e.type} ${n(e.major)}:${n(e.minor)} ${accessText(bits)}`;
  const out: DeviceRuleWrite[] = [];
  for (const e of current.exceptions) {
    const dropped = e.access & ~find(target.exceptions, e);
    if (dropped) out.push({ allow: false, text: text(e, dropped) });
  }
  for (const e of target.exceptions) {
    const gained = e.access & ~find(current.exceptions, e);
    if (gained) out.push({ allow: true, text: text(e, gained) });
  }
  return out;
}
