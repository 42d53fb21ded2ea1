import { describe, expect, test } from "bun:test";
import { hugetlbWrites } from "../../../../../../runtime/lib/cgroups/resources/hugetlb.ts";
import { networkWrites } from "../../../../../../runtime/lib/cgroups/resources/network.ts";
import { pidsWrites } from "../../../../../../runtime/lib/cgroups/resources/pids.ts";
import { rdmaWrites } from "../../../../../../runtime/lib/cgroups/resources/rdma.ts";
import { HYBRID, hostContext, pairs, V1, V2 } from "../host-context.ts";

describe("pids", () => {
  test("positive limit, <= 0 is max, absent is nothing", () => {
    const ctx = hostContext({ versions: HYBRID });
    expect(pairs(pidsWrites({ limit: 10 }, ctx))).toEqual([["pids.max", "10"]]);
    expect(pairs(pidsWrites({ limit: 0 }, ctx))).toEqual([["pids.max", "max"]]);
    expect(pairs(pidsWrites({ limit: -1 }, hostContext({ versions: V2 })))).toEqual([["pids.max", "max"]]);
    expect(pidsWrites({}, ctx)).toEqual([]);
  });
});

describe("hugetlb", () => {
  const limits = [{ pageSize: "2MB", limit: 8388608 }];
  test("v1 limit_in_bytes, plus rsvd when present", () => {
    const ctx = hostContext({ versions: V1, files: ["hugetlb.2MB.limit_in_bytes", "hugetlb.2MB.rsvd.limit_in_bytes"] });
    expect(pairs(hugetlbWrites(limits, ctx))).toEqual([
      ["hugetlb.2MB.limit_in_bytes", "8388608"],
      ["hugetlb.2MB.rsvd.limit_in_bytes", "8388608"],
    ]);
  });
  test("v2 .max (this hybrid host keeps hugetlb on v2)", () => {
    const ctx = hostContext({ versions: HYBRID, files: ["hugetlb.2MB.max"] });
    const writes = hugetlbWrites(limits, ctx);
    expect(pairs(writes)).toEqual([["hugetlb.2MB.max", "8388608"]]);
    expect(writes[0]!.pointer).toBe("/linux/resources/hugepageLimits/0/limit");
  });
  test("a page size the host lacks is an error", () => {
    const ctx = hostContext({ versions: HYBRID, files: ["hugetlb.2MB.max"] });
    expect(() => hugetlbWrites([{ pageSize: "64KB", limit: 1 }], ctx)).toThrow(/hugepage size 64KB is not supported.*hugepageLimits\/0\/pageSize/);
  });
});

describe("network", () => {
  test("classID and priorities on a v1 host with net_cls/net_prio", () => {
    const ctx = hostContext({ versions: V1 });
    expect(pairs(networkWrites({ classID: 1048577, priorities: [{ name: "eth0", priority: 500 }, { name: "lo", priority: 1 }] }, ctx))).toEqual([
      ["net_cls.classid", "1048577"],
      ["net_prio.ifpriomap", "eth0 500"],
      ["net_prio.ifpriomap", "lo 1"],
    ]);
  });
  test("asked for on a host without the controllers: an error, not silence", () => {
    const ctx = hostContext({ versions: HYBRID });
    expect(() => networkWrites({ classID: 1 }, ctx)).toThrow(/net_cls cgroup controller is not available.*network\/classID/);
    expect(() => networkWrites({ priorities: [{ name: "lo", priority: 1 }] }, ctx)).toThrow(/net_prio .*priorities\/0/);
    expect(networkWrites({}, ctx)).toEqual([]);
  });
});

describe("rdma", () => {
  test("rdma.max lines per device", () => {
    const ctx = hostContext({ versions: V2 });
    expect(pairs(rdmaWrites({ mlx5_1: { hcaHandles: 3, hcaObjects: 10000 }, mlx4_0: { hcaObjects: 1 } }, ctx))).toEqual([
      ["rdma.max", "mlx5_1 hca_handle=3 hca_object=10000"],
      ["rdma.max", "mlx4_0 hca_object=1"],
    ]);
    expect(() => rdmaWrites({ mlx5_1: { hcaHandles: 1 } }, hostContext({ versions: HYBRID }))).toThrow(/rdma cgroup controller/);
  });
});
