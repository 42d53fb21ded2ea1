/**
 * Capability names ↔ numbers (include/uapi/linux/capability.h) and the 64-bit masks the CAPS,
 * CAP_BOUNDING and AMBIENT plan steps take. Names are spelled as the runtime-spec requires
 * (config.md#linux-process: "CAP_" prefix, upper case); anything else is an error naming its
 * JSON pointer, like crun, rather than runc's warning.
 */
import { readFileSync } from "node:fs";
import { RuntimeError } from "../errors.ts";

/** Index = capability number. */
export const CAPABILITY_NAMES = [
  "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", // 0-5
  "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", // 6-10
  "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", // 11-15
  "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", // 16-20
  "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", // 21-25
  "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", // 26-30
  "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", // 31-35
  "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE", // 36-40
] as const;

export type CapabilityName = (typeof CAPABILITY_NAMES)[number];

const NUMBERS: ReadonlyMap<string, number> = new Map(CAPABILITY_NAMES.map((name, i) => [name, i]));

export function capabilityNumber(name: string): number | undefined {
  return NUMBERS.get(name);
}

/**
 * The mask of `names`, e.g. capabilityMask(process.capabilities.bounding, "/process/capabilities/bounding").
 * An unknown name fails with the pointer of the offending element.
 */
export function capabilityMask(names: readonly string[], pointer: string): bigint {
  let mask = 0n;
  names.forEach((name, i) => {
    const nr = NUMBERS.get(name);
    if (nr === undefined) {
      const candidate = typeof name === "string" ? `CAP_${name.toUpperCase().replace(/^CAP_/, "")}` : "";
      const hint = NUMBERS.has(candidate) ? ` (did you mean "${candidate}"?)` : "";
      throw new RuntimeError("CONFIG_INVALID", `config.json ${pointer}/${i}: unknown capability ${JSON.stringify(name)}${hint}`, {
        pointer: `${pointer}/${i}`,
      });
    }
    mask |= 1n << BigInt(nr);
  });
  return mask;
}

/** Names of the bits set in mask, lowest first; numbers this table lacks read like libcap's `cap_41`. */
export function capabilityNames(mask: bigint): string[] {
  const names: string[] = [];
  for (let nr = 0; mask >> BigInt(nr) !== 0n; nr++) {
    if ((mask >> BigInt(nr)) & 1n) names.push(CAPABILITY_NAMES[nr] ?? `cap_${nr}`);
  }
  return names;
}

const CAP_LAST_CAP = "/proc/sys/kernel/cap_last_cap";
let lastCap: number | undefined;

/** The highest capability number the running kernel knows (cached): bits above it cannot be set. */
export function lastCapability(): number {
  if (lastCap !== undefined) return lastCap;
  let text: string;
  try {
    text = readFileSync(CAP_LAST_CAP, "utf8");
  } catch (err) {
    throw new RuntimeError("IO", `read ${CAP_LAST_CAP}: ${(err as Error).message}`, { path: CAP_LAST_CAP }, err);
  }
  const value = Number.parseInt(text.trim(), 10);
  if (!Number.isInteger(value) || value < 0 || value > 63) {
    throw new RuntimeError("IO", `read ${CAP_LAST_CAP}: expected a capability number, got ${JSON.stringify(text.trim())}`, { path: CAP_LAST_CAP });
  }
  lastCap = value;
  return value;
}

/**
 * Splits a mask into what this kernel supports and the names it does not (a CAP_BPF on a 5.4
 * kernel): runc drops those with a warning, so a config written for newer kernels still runs.
 */
export function supportedCapabilities(mask: bigint): { mask: bigint; unsupported: string[] } {
  const supported = (1n << BigInt(lastCapability() + 1)) - 1n;
  return { mask: mask & supported, unsupported: capabilityNames(mask & ~supported) };
}

/**
 * The runtime's own bounding set (CapBnd in /proc/self/status, proc(5)): the container process
 * descends from the runtime, so a capability outside it can never be granted (capset(2) EPERM).
 */
export function ownBoundingSet(status = readFileSync("/proc/self/status", "utf8")): bigint {
  const hex = /^CapBnd:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  if (hex === undefined) throw new RuntimeError("IO", "read /proc/self/status: no CapBnd line", { path: "/proc/self/status" });
  return BigInt(`0x${hex}`);
}
