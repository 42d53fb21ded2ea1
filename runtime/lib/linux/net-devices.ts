/**
 * linux.netDevices (runtime-spec 1.3 config-linux.md "Network Devices"; runc 1.2 netnsAttach):
 * host interfaces moved into the container's network namespace, renamed to `name` when given, by
 * stage0 (the runtime's namespace holds them; the move needs CAP_NET_ADMIN over both sides) as
 * soon as stage1 has that namespace. `delete` moves them back under their host names while the
 * namespace still exists (netDevicesReturn).
 */
import { RuntimeError } from "../errors.ts";
import type { PlanBuilder } from "../plan/builder.ts";
import { pointerKey } from "../plan/builder.ts";
import type { Linux } from "../spec-types.ts";

const IFNAMSIZ = 16;

/** dev_valid_name (net/core/dev.c): what the kernel accepts as an interface name. */
function validName(name: string): boolean {
  return name.length > 0 && Buffer.byteLength(name) < IFNAMSIZ && name !== "." && name !== ".." && !/[/:\s]/.test(name);
}

/** [host name, name in the container] pairs, checked; empty without netDevices. */
export function netDevicePairs(linux: Linux): Array<[string, string]> {
  const devices = linux.netDevices ?? {};
  const pairs: Array<[string, string]> = [];
  const seen = new Map<string, string>();
  for (const [host, dev] of Object.entries(devices)) {
    const p = `/linux/netDevices/${pointerKey(host)}`;
    const inside = dev.name || host;
    if (!validName(host)) throw invalid(p, `${JSON.stringify(host)} is not a valid interface name`);
    if (!validName(inside)) throw invalid(`${p}/name`, `${JSON.stringify(inside)} is not a valid interface name (1-15 bytes, no '/', ':' or space)`);
    const other = seen.get(inside);
    if (other !== undefined) throw invalid(`${p}/name`, `${inside} is also the name of ${other} in the container`);
    seen.set(inside, host);
    pairs.push([host, inside]);
  }
  if (pairs.length > 0 && !(linux.namespaces ?? []).some((n) => n.type === "network")) {
    throw invalid("/linux/netDevices", "moving network devices needs a network namespace (new or joined), not the runtime's own");
  }
  return pairs;
}

/** stage0 moves the devices once stage1 is in the container's network namespace (before FORK_INIT). */
export function netDeviceSteps(b: PlanBuilder, linux: Linux): void {
  const pairs = netDevicePairs(linux);
  if (pairs.length === 0) return;
  const origin = b.origin(`move network devices into the container: ${pairs.map(([h, c]) => (h === c ? h : `${h} as ${c}`)).join(", ")}`, "/linux/netDevices");
  b.add("parent", "MOVE_NET_DEVICES", [pairs.map((p) => p[0]), pairs.map((p) => p[1])], origin);
  b.add("child", "AWAIT_NET_DEVICES", [], origin);
}

function invalid(pointer: string, message: string): RuntimeError {
  return new RuntimeError("CONFIG_INVALID", `config.json ${pointer}: ${message}`, { pointer });
}
