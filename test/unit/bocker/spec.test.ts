import { describe, expect, test } from "bun:test";
import type { Spec } from "../../../schemas/generated/types/runtime-config.ts";
import { customizeSpec } from "../../../bocker/spec.ts";

const base = (): Spec => ({
  ociVersion: "1.2.0",
  root: { path: "rootfs" },
  mounts: [{ destination: "/proc", type: "proc", source: "proc" }],
  linux: {
    namespaces: [{ type: "pid" }, { type: "network", path: "/run/netns/netns_ps_42045" }],
    resources: { devices: [{ allow: false, access: "rwm" }], cpu: { quota: 50000, period: 100000 } },
  },
});

const choices = { id: "ps_42045", cgroupParent: "", cpuShares: 512, memoryBytes: 512_000_000, etcFiles: { hosts: "/var/bocker/containers/ps_42045/etc/hosts" } };

describe("what bocker run adds to the bundle's config.json", () => {
  test("the original's cgroup, limits (MB * 1000000) and a private cgroup namespace", () => {
    const spec = customizeSpec(base(), choices);
    expect(spec.linux!.cgroupsPath).toBe("/ps_42045");
    expect(spec.linux!.resources).toEqual({
      devices: [{ allow: false, access: "rwm" }],
      cpu: { quota: 50000, period: 100000, shares: 512 },
      memory: { limit: 512000000 },
    });
    expect(spec.linux!.namespaces).toEqual([{ type: "pid" }, { type: "network", path: "/run/netns/netns_ps_42045" }, { type: "cgroup" }]);
  });

  test("BOCKER_CGROUP_PARENT nests the cgroup; 1024 MB is 1024000000 bytes", () => {
    const spec = customizeSpec(base(), { ...choices, cgroupParent: "bocker/tests", memoryBytes: 1024_000_000, cpuShares: 1024 });
    expect(spec.linux!.cgroupsPath).toBe("/bocker/tests/ps_42045");
    expect(spec.linux!.resources!.memory!.limit).toBe(1024000000);
    expect(spec.linux!.resources!.cpu!.shares).toBe(1024);
  });

  test("ping works: CAP_NET_RAW (busybox ping opens raw sockets) and podman's ping_group_range", () => {
    const spec = base();
    spec.process = { cwd: "/", capabilities: { bounding: ["CAP_KILL"], effective: ["CAP_KILL"], permitted: ["CAP_KILL", "CAP_NET_RAW"] } };
    customizeSpec(spec, choices);
    expect(spec.process.capabilities).toEqual({ bounding: ["CAP_KILL", "CAP_NET_RAW"], effective: ["CAP_KILL", "CAP_NET_RAW"], permitted: ["CAP_KILL", "CAP_NET_RAW"] });
    expect(spec.linux!.sysctl).toEqual({ "net.ipv4.ping_group_range": "0 2147483647" });
  });

  test("--pids-limit and --read-only", () => {
    const spec = customizeSpec(base(), { ...choices, pidsLimit: 20, readOnly: true });
    expect(spec.linux!.resources!.pids).toEqual({ limit: 20 });
    expect(spec.root).toEqual({ path: "rootfs", readonly: true });
    expect(customizeSpec(base(), choices).root).toEqual({ path: "rootfs" });
  });

  test("the /etc files are bind-mounted over the image's, after its other mounts", () => {
    const spec = customizeSpec(base(), choices);
    expect(spec.mounts!.at(-1)).toEqual({ destination: "/etc/hosts", type: "bind", source: "/var/bocker/containers/ps_42045/etc/hosts", options: ["rbind", "rprivate"] });
  });
});
