/**
 * What a systemd-driven container's unit is told over D-Bus: its name and cgroup path (from the
 * "slice:prefix:name" cgroupsPath), the properties of StartTransientUnit, and linux.resources as
 * systemd resource-control properties (systemd.resource-control(5)). Pure: the bus is in bus.ts.
 * This follows runc's libcontainer/cgroups/systemd (common.go, v2.go, devices/systemd.go): systemd
 * gets what it can express, so a daemon-reload or a later property change keeps the limits; the
 * full set is then also written to the cgroup files (fs code), which covers everything else.
 */
import { posix } from "node:path";
import { invalid, RESOURCES } from "../resources/common.ts";
import { sharesToWeight } from "../resources/cpu.ts";
import { swapToV2 } from "../resources/memory.ts";
import { deviceRules } from "../resources/devices.ts";
import { emulateDeviceRules } from "../devices-emulator.ts";
import type { LinuxResources } from "../../spec-types.ts";

/** One D-Bus property: name, D-Bus signature of the value, value (uint64 "t" as bigint). */
export interface UnitProperty {
  name: string;
  signature: string;
  value: unknown;
}

export interface SystemdUnit {
  /** "bocker-runtime-c1.scope", or "x.slice" when the name part is a slice. */
  unit: string;
  /** The slice the scope goes into (Slice=), or the slice a slice unit Wants=. */
  parent: string;
  /** The unit's cgroup, as systemd will make it: "/system.slice/bocker-runtime-c1.scope". */
  path: string;
}

const POINTER = "/linux/cgroupsPath";
/** Default placement, as runc's: system.slice, scope prefix = the runtime's name. */
const DEFAULT_SLICE = "system.slice";
const DEFAULT_PREFIX = "bocker-runtime";
/** systemd's USEC_INFINITY / "infinity" for the uint64 limits. */
export const INFINITY = 0xffffffffffffffffn;
/** runc defCPUQuotaPeriod (µs). */
const DEFAULT_CPU_PERIOD = 100000n;

/** systemd's unit_name_to_path for slices: "a-b-c.slice" → "/a.slice/a-b.slice/a-b-c.slice". */
export function expandSlice(slice: string): string {
  if (slice === "-.slice") return "/";
  const base = slice.endsWith(".slice") ? slice.slice(0, -".slice".length) : "";
  if (!base || slice.includes("/") || base.startsWith("-") || base.endsWith("-") || base.includes("--")) {
    throw invalid(POINTER, `invalid systemd slice name "${slice}"`);
  }
  const parts = base.split("-");
  return "/" + parts.map((_, i) => `${parts.slice(0, i + 1).join("-")}.slice`).join("/");
}

/** runc getUnitName + ExpandSlice: "slice:prefix:name" (or the default) → the unit and its path. */
export function systemdUnitOf(id: string, cgroupsPath: string | undefined): SystemdUnit {
  const spec = cgroupsPath ? cgroupsPath : `${DEFAULT_SLICE}:${DEFAULT_PREFIX}:${id}`;
  const parts = spec.split(":");
  if (parts.length !== 3) {
    throw invalid(POINTER, `expected cgroupsPath to be of format "slice:prefix:name" for systemd cgroups, got "${spec}"`);
  }
  const [slice, prefix, name] = parts as [string, string, string];
  // systemd unit names: [A-Za-z0-9:_.\-\\], at most 255 bytes (unit_name_is_valid).
  if (!name || !/^[A-Za-z0-9:_.\-\\@]+$/.test(name)) throw invalid(POINTER, `invalid systemd unit name "${name}" in cgroupsPath "${spec}"`);
  const parent = slice || DEFAULT_SLICE;
  const parentPath = expandSlice(parent);
  if (name.endsWith(".slice")) return { unit: name, parent, path: expandSlice(name) };
  const unit = prefix ? `${prefix}-${name}.scope` : `${name}.scope`;
  if (unit.length > 255) throw invalid(POINTER, `systemd unit name "${unit}" is longer than 255 bytes`);
  return { unit, parent, path: posix.join(parentPath, unit) };
}

const prop = (name: string, signature: string, value: unknown): UnitProperty => ({ name, signature, value });
const u64 = (n: number | bigint): bigint => (typeof n === "bigint" ? n : n < 0 ? INFINITY : BigInt(n));

/**
 * StartTransientUnit's properties for the unit itself (runc Apply): a scope goes into its slice,
 * takes the pid and is delegated (the container may manage its own sub-cgroups); a slice Wants=
 * its parent and takes no pid (the container joins it through cgroupfs).
 */
export function unitProperties(u: SystemdUnit, id: string, pid: number): UnitProperty[] {
  const props = [prop("Description", "s", `bocker-runtime container ${id}`)];
  if (u.unit.endsWith(".slice")) props.push(prop("Wants", "as", [u.parent]));
  else props.push(prop("Slice", "s", u.parent), prop("Delegate", "b", true), prop("PIDs", "au", [pid]));
  props.push(
    prop("MemoryAccounting", "b", true),
    prop("CPUAccounting", "b", true),
    prop("IOAccounting", "b", true),
    prop("TasksAccounting", "b", true),
    prop("DefaultDependencies", "b", false),
  );
  return props;
}

/**
 * runc RangeToBits: "0-3,8" → the bitmask systemd's AllowedCPUs/AllowedMemoryNodes take ("ay"),
 * least significant byte first (bit n of the list is bit n%8 of byte n/8).
 */
export function rangeToBits(list: string, pointer: string): Uint8Array {
  const bits = new Set<number>();
  for (const raw of list.split(",")) {
    const r = raw.trim();
    if (r === "") continue;
    const m = /^(\d+)(?:-(\d+))?$/.exec(r);
    if (!m) throw invalid(pointer, `invalid cpu/memory node list "${list}": "${r}" is not a number or a range`);
    const start = Number(m[1]);
    const end = m[2] === undefined ? start : Number(m[2]);
    if (start > end) throw invalid(pointer, `invalid cpu/memory node list "${list}": invalid range ${r}`);
    if (end > 65535) throw invalid(pointer, `invalid cpu/memory node list "${list}": ${end} is too large`);
    for (let i = start; i <= end; i++) bits.add(i);
  }
  if (bits.size === 0) throw invalid(pointer, `invalid cpu/memory node list "${list}": empty`);
  const out = new Uint8Array(Math.floor(Math.max(...bits) / 8) + 1);
  for (const b of bits) out[b >> 3]! |= 1 << (b & 7);
  return out;
}

/** runc addCpuQuota: CPUQuotaPeriodUSec (systemd ≥ 242), CPUQuotaPerSecUSec rounded up to 10 ms. */
function cpuQuotaProperties(quota: number, period: number | bigint, sdVersion: number): UnitProperty[] {
  const out: UnitProperty[] = [];
  if (period !== 0 && period !== 0n && sdVersion >= 242) out.push(prop("CPUQuotaPeriodUSec", "t", BigInt(period)));
  if (quota === 0 && (period === 0 || period === 0n)) return out;
  let perSec = INFINITY;
  if (quota > 0) {
    const p = period === 0 || period === 0n ? DEFAULT_CPU_PERIOD : BigInt(period);
    perSec = (BigInt(quota) * 1000000n) / p;
    // systemd keeps a whole percent of CPU: round up so the cgroup's cpu.max allows the quota asked for.
    if (perSec % 10000n !== 0n) perSec = (perSec / 10000n + 1n) * 10000n;
  }
  out.push(prop("CPUQuotaPerSecUSec", "t", perSec));
  return out;
}

/**
 * runc devices/systemd.go: DevicePolicy=strict and a DeviceAllow= list from the rules replayed
 * through the emulator. systemd has no deny list: an allow-all config becomes DevicePolicy=auto,
 * any other default-allow config a temporary deny-all (the eBPF program written afterwards holds
 * the real rules), and "*:n" rules are left to that program. Paths use systemd ≥ 240 syntax.
 */
export function deviceProperties(resources: LinuxResources, warn: (msg: string) => void): UnitProperty[] {
  const emulated = emulateDeviceRules(deviceRules(resources.devices));
  if (emulated.defaultAllow) {
    if (emulated.exceptions.length === 0) return [prop("DevicePolicy", "s", "auto"), prop("DeviceAllow", "a(ss)", [])];
    warn("systemd does not support deny-list device rules: the unit gets a deny-all DevicePolicy, the rules are enforced by the cgroup's own device program");
    return [prop("DevicePolicy", "s", "strict"), prop("DeviceAllow", "a(ss)", [])];
  }
  const allow: Array<[string, string]> = [];
  for (const e of emulated.exceptions) {
    const access = `${e.access & 2 ? "r" : ""}${e.access & 4 ? "w" : ""}${e.access & 1 ? "m" : ""}`;
    const group = e.type === "b" ? "block-" : "char-";
    if (e.major < 0 && e.minor >= 0) {
      warn(`systemd does not support "${e.type} *:${e.minor}" device rules: left to the cgroup's own device program`);
      continue;
    }
    const path = e.major < 0 ? `${group}*` : e.minor < 0 ? `${group}${e.major}` : `/dev/${e.type === "b" ? "block" : "char"}/${e.major}:${e.minor}`;
    allow.push([path, access]);
  }
  // The empty DeviceAllow= first clears what an existing unit (update) already lists.
  return [prop("DevicePolicy", "s", "strict"), prop("DeviceAllow", "a(ss)", []), prop("DeviceAllow", "a(ss)", allow)];
}

const UNIFIED_MEMORY: Record<string, string> = {
  "memory.high": "MemoryHigh",
  "memory.low": "MemoryLow",
  "memory.min": "MemoryMin",
  "memory.max": "MemoryMax",
  "memory.swap.max": "MemorySwapMax",
};

function parseU64(v: string, at: string, key: string): bigint {
  if (!/^\d+$/.test(v)) throw invalid(at, `unified resource "${key}" value "${v}" is not a number`);
  return BigInt(v);
}

/**
 * runc unifiedResToSystemdProps: the linux.resources.unified keys systemd has a property for;
 * the others (and these too) are written to the cgroup files afterwards.
 */
export function unifiedProperties(unified: Record<string, string> | undefined, sdVersion: number): UnitProperty[] {
  const out: UnitProperty[] = [];
  for (const [key, raw] of Object.entries(unified ?? {})) {
    const at = `${RESOURCES}/unified/${key.replace(/~/g, "~0").replace(/\//g, "~1")}`;
    if (key.includes("/")) throw invalid(at, `unified resource "${key}" must be a file name (no slashes)`);
    if (key.split(".").length < 2 || key.startsWith(".")) throw invalid(at, `unified resource "${key}" must be in the form CONTROLLER.PARAMETER`);
    const v = raw.trim();
    if (key === "cpu.max") {
      const f = v.split(/\s+/);
      if (f.length < 1 || f.length > 2 || f[0] === "") throw invalid(at, `unified resource "${key}" value invalid: "${v}"`);
      const quota = f[0] === "max" ? 0 : Number(parseU64(f[0]!, at, key));
      const period = f.length === 2 ? parseU64(f[1]!, at, key) : DEFAULT_CPU_PERIOD;
      out.push(...cpuQuotaProperties(quota, period, sdVersion));
    } else if (key === "cpu.weight") {
      out.push(prop("CPUWeight", "t", parseU64(v, at, key)));
    } else if (key === "cpuset.cpus" || key === "cpuset.mems") {
      const bits = rangeToBits(v, at);
      if (sdVersion >= 244) out.push(prop(key === "cpuset.cpus" ? "AllowedCPUs" : "AllowedMemoryNodes", "ay", bits));
    } else if (key in UNIFIED_MEMORY) {
      out.push(prop(UNIFIED_MEMORY[key]!, "t", v === "max" ? INFINITY : parseU64(v, at, key)));
    } else if (key === "pids.max") {
      out.push(prop("TasksMax", "t", v === "max" ? INFINITY : parseU64(v, at, key)));
    }
  }
  return out;
}

/**
 * runc genV2ResourcesProperties: linux.resources → systemd properties. `devices`: whether to send
 * device properties (create always, update only when resources.devices is given). Properties of
 * unset values are left out, so an update changes only what it names.
 */
export function resourceProperties(resources: LinuxResources, sdVersion: number, opts: { devices: boolean; warn: (msg: string) => void }): UnitProperty[] {
  const out: UnitProperty[] = [];
  if (opts.devices) out.push(...deviceProperties(resources, opts.warn));
  const mem = resources.memory ?? {};
  if (mem.limit) out.push(prop("MemoryMax", "t", u64(mem.limit)));
  if (mem.reservation) out.push(prop("MemoryLow", "t", u64(mem.reservation)));
  if (mem.swap !== undefined || mem.limit === -1) {
    const swap = swapToV2(mem.swap ?? 0, mem.limit ?? 0);
    // swap == limit means no swap at all (0), as the fs code writes it.
    if (swap !== 0 || (mem.swap ?? 0) > 0) out.push(prop("MemorySwapMax", "t", u64(swap)));
  }
  const cpu = resources.cpu ?? {};
  if (cpu.shares) out.push(prop("CPUWeight", "t", BigInt(sharesToWeight(cpu.shares))));
  out.push(...cpuQuotaProperties(cpu.quota ?? 0, cpu.period ?? 0, sdVersion));
  if (resources.pids?.limit !== undefined) out.push(prop("TasksMax", "t", resources.pids.limit > 0 ? BigInt(resources.pids.limit) : INFINITY));
  if (sdVersion >= 244) {
    if (cpu.cpus) out.push(prop("AllowedCPUs", "ay", rangeToBits(cpu.cpus, `${RESOURCES}/cpu/cpus`)));
    if (cpu.mems) out.push(prop("AllowedMemoryNodes", "ay", rangeToBits(cpu.mems, `${RESOURCES}/cpu/mems`)));
  }
  out.push(...unifiedProperties(resources.unified, sdVersion));
  return out;
}
