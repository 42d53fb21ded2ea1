/**
 * The cgroup v2 device controller on a real kernel: eBPF programs attached to cgroups under this
 * hybrid host's cgroup2 mount (BPF_CGROUP_DEVICE works on any cgroup2 directory, controllers or
 * not), with busybox processes inside them opening device nodes.
 */
import { afterEach, expect, test } from "bun:test";
import { existsSync, mkdirSync, rmdirSync, writeFileSync } from "node:fs";
import { posix } from "node:path";
import { applyResources } from "../../../runtime/lib/cgroups/apply.ts";
import { attachDeviceProgram, DEVICE_PROGRAM_NAME, deviceProgramsOf } from "../../../runtime/lib/cgroups/bpf.ts";
import { detectCgroups, dirOf } from "../../../runtime/lib/cgroups/detect.ts";
import { compileDeviceFilter } from "../../../runtime/lib/cgroups/devices-bpf.ts";
import { placementLeaves } from "../../../runtime/lib/cgroups/fs.ts";
import { destroyCgroup, setupCgroup, updateCgroup, type CgroupPlacement } from "../../../runtime/lib/cgroups/index.ts";
import { deviceRules } from "../../../runtime/lib/cgroups/resources/devices.ts";
import type { EffectiveDeviceRule } from "../../../runtime/lib/cgroups/types.ts";
import { Cleanup } from "../../../common/cleanup.ts";
import { describeRoot } from "../../fixtures/root.ts";
import { PURE_V2, leafIn, read, track, uniqueId } from "./fixture.ts";

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/**
 * Runs `script` in busybox sh inside the cgroup `dir`: the shell first waits for a line on stdin,
 * which is sent only once its pid is in cgroup.procs, so every open happens inside the cgroup.
 */
async function runIn(dir: string, script: string): Promise<{ out: string; err: string }> {
  const proc = Bun.spawn(["/bin/busybox", "sh", "-c", `read go; ${script}`], { stdin: "pipe", stdout: "pipe", stderr: "pipe" });
  cleanup.add(`kill busybox ${proc.pid}`, async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
    await proc.exited;
  });
  writeFileSync(posix.join(dir, "cgroup.procs"), String(proc.pid));
  expect(read(dir, "cgroup.procs").split("\n")).toContain(String(proc.pid));
  proc.stdin.write("go\n");
  await proc.stdin.end();
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  await proc.exited;
  return { out, err };
}

/** A cgroup we make below this process's own cgroup in the v2 hierarchy. */
function unifiedCgroup(tag: string): string {
  const v2 = detectCgroups().hierarchies.find((h) => h.version === 2);
  if (!v2) throw new Error("no cgroup2 mount on this host");
  const dir = dirOf(v2, posix.join(v2.ownPath, uniqueId(tag)));
  mkdirSync(dir);
  cleanup.add(`rmdir ${dir}`, () => existsSync(dir) && rmdirSync(dir));
  return dir;
}

const rule = (allow: boolean, type: "a" | "c", major: number, minor: number, access: string): EffectiveDeviceRule => ({ allow, type, major, minor, access, pointer: "test" });

/** The placement's unified leaf alone: the v2 code path, as on a pure v2 host. */
function unifiedOnly(p: CgroupPlacement): CgroupPlacement {
  return { path: p.path, dirs: [], procsFiles: [posix.join(leafIn(p, "unified"), "cgroup.procs")] };
}

describeRoot("cgroup v2 device programs", () => {
  test("a program allowing only /dev/null: /dev/null works, /dev/zero is EPERM", async () => {
    const dir = unifiedCgroup("bpf");
    const program = compileDeviceFilter([rule(false, "a", -1, -1, "rwm"), rule(true, "c", 1, 3, "rwm")]);
    attachDeviceProgram(dir, program);
    const programs = deviceProgramsOf(dir);
    expect(programs.map((p) => p.name)).toEqual([DEVICE_PROGRAM_NAME]);
    expect(Buffer.from(programs[0]!.instructions).equals(Buffer.from(program))).toBe(true); // what the kernel runs is what we built

    const { out, err } = await runIn(dir, "cat /dev/null && echo null-ok; head -c1 /dev/zero && echo zero-ok");
    expect(out).toBe("null-ok\n");
    expect(err).toMatch(/\/dev\/zero: Operation not permitted/);
  });

  test("a program the verifier refuses: the error carries the verifier's log, the attached program stays", () => {
    const dir = unifiedCgroup("verifier");
    attachDeviceProgram(dir, compileDeviceFilter([]));
    const before = deviceProgramsOf(dir).map((x) => x.id);
    const exitOnly = new Uint8Array([0x95, 0, 0, 0, 0, 0, 0, 0]); // r0 never set
    expect(() => attachDeviceProgram(dir, exitOnly)).toThrow(/cannot load the device eBPF program \(bpf BPF_PROG_LOAD\) for .*: EACCES: .*R0 !read_ok/s);
    expect(deviceProgramsOf(dir).map((x) => x.id)).toEqual(before);
  });

  test("setup and update on the unified leaf: runc's defaults, then a replacement program; destroy removes the cgroup", async () => {
    const p = track(cleanup, setupCgroup({ id: uniqueId("devv2") }));
    const dir = leafIn(p, "unified");
    if (PURE_V2) {
      // Pure v2: setup itself attached runc's default program.
      expect(deviceProgramsOf(dir).map((x) => x.name)).toEqual([DEVICE_PROGRAM_NAME]);
    } else {
      // Hybrid host: devices go to the v1 controller only, as runc's fs manager does.
      expect(deviceProgramsOf(dir)).toEqual([]);
      expect(read(leafIn(p, "devices"), "devices.list")).toContain("c 1:3 rwm");
    }

    // The create path (devices always applied, runc's defaults appended) on the v2 leaf alone.
    const v2 = unifiedOnly(p);
    applyResources({}, placementLeaves(v2.procsFiles, detectCgroups()), false);
    const first = deviceProgramsOf(dir);
    expect(first.map((x) => x.name)).toEqual([DEVICE_PROGRAM_NAME]);
    expect(Buffer.from(first[0]!.instructions).equals(Buffer.from(compileDeviceFilter(deviceRules([]))))).toBe(true);
    const script = "true </dev/zero && echo zero-ok; true </dev/kmsg && echo kmsg-ok";
    const before = await runIn(dir, script);
    expect(before.out).toBe("zero-ok\n");
    expect(before.err).toMatch(/\/dev\/kmsg: Operation not permitted/);

    updateCgroup(v2, { devices: [{ allow: true, type: "c", major: 1, minor: 11, access: "r" }] });
    const second = deviceProgramsOf(dir);
    expect(second.map((x) => x.name)).toEqual([DEVICE_PROGRAM_NAME]); // replaced, not added
    expect(second[0]!.id).not.toBe(first[0]!.id);
    const after = await runIn(dir, script);
    expect(after).toEqual({ out: "zero-ok\nkmsg-ok\n", err: "" });

    // A rule list runc refuses changes nothing.
    expect(() => updateCgroup(v2, { devices: [{ allow: true, type: "c", major: 1, access: "rwm" }, { allow: false, type: "c", major: 1, minor: 3, access: "r" }] })).toThrow(
      /cannot take access away from part of the earlier wildcard rule "c 1:\* rwm".*devices\/1/,
    );
    expect(deviceProgramsOf(dir).map((x) => x.id)).toEqual([second[0]!.id]);

    // An update without devices leaves the program alone.
    updateCgroup(v2, {});
    expect(deviceProgramsOf(dir).map((x) => x.id)).toEqual([second[0]!.id]);

    destroyCgroup(p); // the busybox processes have exited and been reaped
    expect(existsSync(dir)).toBe(false);
  });
});
