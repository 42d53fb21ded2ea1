/**
 * The systemd cgroup driver (--systemd-cgroup) against a real systemd: the container's cgroup is a
 * transient scope with the resource properties, updated through systemd, paused through its cgroup,
 * and stopped on delete; a failed create leaves no unit. Needs systemd as PID 1, the D-Bus system
 * bus and a pure cgroup v2 host (test/v2/run.sh's VM); elsewhere the suite is skipped
 * (runtime/cgroups.test.ts checks the clear error there).
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { rootTestsEnabled } from "../../fixtures/root.ts";
import { RuntimeSuite } from "../runtime/harness.ts";

const SYSTEMD = existsSync("/run/systemd/system") && existsSync("/run/dbus/system_bus_socket");
const V2 = existsSync("/sys/fs/cgroup/cgroup.controllers");

function show(unit: string, ...props: string[]): Record<string, string> {
  const r = Bun.spawnSync(["systemctl", "show", ...props.map((p) => `--property=${p}`), unit]);
  const out: Record<string, string> = {};
  for (const line of r.stdout.toString().split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

const dirOf = (path: string) => `/sys/fs/cgroup${path}`;
const gone = (unit: string) => show(unit, "LoadState").LoadState === "not-found";

describe.skipIf(!SYSTEMD || !V2 || !rootTestsEnabled)("--systemd-cgroup: a transient systemd unit per container", () => {
  let s: RuntimeSuite;
  beforeAll(() => {
    s = new RuntimeSuite("systemd");
  });
  afterEach(async () => {
    await s.cleanup.run();
  });
  afterAll(() => s?.remove());

  /** A unique id whose unit is stopped (and reset) when the test ends, whatever happened. */
  function unitFor(id: string, unit: string): void {
    s.cleanup.add(`stop ${unit}`, () => {
      Bun.spawnSync(["systemctl", "stop", unit]);
      Bun.spawnSync(["systemctl", "reset-failed", unit]);
    });
  }

  test("create starts a delegated scope with the limits; the init is in it; update, pause, resume; delete removes it", async () => {
    const id = s.id();
    const unit = `bocker-test-${id}.scope`;
    const path = `/system.slice/${unit}`;
    unitFor(id, unit);
    const bundle = s.bundle(["sleep", "1000"], (spec) => {
      spec.linux!.cgroupsPath = `system.slice:bocker-test:${id}`;
      spec.linux!.resources = { ...spec.linux!.resources, memory: { limit: 64 << 20 }, pids: { limit: 20 }, cpu: { quota: 50000, period: 100000, shares: 512 } };
    });
    const created = await s.rt(["--systemd-cgroup", "create", "--bundle", bundle, id]);
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
    const props = show(unit, "ActiveState", "Delegate", "Slice", "ControlGroup", "MemoryMax", "TasksMax", "CPUQuotaPerSecUSec", "DefaultDependencies");
    expect(props).toEqual({
      ActiveState: "active",
      Delegate: "yes",
      Slice: "system.slice",
      ControlGroup: path,
      MemoryMax: String(64 << 20),
      TasksMax: "20",
      CPUQuotaPerSecUSec: "500ms",
      DefaultDependencies: "no",
    });
    const pid = (await s.state(id)).pid as number;
    expect(readFileSync(`/proc/${pid}/cgroup`, "utf8")).toBe(`0::${path}\n`);
    // The cgroupfs part: the files say the same (and what systemd has no property for).
    expect(readFileSync(`${dirOf(path)}/pids.max`, "utf8").trim()).toBe("20");
    expect(readFileSync(`${dirOf(path)}/memory.max`, "utf8").trim()).toBe(String(64 << 20));
    expect((await s.rt(["start", id])).code).toBe(0);

    const updated = await s.rt(["update", "--memory", "128M", "--pids-limit", "30", id]);
    expect(updated.stderr).toBe("");
    expect(show(unit, "MemoryMax", "TasksMax")).toEqual({ MemoryMax: String(128 << 20), TasksMax: "30" });
    expect(readFileSync(`${dirOf(path)}/pids.max`, "utf8").trim()).toBe("30");

    expect((await s.rt(["pause", id])).code).toBe(0);
    expect((await s.state(id)).status).toBe("paused");
    expect((await s.rt(["resume", id])).code).toBe(0);
    expect((await s.state(id)).status).toBe("running");

    const deleted = await s.rt(["delete", "--force", id]);
    expect(deleted.stderr).toBe("");
    expect(gone(unit)).toBe(true);
    expect(existsSync(dirOf(path))).toBe(false);
  });

  test("the default cgroupsPath is system.slice:bocker-runtime:<id>", async () => {
    const id = s.id();
    const unit = `bocker-runtime-${id}.scope`;
    unitFor(id, unit);
    const r = await s.rt(["--systemd-cgroup", "run", "--bundle", s.bundle(["true"]), id]);
    expect(r.code).toBe(0);
    // run deleted it: the unit went with it.
    expect(gone(unit)).toBe(true);
  });

  test("a failed create leaves no unit, no cgroup and no state", async () => {
    // Fails after the scope started: a mount source that does not exist.
    const id = s.id();
    const unit = `bocker-test-${id}.scope`;
    unitFor(id, unit);
    const bundle = s.bundle(["true"], (spec) => {
      spec.linux!.cgroupsPath = `system.slice:bocker-test:${id}`;
      spec.mounts = [...(spec.mounts ?? []), { destination: "/mnt", type: "bind", source: "/nonexistent-bocker-source", options: ["bind"] }];
    });
    const r = await s.rt(["--systemd-cgroup", "create", "--bundle", bundle, id]);
    expect(r.code).not.toBe(0);
    expect(gone(unit)).toBe(true);
    expect(existsSync(dirOf(`/system.slice/${unit}`))).toBe(false);
    expect((await s.rt(["state", id])).code).not.toBe(0);

    // Fails writing the cgroup files after systemd accepted the unit: a CPU the host lacks.
    const id2 = s.id();
    const unit2 = `bocker-test-${id2}.scope`;
    unitFor(id2, unit2);
    const bad = s.bundle(["true"], (spec) => {
      spec.linux!.cgroupsPath = `system.slice:bocker-test:${id2}`;
      spec.linux!.resources = { ...spec.linux!.resources, cpu: { cpus: "1000" } };
    });
    const r2 = await s.rt(["--systemd-cgroup", "create", "--bundle", bad, id2]);
    expect(r2.code).not.toBe(0);
    expect(r2.stderr).toContain("cpuset");
    expect(gone(unit2)).toBe(true);
    expect((await s.rt(["state", id2])).code).not.toBe(0);
  });

  test("a slice as the name part becomes a transient slice the container joins", async () => {
    const id = s.id();
    const tag = id.replace(/[^A-Za-z0-9]/g, "");
    const unit = `system-bt${tag}.slice`;
    unitFor(id, unit);
    const r = await s.rt(["--systemd-cgroup", "run", "--bundle", s.bundle(["cat", "/proc/self/cgroup"], (spec) => {
      spec.linux!.namespaces = spec.linux!.namespaces!.filter((n) => n.type !== "cgroup");
      spec.linux!.cgroupsPath = `system.slice:bocker-test:${unit}`;
    }), id]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain(`/system.slice/${unit}\n`);
    // Any slice name loads without a unit file, so asking systemd about it brings it back as a plain
    // inactive slice: what must be gone is the transient unit (and its cgroup).
    expect(show(unit, "ActiveState", "Transient")).toEqual({ ActiveState: "inactive", Transient: "no" });
    expect(existsSync(dirOf(`/system.slice/${unit}`))).toBe(false);
  });
});
