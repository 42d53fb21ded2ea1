import { describe, expect, test } from "bun:test";
import { cgroupPathIn, expandSlice, resolveCgroupPath } from "../../../../../runtime/lib/cgroups/paths.ts";

describe("cgroup path rule", () => {
  test("default: the container id under the runtime's own cgroup (runc)", () => {
    const r = resolveCgroupPath({ id: "web" });
    expect(r).toEqual({ path: "web", relative: true });
    expect(cgroupPathIn(r, "/")).toBe("/web");
    expect(cgroupPathIn(r, "/process_api/00b4")).toBe("/process_api/00b4/web");
  });

  test("pure v2: relative and default paths go under the parent of the runtime's cgroup (runc fs2), absolute ones as given", () => {
    const web = resolveCgroupPath({ id: "web" });
    expect(cgroupPathIn(web, "/system.slice/vmrun.service", true)).toBe("/system.slice/web");
    expect(cgroupPathIn(web, "/user.slice/user-0.slice/session-3.scope", true)).toBe("/user.slice/user-0.slice/web");
    expect(cgroupPathIn(web, "/", true)).toBe("/web");
    expect(cgroupPathIn(resolveCgroupPath({ id: "x", cgroupsPath: "pods/x" }), "/system.slice/a.service", true)).toBe("/system.slice/pods/x");
    expect(cgroupPathIn(resolveCgroupPath({ id: "x", cgroupsPath: "/bocker/x" }), "/system.slice/a.service", true)).toBe("/bocker/x");
  });

  test("absolute paths are taken as given, cleaned", () => {
    const r = resolveCgroupPath({ id: "x", cgroupsPath: "/bocker//pods/../x/" });
    expect(r).toMatchObject({ path: "/bocker/x", relative: false });
    expect(cgroupPathIn(r, "/process_api/00b4")).toBe("/bocker/x");
  });

  test("relative paths are nested and cannot climb out (runc CleanPath)", () => {
    const r = resolveCgroupPath({ id: "x", cgroupsPath: "../../etc/x" });
    expect(r).toMatchObject({ path: "etc/x", relative: true });
    expect(cgroupPathIn(r, "/own")).toBe("/own/etc/x");
  });

  test("the root cgroup and ids that are not names are refused", () => {
    expect(() => resolveCgroupPath({ id: "x", cgroupsPath: "/" })).toThrow(/names the root cgroup.*\/linux\/cgroupsPath/);
    expect(() => resolveCgroupPath({ id: "x", cgroupsPath: "/a/.." })).toThrow(/root cgroup/);
    expect(() => resolveCgroupPath({ id: "../x" })).toThrow(/cannot name a cgroup/);
  });

  test("--systemd-cgroup slice:prefix:name is the cgroup systemd makes for the unit", () => {
    const r = resolveCgroupPath({ id: "x", cgroupsPath: "machine-app.slice:docker:1234", systemd: true });
    expect(r).toEqual({ path: "/machine.slice/machine-app.slice/docker-1234.scope", relative: false });
    expect(resolveCgroupPath({ id: "x", cgroupsPath: ":p:n", systemd: true }).path).toBe("/system.slice/p-n.scope");
    expect(resolveCgroupPath({ id: "x", cgroupsPath: "-.slice::n", systemd: true }).path).toBe("/n.scope");
    expect(resolveCgroupPath({ id: "x", cgroupsPath: "a.slice:p:a-b.slice", systemd: true }).path).toBe("/a.slice/a-b.slice");
    expect(resolveCgroupPath({ id: "c1", systemd: true })).toMatchObject({ path: "/system.slice/bocker-runtime-c1.scope" });
  });

  test("malformed systemd paths", () => {
    expect(() => resolveCgroupPath({ id: "x", cgroupsPath: "/a/b", systemd: true })).toThrow(/slice:prefix:name/);
    expect(() => resolveCgroupPath({ id: "x", cgroupsPath: "bad:p:n", systemd: true })).toThrow(/invalid systemd slice name "bad"/);
    expect(() => expandSlice("a--b.slice")).toThrow(/invalid systemd slice/);
    expect(expandSlice("-.slice")).toBe("/");
  });
});
