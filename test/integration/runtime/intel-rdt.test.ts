/**
 * linux.intelRdt (resctrl) on the real kernel (#13). Where resctrl is not mounted (this machine:
 * no resctrl in /proc/filesystems, no RDT in the CPU) create, run and update fail clearly,
 * naming the field, and leave nothing behind. The tests of the resctrl path itself run only where
 * a resctrl filesystem is mounted, and each only with the resources it needs (info/L3, info/MB,
 * info/L3_MON); they skip, saying why, elsewhere. resctrl is never faked: a tmpfs would not
 * check a single write.
 */
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { describeRoot } from "../../fixtures/root.ts";
import { RuntimeSuite, defaultCgroupDirs } from "./harness.ts";
import { resctrlMountpoint } from "../../../runtime/lib/linux/resctrl.ts";
import type { Linux } from "../../../runtime/lib/spec-types.ts";

const ROOT = resctrlMountpoint(readFileSync("/proc/self/mountinfo", "utf8"));
const info = ROOT && existsSync(join(ROOT, "info")) ? readdirSync(join(ROOT, "info")) : [];
const CAT = info.includes("L3");
const MBA = info.includes("MB");
const MON = info.includes("L3_MON");
if (!ROOT) console.warn("intelRdt tests of the resctrl path are skipped: no resctrl filesystem is mounted (only the error path runs)");
const withResctrl = test.skipIf(!ROOT);
const withCat = test.skipIf(!CAT);
const withMba = test.skipIf(!MBA);
const withMon = test.skipIf(!MON);

/** The full L3 capacity mask of each cache domain the root's schemata lists: a value every host takes. */
const fullL3 = () => {
  const mask = readFileSync(join(ROOT!, "info", "L3", "cbm_mask"), "utf8").trim();
  const line = readFileSync(join(ROOT!, "schemata"), "utf8").split("\n").find((l) => l.trim().startsWith("L3:"))!;
  return `L3:${line.trim().slice(3).split(";").map((t) => `${t.split("=")[0]!.trim()}=${mask}`).join(";")}`;
};
const ownLine = (dir: string, res: string) => readFileSync(join(dir, "schemata"), "utf8").split("\n").map((l) => l.trim()).find((l) => l.startsWith(`${res}:`));
const tasks = (dir: string) => readFileSync(join(dir, "tasks"), "utf8").trim().split("\n").map(Number);

describeRoot("bocker-runtime linux.intelRdt", () => {
  let s: RuntimeSuite;
  beforeAll(() => {
    s = new RuntimeSuite("intelrdt");
  });
  afterEach(async () => {
    await s.cleanup.run();
  });
  afterAll(() => s?.remove());

  /** Nothing of the container left: no state dir, no cgroup, no CLOS named after it. */
  const nothingLeft = async (id: string) => {
    expect((await s.rt(["state", id])).code).not.toBe(0);
    expect(existsSync(join(s.root, id))).toBe(false);
    expect(defaultCgroupDirs(id).filter((d) => existsSync(d))).toEqual([]);
    if (ROOT) expect(existsSync(join(ROOT, id))).toBe(false);
  };

  test.skipIf(!!ROOT)("without resctrl, create and run fail naming /linux/intelRdt, and leave nothing", async () => {
    const cases: Array<[string, NonNullable<Linux["intelRdt"]>]> = [
      ["create", { closID: "bocker", l3CacheSchema: "L3:0=f" }],
      ["run", { schemata: ["MB:0=50"], enableMonitoring: true }],
      ["create", {}],
    ];
    for (const [cmd, rdt] of cases) {
      const id = s.id();
      const r = await s.rt([cmd, "--bundle", s.bundle(["true"], (c) => (c.linux!.intelRdt = rdt)), id]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("config.json /linux/intelRdt: Intel RDT needs the resctrl filesystem, which is not mounted (no resctrl entry in /proc/self/mountinfo");
      await nothingLeft(id);
    }
  });

  test.skipIf(!!ROOT)("without resctrl, update --l3-cache-schema/--mem-bw-schema fail with runc's words and change nothing", async () => {
    const id = s.id();
    expect((await s.rt(["run", "-d", "--bundle", s.bundle(["sleep", "1000"]), id])).code).toBe(0);
    const l3 = await s.rt(["update", "--l3-cache-schema", "L3:0=f", "--memory", "64M", id]);
    expect(l3.code).toBe(1);
    expect(l3.stderr).toContain("Intel RDT/CAT: l3 cache schema is not enabled (resctrl is not mounted");
    const mb = await s.rt(["update", "--mem-bw-schema", "MB:0=50", id]);
    expect(mb.code).toBe(1);
    expect(mb.stderr).toContain("Intel RDT/MBA: memory bandwidth schema is not enabled");
    // The memory limit asked beside the refused schema was not applied either.
    const st = JSON.parse((await s.rt(["events", "--stats", id])).stdout);
    expect(st.data.memory.usage.limit ?? 0).not.toBe(64 * 1024 * 1024);
    expect(st.data.intel_rdt).toEqual({});
  });

  test("features: intelRdt and its schemata field are implemented (whatever this host has, as runc reports)", async () => {
    expect(JSON.parse((await s.rt(["features"])).stdout).linux.intelRdt).toEqual({ enabled: true, schemata: true });
  });

  withResctrl("no closID: a CLOS named after the container holds its init and exec'd processes; delete removes it", async () => {
    const id = s.id();
    expect((await s.rt(["run", "-d", "--bundle", s.bundle(["sleep", "1000"], (c) => (c.linux!.intelRdt = {})), id])).code).toBe(0);
    const clos = join(ROOT!, id);
    const pid = (await s.state(id)).pid as number;
    expect(tasks(clos)).toContain(pid);
    // An exec'd process joins it too (x86's /proc/PID/cpu_resctrl_groups names a task's groups).
    const ex = await s.rt(["exec", id, "cat", "/proc/self/cpu_resctrl_groups"]);
    expect(ex.stdout).toContain(`res:/${id}`);
    expect((await s.rt(["kill", id, "KILL"])).code).toBe(0);
    expect((await s.rt(["delete", "--force", id])).code).toBe(0);
    await nothingLeft(id);
  });

  withResctrl("closID alone must name an existing CLOS; the container joins it and delete leaves it", async () => {
    const missing = s.id();
    const r = await s.rt(["create", "--bundle", s.bundle(["true"], (c) => (c.linux!.intelRdt = { closID: `bocker-none-${process.pid}` })), missing]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("/linux/intelRdt/closID: the CLOS directory");
    await nothingLeft(missing);

    const clos = join(ROOT!, `bocker-test-${process.pid}`);
    mkdirSync(clos);
    s.cleanup.add(`rmdir ${clos}`, () => rmdirSync(clos));
    const id = s.id();
    expect((await s.rt(["run", "-d", "--bundle", s.bundle(["sleep", "1000"], (c) => (c.linux!.intelRdt = { closID: `bocker-test-${process.pid}` })), id])).code).toBe(0);
    expect(tasks(clos)).toContain((await s.state(id)).pid as number);
    expect((await s.rt(["delete", "--force", id])).code).toBe(0);
    expect(existsSync(clos)).toBe(true);
  });

  withCat("l3CacheSchema is written to a new CLOS; an existing closID must match it, else create fails and leaves nothing", async () => {
    const full = fullL3();
    const id = s.id();
    expect((await s.rt(["run", "-d", "--bundle", s.bundle(["sleep", "1000"], (c) => (c.linux!.intelRdt = { l3CacheSchema: full })), id])).code).toBe(0);
    expect(ownLine(join(ROOT!, id), "L3")).toBe(full.replace(/=0*/g, "="));
    const stats = JSON.parse((await s.rt(["events", "--stats", id])).stdout).data.intel_rdt;
    expect(stats.l3_cache_schema).toBe(ownLine(join(ROOT!, id), "L3"));
    expect(stats.l3_cache_info.cbm_mask).toBeString();
    expect((await s.rt(["delete", "--force", id])).code).toBe(0);
    await nothingLeft(id);

    const clos = join(ROOT!, `bocker-test-${process.pid}`);
    mkdirSync(clos);
    s.cleanup.add(`rmdir ${clos}`, () => rmdirSync(clos));
    const same = s.id();
    expect((await s.rt(["run", "-d", "--bundle", s.bundle(["sleep", "1000"], (c) => (c.linux!.intelRdt = { closID: `bocker-test-${process.pid}`, l3CacheSchema: full })), same])).code).toBe(0);
    expect((await s.rt(["delete", "--force", same])).code).toBe(0);
    const other = s.id();
    const bad = await s.rt(["create", "--bundle", s.bundle(["true"], (c) => (c.linux!.intelRdt = { closID: `bocker-test-${process.pid}`, l3CacheSchema: "L3:0=1" })), other]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("does not have the schemata asked");
    await nothingLeft(other);
  });

  withMba("memBwSchema and update --mem-bw-schema land in the CLOS's MB line", async () => {
    const id = s.id();
    expect((await s.rt(["run", "-d", "--bundle", s.bundle(["sleep", "1000"], (c) => (c.linux!.intelRdt = { memBwSchema: "MB:0=100" })), id])).code).toBe(0);
    expect(ownLine(join(ROOT!, id), "MB")).toMatch(/^MB:0=100/);
    expect((await s.rt(["update", "--mem-bw-schema", "MB:0=50", id])).code).toBe(0);
    expect(ownLine(join(ROOT!, id), "MB")).not.toMatch(/^MB:0=100\b/);
    expect((await s.rt(["delete", "--force", id])).code).toBe(0);
    await nothingLeft(id);
  });

  withCat("update --l3-cache-schema on a container created without intelRdt makes its CLOS with the init in it; delete removes it", async () => {
    const id = s.id();
    expect((await s.rt(["run", "-d", "--bundle", s.bundle(["sleep", "1000"]), id])).code).toBe(0);
    expect((await s.rt(["update", "--l3-cache-schema", fullL3(), id])).code).toBe(0);
    expect(tasks(join(ROOT!, id))).toContain((await s.state(id)).pid as number);
    expect((await s.rt(["delete", "--force", id])).code).toBe(0);
    await nothingLeft(id);
  });

  withMon("enableMonitoring: a monitoring group <clos>/mon_groups/<id> holds the init; delete removes it", async () => {
    const id = s.id();
    expect((await s.rt(["run", "-d", "--bundle", s.bundle(["sleep", "1000"], (c) => (c.linux!.intelRdt = { enableMonitoring: true })), id])).code).toBe(0);
    const mon = join(ROOT!, id, "mon_groups", id);
    expect(tasks(mon)).toContain((await s.state(id)).pid as number);
    expect((await s.rt(["delete", "--force", id])).code).toBe(0);
    await nothingLeft(id);
  });
});
