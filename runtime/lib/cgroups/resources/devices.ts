/**
 * linux.resources.devices → the device access rules. The effective list is the config's rules
 * followed by runc's default allow list (specconv CreateCgroupConfig appends AllowedDevices), so a
 * container is confined even when the config lists no rules.
 *
 * v1: "a" is denied first, then every rule is written in order to devices.allow or devices.deny
 * (the kernel applies them as exceptions to the default, so order matters). An update of a
 * confined cgroup writes only the difference to what devices.list shows instead. v2 has no device files:
 * access is enforced by an eBPF program (devices-bpf.ts) that apply.ts attaches to the container's
 * cgroup, so v2 yields no writes here. Either way the rules are first replayed through runc's v1
 * emulator, which refuses what v1 would silently ignore (devices-emulator.ts).
 */
import type { DeviceRule } from "../../spec-types.ts";
import type { CgroupWrite, EffectiveDeviceRule, TranslateContext } from "../types.ts";
import { emulateDeviceRules, parseDevicesList, transitionDevices } from "../devices-emulator.ts";
import { invalid, num, RESOURCES, write } from "./common.ts";

const P = `${RESOURCES}/devices`;

const DEFAULTS: Array<Omit<EffectiveDeviceRule, "pointer">> = [
  { allow: true, type: "c", major: -1, minor: -1, access: "m" }, // mknod of any char device
  { allow: true, type: "b", major: -1, minor: -1, access: "m" }, // mknod of any block device
  { allow: true, type: "c", major: 1, minor: 3, access: "rwm" }, // /dev/null
  { allow: true, type: "c", major: 1, minor: 8, access: "rwm" }, // /dev/random
  { allow: true, type: "c", major: 1, minor: 7, access: "rwm" }, // /dev/full
  { allow: true, type: "c", major: 5, minor: 0, access: "rwm" }, // /dev/tty
  { allow: true, type: "c", major: 1, minor: 5, access: "rwm" }, // /dev/zero
  { allow: true, type: "c", major: 1, minor: 9, access: "rwm" }, // /dev/urandom
  { allow: true, type: "c", major: 136, minor: -1, access: "rwm" }, // /dev/pts/*
  { allow: true, type: "c", major: 5, minor: 2, access: "rwm" }, // /dev/ptmx
  { allow: true, type: "c", major: 10, minor: 200, access: "rwm" }, // /dev/net/tun (runc keeps it for compatibility)
];

/** The config's rules, validated as runc specconv does, followed by the default allow list. */
export function deviceRules(rules: DeviceRule[] | undefined): EffectiveDeviceRule[] {
  const out = (rules ?? []).map((r, i): EffectiveDeviceRule => {
    const at = `${P}/${i}`;
    const type = r.type ?? "a";
    if (type !== "a" && type !== "b" && type !== "c") throw invalid(`${at}/type`, `invalid cgroup device type "${type}" (expected a, b or c)`);
    if (!r.access) throw invalid(`${at}/access`, "device access cannot be empty");
    if (!/^[rwm]{1,3}$/.test(r.access) || new Set(r.access).size !== r.access.length) {
      throw invalid(`${at}/access`, `invalid device access "${r.access}" (a combination of r, w and m)`);
    }
    return { allow: r.allow, type, major: r.major ?? -1, minor: r.minor ?? -1, access: r.access, pointer: at };
  });
  return [...out, ...DEFAULTS.map((d) => ({ ...d, pointer: `${P} (runtime default)` }))];
}

/** Kernel syntax of a rule: "c 1:3 rwm", "a *:* rwm". */
export function deviceRuleText(r: EffectiveDeviceRule): string {
  const n = (v: number) => (v < 0 ? "*" : num(v));
  return `${r.type} ${n(r.major)}:${n(r.minor)} ${r.access}`;
}

export function devicesWrites(rules: DeviceRule[] | undefined, ctx: TranslateContext): CgroupWrite[] {
  const effective = deviceRules(rules);
  const target = emulateDeviceRules(effective); // also the validation: v1 would ignore what it refuses
  if (ctx.versionOf("devices") !== 1) return [];
  // A cgroup already confined (an update) moves to the new rules without "deny a": the container
  // never loses, even briefly, access it keeps (runc reads devices.list for the same reason).
  const current = ctx.update ? parseDevicesList(ctx.read("devices", "devices.list")) : undefined;
  if (current && !current.defaultAllow && !target.defaultAllow) {
    return transitionDevices(current, target).map((w) =>
      write("devices", w.allow ? "devices.allow" : "devices.deny", w.text, `device rule ${w.text} (change from devices.list)`, P),
    );
  }
  return [
    write("devices", "devices.deny", "a", "device access (deny all)", P),
    ...effective.map((r) =>
      write("devices", r.allow ? "devices.allow" : "devices.deny", deviceRuleText(r), `device rule ${deviceRuleText(r)}`, r.pointer),
    ),
  ];
}
