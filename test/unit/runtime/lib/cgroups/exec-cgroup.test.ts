import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseSubCgroups, subCgroupProcs } from "../../../../../runtime/lib/cgroups/exec-cgroup.ts";
import type { Leaf } from "../../../../../runtime/lib/cgroups/fs.ts";

describe("exec --cgroup arguments (runc getSubCgroupPaths)", () => {
  test("an unprefixed path for every hierarchy, prefixed ones per controller, comma lists", () => {
    expect([...parseSubCgroups(["sub", "cpu,cpuacct:a/b", "memory:m"])]).toEqual([["", "sub"], ["cpu", "a/b"], ["cpuacct", "a/b"], ["memory", "m"]]);
  });
  test("runc's refusals", () => {
    expect(() => parseSubCgroups(["a", "b"])).toThrow("multiple <cgroup> arguments");
    expect(() => parseSubCgroups([":a"])).toThrow("invalid --cgroup argument: :a (empty <controller> prefix)");
    expect(() => parseSubCgroups(["cpu:a", "cpu,memory:b"])).toThrow("controller cpu specified multiple times");
  });
});

describe("exec --cgroup: which cgroup.procs the process joins", () => {
  const root = mkdtempSync(join(tmpdir(), "bocker-execcg-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  /** A fake hierarchy with the container's cgroup c and the given sub-cgroups of it. */
  function leaf(name: string, version: 1 | 2, controllers: string[], subs: string[]): Leaf {
    const dir = join(root, name, "c");
    for (const sub of ["", ...subs]) {
      mkdirSync(join(dir, sub), { recursive: true });
      writeFileSync(join(dir, sub, "cgroup.procs"), "");
    }
    return { hierarchy: { version, mountpoint: join(root, name), mountRoot: "/", controllers, ownPath: "/" }, dir };
  }
  const hybrid = [leaf("cpu", 1, ["cpu"], ["sub", "x"]), leaf("memory", 1, ["memory"], ["sub"]), leaf("unified", 2, ["hugetlb"], ["sub"])];

  test("unprefixed: every hierarchy's sub-cgroup; a prefix wins for its controller", () => {
    expect(subCgroupProcs(hybrid, parseSubCgroups(["sub"]))).toEqual(["cpu", "memory", "unified"].map((h) => join(root, h, "c/sub/cgroup.procs")));
    expect(subCgroupProcs(hybrid, parseSubCgroups(["sub", "cpu:x"]))).toEqual([join(root, "cpu/c/x/cgroup.procs"), join(root, "memory/c/sub/cgroup.procs"), join(root, "unified/c/sub/cgroup.procs")]);
    expect(subCgroupProcs(hybrid, parseSubCgroups(["cpu:/x"]))).toEqual([join(root, "cpu/c/x/cgroup.procs"), join(root, "memory/c/cgroup.procs"), join(root, "unified/c/cgroup.procs")]);
  });
  test("a missing sub-cgroup, one outside the container's cgroup, an unknown controller: refused", () => {
    expect(() => subCgroupProcs(hybrid, parseSubCgroups(["memory:x"]))).toThrow(`--cgroup memory:x: no such cgroup ${join(root, "memory/c/x")} (the sub-cgroup must exist)`);
    expect(() => subCgroupProcs(hybrid, parseSubCgroups(["sub/../../c"]))).toThrow("the sub-cgroup must be inside the container's cgroup");
    expect(() => subCgroupProcs(hybrid, parseSubCgroups(["pids:sub"]))).toThrow("the container has no cgroup v1 hierarchy with controller pids");
  });
  test("cgroup v2: one hierarchy, only the unprefixed path", () => {
    const v2 = [leaf("v2", 2, ["cpu", "memory", "pids"], ["sub"])];
    expect(subCgroupProcs(v2, parseSubCgroups(["sub"]))).toEqual([join(root, "v2/c/sub/cgroup.procs")]);
    expect(() => subCgroupProcs(v2, parseSubCgroups(["memory:sub"]))).toThrow("no cgroup v1 hierarchy with controller memory");
  });
});
