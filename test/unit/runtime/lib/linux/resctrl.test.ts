/**
 * The pure parts of linux.intelRdt (linux/resctrl.ts): finding resctrl in mountinfo, the config
 * checked against what a host offers, the schemata lines, the plan of what create makes, and the
 * comparison with an existing CLOS. The kernel-facing part is in
 * test/integration/runtime/intel-rdt.test.ts.
 */
import { describe, expect, test } from "bun:test";
import { checkIntelRdt, closIdProblem, intelRdtIssues, planResctrl, rdtUpdateProblem, resctrlMountpoint, schemataLines, schemataMismatch, type ResctrlHost } from "../../../../../runtime/lib/linux/resctrl.ts";
import { schemataLine } from "../../../../../runtime/lib/linux/resctrl-stats.ts";

const HOST: ResctrlHost = { root: "/mnt/rdt", resources: ["L3", "MB"], monitoring: true };

describe("resctrl", () => {
  test("the mount point comes from mountinfo's fstype, wherever it is mounted", () => {
    const mi = [
      "22 1 0:21 / /sys rw,nosuid shared:7 - sysfs sysfs rw",
      "40 22 0:35 / /mnt/my\\040rdt rw,relatime shared:20 - resctrl resctrl rw,mba_MBps",
    ].join("\n");
    expect(resctrlMountpoint(mi)).toBe("/mnt/my rdt");
    expect(resctrlMountpoint("22 1 0:21 / /sys/fs/resctrl rw - sysfs sysfs rw\n")).toBeUndefined();
  });

  test("no resctrl: one error at /linux/intelRdt saying it is not mounted", () => {
    const issues = intelRdtIssues({ closID: "x" }, undefined);
    expect(issues).toHaveLength(1);
    expect(issues[0]!.pointer).toBe("/linux/intelRdt");
    expect(issues[0]!.message).toContain("resctrl filesystem, which is not mounted");
  });

  test("each field the host cannot honour is named: L3 without CAT, MB without MBA, unknown schemata resources, monitoring", () => {
    const bare: ResctrlHost = { root: "/r", resources: [], monitoring: false };
    const issues = intelRdtIssues({ l3CacheSchema: "L3:0=f", memBwSchema: "MB:0=50", schemata: ["L2:0=3", "", "bogus"], enableMonitoring: true }, bare);
    expect(issues.map((i) => i.pointer)).toEqual(["/linux/intelRdt/l3CacheSchema", "/linux/intelRdt/memBwSchema", "/linux/intelRdt/schemata/0", "/linux/intelRdt/schemata/2", "/linux/intelRdt/enableMonitoring"]);
    expect(issues[0]!.message).toContain("no info/L3 under /r");
    expect(issues[1]!.message).toContain("no info/MB under /r");
    expect(issues[2]!.message).toContain("resource L2 is not offered");
    expect(issues[3]!.message).toContain("is not a schemata line");
    expect(issues[4]!.message).toContain("no info/L3_MON");
    expect(intelRdtIssues({ l3CacheSchema: "L3:0=f", memBwSchema: "MB:0=50", schemata: ["L3:1=f"], enableMonitoring: true }, HOST)).toEqual([]);
    // With CDP the kernel offers L3CODE/L3DATA instead of L3; an L3 line is still the kernel's to judge.
    expect(intelRdtIssues({ l3CacheSchema: "L3:0=f" }, { ...HOST, resources: ["L3CODE", "L3DATA"] })).toEqual([]);
  });

  test("closID must name a directory directly under the root", () => {
    for (const bad of ["", ".", "..", "a/b", "info", "mon_groups"]) expect(closIdProblem(bad)).toBeString();
    expect(closIdProblem("guaranteed")).toBeUndefined();
    expect(intelRdtIssues({ closID: "../x" }, HOST).map((i) => i.pointer)).toEqual(["/linux/intelRdt/closID"]);
    expect(() => checkIntelRdt({ closID: "../x" }, "/b/config.json")).toThrow("/b/config.json /linux/intelRdt");
  });

  test("schemata lines: l3CacheSchema without its MB: lines when memBwSchema is set, then memBwSchema, then the schemata list", () => {
    expect(schemataLines({})).toEqual([]);
    expect(schemataLines({ l3CacheSchema: "L3:0=f;1=f0" })).toEqual(["L3:0=f;1=f0"]);
    expect(schemataLines({ l3CacheSchema: "L3:0=f\nMB:0=20", memBwSchema: "MB:0=70" })).toEqual(["L3:0=f", "MB:0=70"]);
    expect(schemataLines({ l3CacheSchema: "L3:0=f\nMB:0=20" })).toEqual(["L3:0=f", "MB:0=20"]);
    expect(schemataLines({ memBwSchema: "MB:0=70", schemata: ["L3:0=3", " ", "MB:0=40"] })).toEqual(["MB:0=70", "L3:0=3", "MB:0=40"]);
  });

  test("plan: no closID makes <root>/<id>; an existing one is reused and not ours to remove", () => {
    const none = () => false;
    expect(planResctrl("c1", {}, "/r", none)).toEqual({ closDir: "/r/c1", createClos: true, lines: [], checkOnly: false, monDir: undefined, createMon: false, tasks: ["/r/c1/tasks"] });
    const p = planResctrl("c1", { l3CacheSchema: "L3:0=f" }, "/r", (x) => x === "/r/c1");
    expect(p).toMatchObject({ createClos: false, checkOnly: false, lines: ["L3:0=f"] });
    expect(() => planResctrl("info", {}, "/r", none)).toThrow("without closID the container id names the CLOS");
  });

  test("plan: closID with schemata is made if missing, else compared; closID alone must exist", () => {
    expect(planResctrl("c1", { closID: "gold", memBwSchema: "MB:0=70" }, "/r", () => false)).toMatchObject({ closDir: "/r/gold", createClos: true, checkOnly: false, lines: ["MB:0=70"] });
    expect(planResctrl("c1", { closID: "gold", memBwSchema: "MB:0=70" }, "/r", () => true)).toMatchObject({ createClos: false, checkOnly: true });
    expect(planResctrl("c1", { closID: "gold" }, "/r", () => true)).toMatchObject({ createClos: false, lines: [], tasks: ["/r/gold/tasks"] });
    expect(() => planResctrl("c1", { closID: "gold" }, "/r", () => false)).toThrow("/linux/intelRdt/closID: the CLOS directory /r/gold does not exist");
  });

  test("plan: enableMonitoring adds <clos>/mon_groups/<id>, whose tasks come after the CLOS's", () => {
    const p = planResctrl("c1", { closID: "gold", enableMonitoring: true }, "/r", (x) => x === "/r/gold");
    expect(p).toMatchObject({ monDir: "/r/gold/mon_groups/c1", createMon: true, tasks: ["/r/gold/tasks", "/r/gold/mon_groups/c1/tasks"] });
    expect(planResctrl("c1", { closID: "gold", enableMonitoring: true }, "/r", () => true).createMon).toBe(false);
  });

  test("an existing CLOS matches when every domain asked has that value (hex without leading zeros, any order, spaces)", () => {
    const existing = "    L3:0=00ff;1=0f0\n    MB:0=100;1= 70\n";
    expect(schemataMismatch(existing, ["L3:1=f0;0=ff"])).toBeUndefined();
    expect(schemataMismatch(existing, ["L3: 0 = FF"])).toBeUndefined();
    expect(schemataMismatch(existing, ["MB:1=70", "L3:0=ff"])).toBeUndefined();
    expect(schemataMismatch(existing, ["MB:0=50"])).toBe("MB domain 0 is 100, not 50");
    expect(schemataMismatch(existing, ["L3:2=f"])).toBe("L3 domain 2 is absent, not f");
    expect(schemataMismatch(existing, ["L2:0=f"])).toBe("it has no L2 line");
    // Later lines for a resource win, as the kernel applies them in order.
    expect(schemataMismatch(existing, ["MB:0=50", "MB:0=100"])).toBeUndefined();
    expect(schemataMismatch(existing, ["L3:0"])).toContain("is not a schemata line");
  });

  test("update's schema flags need the resource, with runc's words", () => {
    expect(rdtUpdateProblem({ l3CacheSchema: "L3:0=f" }, undefined)).toBe("Intel RDT/CAT: l3 cache schema is not enabled (resctrl is not mounted: no resctrl entry in /proc/self/mountinfo)");
    expect(rdtUpdateProblem({ memBwSchema: "MB:0=5" }, { ...HOST, resources: ["L3"] })).toBe("Intel RDT/MBA: memory bandwidth schema is not enabled (no info/MB under the resctrl root /mnt/rdt)");
    expect(rdtUpdateProblem({ l3CacheSchema: "L3:0=f", memBwSchema: "MB:0=5" }, HOST)).toBeUndefined();
  });

  test("stats pick a resource's line from a schemata file", () => {
    expect(schemataLine("L3:0=ff\nMB:0=100\n", "MB")).toBe("MB:0=100");
    expect(schemataLine("L3CODE:0=ff\n", "L3")).toBeUndefined();
  });
});
