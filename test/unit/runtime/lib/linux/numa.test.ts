import { describe, expect, test } from "bun:test";
import { execAffinitySteps, memoryPolicySteps, parseIdList } from "../../../../../runtime/lib/linux/numa.ts";
import { PlanBuilder } from "../../../../../runtime/lib/plan/builder.ts";

describe("cpu and node lists", () => {
  test("ranges, spaces, duplicates; bad parts name the pointer", () => {
    expect(parseIdList("0-3, 7,2", 64, "/p")).toEqual([0, 1, 2, 3, 7]);
    expect(parseIdList("", 64, "/p")).toEqual([]);
    expect(() => parseIdList("3-1", 64, "/p")).toThrow("config.json /p: \"3-1\"");
    expect(() => parseIdList("64", 64, "/p")).toThrow("below 64");
  });
});

describe("linux.memoryPolicy", () => {
  const steps = (policy: Parameters<typeof memoryPolicySteps>[1]) => {
    const b = new PlanBuilder();
    memoryPolicySteps(b, policy);
    return b.plan.init;
  };
  test("mode and flags become set_mempolicy's numbers", () => {
    expect(steps({ mode: "MPOL_BIND", nodes: "0-1", flags: ["MPOL_F_STATIC_NODES"] })).toEqual([{ op: "SET_MEMPOLICY", args: [2, 1 << 15, [0, 1]], origin: 0 }]);
    expect(steps({ mode: "MPOL_LOCAL" })[0]!.args).toEqual([4, 0, []]);
    expect(steps({ mode: "MPOL_PREFERRED" })[0]!.args).toEqual([1, 0, []]);
  });
  test("nodes where the mode takes none, none where it needs some", () => {
    expect(() => steps({ mode: "MPOL_DEFAULT", nodes: "0" })).toThrow("/linux/memoryPolicy/nodes: MPOL_DEFAULT takes no nodes");
    expect(() => steps({ mode: "MPOL_INTERLEAVE" })).toThrow("/linux/memoryPolicy/nodes: MPOL_INTERLEAVE needs at least one node");
    expect(() => steps({ mode: "MPOL_NOPE" as "MPOL_BIND", nodes: "0" })).toThrow("/linux/memoryPolicy/mode");
  });
});

describe("process.execCPUAffinity", () => {
  test("initial in HOST, final in INIT", () => {
    const b = new PlanBuilder();
    execAffinitySteps(b, { args: ["x"], cwd: "/", user: { uid: 0, gid: 0 }, execCPUAffinity: { initial: "0", final: "1-2" } }, "");
    expect(b.plan.host).toEqual([{ op: "SCHED_AFFINITY", args: [[0]], origin: 0 }]);
    expect(b.plan.init).toEqual([{ op: "SCHED_AFFINITY", args: [[1, 2]], origin: 1 }]);
    expect(b.origins[1]!.pointer).toBe("/process/execCPUAffinity/final");
  });
});
