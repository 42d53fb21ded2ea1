import { describe, expect, test } from "bun:test";
import { netDevicePairs, netDeviceSteps } from "../../../../../runtime/lib/linux/net-devices.ts";
import { PlanBuilder } from "../../../../../runtime/lib/plan/builder.ts";
import type { Linux } from "../../../../../runtime/lib/spec-types.ts";

const withNet = (netDevices: Linux["netDevices"]): Linux => ({ namespaces: [{ type: "network" }], netDevices });

describe("linux.netDevices", () => {
  test("host name → name in the container (the host name when unset), as one PARENT/CHILD pair", () => {
    const b = new PlanBuilder();
    netDeviceSteps(b, withNet({ eth1: { name: "ctr0" }, eth2: {} }));
    expect(b.plan.parent).toEqual([{ op: "MOVE_NET_DEVICES", args: [["eth1", "eth2"], ["ctr0", "eth2"]], origin: 0 }]);
    expect(b.plan.child).toEqual([{ op: "AWAIT_NET_DEVICES", args: [], origin: 0 }]);
    const none = new PlanBuilder();
    netDeviceSteps(none, { namespaces: [{ type: "network" }] });
    expect(none.plan.parent).toEqual([]);
  });

  test("kernel name rules, clashes and the runtime's own namespace are config errors naming the pointer", () => {
    expect(() => netDevicePairs(withNet({ eth1: { name: "a:b" } }))).toThrow("config.json /linux/netDevices/eth1/name");
    expect(() => netDevicePairs(withNet({ ["x".repeat(16)]: {} }))).toThrow("is not a valid interface name");
    expect(() => netDevicePairs(withNet({ eth1: { name: "c" }, eth2: { name: "c" } }))).toThrow("/linux/netDevices/eth2/name: c is also the name of eth1");
    expect(() => netDevicePairs({ netDevices: { eth1: {} } })).toThrow("needs a network namespace");
    expect(netDevicePairs({ namespaces: [{ type: "network", path: "/run/netns/x" }], netDevices: { eth1: {} } })).toEqual([["eth1", "eth1"]]);
  });
});
