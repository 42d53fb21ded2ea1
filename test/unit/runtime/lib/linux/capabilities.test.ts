/** Capability names ↔ numbers and masks (include/uapi/linux/capability.h). */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { RuntimeError } from "../../../../../runtime/lib/errors.ts";
import {
  CAPABILITY_NAMES,
  capabilityMask,
  capabilityNames,
  capabilityNumber,
  lastCapability,
  supportedCapabilities,
} from "../../../../../runtime/lib/linux/capabilities.ts";
import { DEFAULT_CAPABILITIES } from "../../../../../schemas/defaults/capabilities.ts";

describe("CAPABILITY_NAMES", () => {
  test("index is the kernel's capability number", () => {
    expect(CAPABILITY_NAMES.length).toBe(41);
    const known: Array<[string, number]> = [
      ["CAP_CHOWN", 0], ["CAP_KILL", 5], ["CAP_SETPCAP", 8], ["CAP_NET_BIND_SERVICE", 10], ["CAP_NET_RAW", 13],
      ["CAP_SYS_CHROOT", 18], ["CAP_SYS_ADMIN", 21], ["CAP_MKNOD", 27], ["CAP_AUDIT_WRITE", 29], ["CAP_SETFCAP", 31],
      ["CAP_SYSLOG", 34], ["CAP_AUDIT_READ", 37], ["CAP_PERFMON", 38], ["CAP_BPF", 39], ["CAP_CHECKPOINT_RESTORE", 40],
    ];
    for (const [name, nr] of known) {
      expect(CAPABILITY_NAMES[nr]).toBe(name as (typeof CAPABILITY_NAMES)[number]);
      expect(capabilityNumber(name)).toBe(nr);
    }
    expect(new Set(CAPABILITY_NAMES).size).toBe(CAPABILITY_NAMES.length);
  });

  test("the spec default set is runc's three", () => {
    expect([...DEFAULT_CAPABILITIES]).toEqual(["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]);
    for (const name of DEFAULT_CAPABILITIES) expect(CAPABILITY_NAMES).toContain(name);
  });
});

describe("capabilityMask", () => {
  test("sets one bit per name, duplicates are harmless", () => {
    expect(capabilityMask([], "/process/capabilities/bounding")).toBe(0n);
    expect(capabilityMask(["CAP_CHOWN"], "/p")).toBe(1n);
    expect(capabilityMask(["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_KILL"], "/p")).toBe((1n << 5n) | (1n << 10n));
    expect(capabilityMask(["CAP_CHECKPOINT_RESTORE"], "/p")).toBe(1n << 40n);
    expect(capabilityMask([...CAPABILITY_NAMES], "/p")).toBe((1n << 41n) - 1n);
  });

  test("an unknown name is an error naming the pointer of the element", () => {
    let error: unknown;
    try {
      capabilityMask(["CAP_KILL", "CAP_FOO"], "/process/capabilities/effective");
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(RuntimeError);
    expect((error as RuntimeError).code).toBe("CONFIG_INVALID");
    expect((error as RuntimeError).context.pointer).toBe("/process/capabilities/effective/1");
    expect((error as RuntimeError).message).toBe('config.json /process/capabilities/effective/1: unknown capability "CAP_FOO"');
  });

  test("names without the CAP_ prefix or in lower case are refused, with a hint", () => {
    expect(() => capabilityMask(["CHOWN"], "/process/capabilities/bounding")).toThrow(
      'config.json /process/capabilities/bounding/0: unknown capability "CHOWN" (did you mean "CAP_CHOWN"?)',
    );
    expect(() => capabilityMask(["cap_sys_admin"], "/p")).toThrow('unknown capability "cap_sys_admin" (did you mean "CAP_SYS_ADMIN"?)');
    expect(() => capabilityMask([""], "/p")).toThrow('config.json /p/0: unknown capability ""');
  });
});

describe("capabilityNames", () => {
  test("is the inverse of capabilityMask, lowest number first", () => {
    expect(capabilityNames(0n)).toEqual([]);
    expect(capabilityNames(capabilityMask(["CAP_SYS_ADMIN", "CAP_CHOWN", "CAP_BPF"], "/p"))).toEqual(["CAP_CHOWN", "CAP_SYS_ADMIN", "CAP_BPF"]);
    expect(capabilityNames((1n << 41n) - 1n)).toEqual([...CAPABILITY_NAMES]);
  });

  test("numbers newer than this table read like libcap's", () => {
    expect(capabilityNames((1n << 41n) | 1n)).toEqual(["CAP_CHOWN", "cap_41"]);
  });
});

describe("lastCapability", () => {
  test("reads the running kernel's cap_last_cap", () => {
    const expected = Number.parseInt(readFileSync("/proc/sys/kernel/cap_last_cap", "utf8"), 10);
    expect(lastCapability()).toBe(expected);
    expect(lastCapability()).toBe(expected); // cached
  });

  test("supportedCapabilities drops only what this kernel lacks", () => {
    const all = (1n << 64n) - 1n;
    const { mask, unsupported } = supportedCapabilities(all);
    expect(mask).toBe((1n << BigInt(lastCapability() + 1)) - 1n);
    expect(unsupported.length).toBe(63 - lastCapability());
    expect(supportedCapabilities(1n)).toEqual({ mask: 1n, unsupported: [] });
  });
});
