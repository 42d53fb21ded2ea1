/**
 * config-linux.md#cgroups-path and the resources read back from the host's cgroupfs while the
 * container runs. This host is hybrid (v1 controllers), so the files are the v1 ones.
 */
import { existsSync, readdirSync, readFileSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { check, equal } from "../runner/assert.ts";
import type { Config } from "../runner/config.ts";
import type { TestContext } from "../runner/context.ts";
import type { ConformanceTest } from "../runner/types.ts";

const V1 = "/sys/fs/cgroup";
const isV1 = (): string | undefined => (existsSync(join(V1, "memory", "memory.limit_in_bytes")) ? undefined : "needs cgroup v1 controllers (memory, pids, cpu) at /sys/fs/cgroup/<controller>");

/** controller → path, from /proc/PID/cgroup (v1 lines "N:memory:/path"). */
function cgroupsOf(pid: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(`/proc/${pid}/cgroup`, "utf8").trim().split("\n")) {
    const [, controllers, path] = line.split(":");
    for (const c of (controllers ?? "").split(",")) if (c) out[c] = path ?? "";
  }
  return out;
}

/** Creates and starts a sleeping container; returns its host pid and cgroup paths. */
async function running(t: TestContext, mutate: (c: Config) => void): Promise<{ pid: number; cgroups: Record<string, string> }> {
  const c = t.container(t.bundle((cfg) => {
    cfg.process.args = ["/checker", "sleep"];
    mutate(cfg);
  }));
  await t.mustSucceed(c.create(), "create");
  await t.mustSucceed(c.start(), "start");
  const pid = (await c.state())?.pid;
  check(pid, "state has a pid");
  return { pid, cgroups: cgroupsOf(pid) };
}

function read(controller: string, path: string, file: string): string {
  return readFileSync(join(V1, controller, path, file), "utf8").trim();
}

const PARENT = "/oci-validation";

/**
 * A fresh cgroupsPath under /oci-validation. Runtimes create the parent but (like runc) leave it
 * when deleting the container, so the test removes the parent once it is empty.
 */
function uniquePath(t: TestContext): string {
  t.cleanup.add(`rmdir ${PARENT} cgroups`, () => {
    for (const controller of readdirSync(V1)) {
      try {
        rmdirSync(join(V1, controller, PARENT));
      } catch {
        // absent (controller not mounted or not used), or another test's cgroup is still inside
      }
    }
  });
  return `${PARENT}/${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
}

export const cgroupTests: ConformanceTest[] = [
  {
    name: "cgroups: cgroupsPath places the process in that cgroup",
    ref: "config-linux.md#cgroups-path",
    spec: "If the value is specified, the runtime MUST consistently attach to the same place in the cgroups hierarchy given the same value of cgroupsPath. ... The path ... is relative to the cgroups mount point when absolute.",
    skip: isV1,
    async run(t) {
      const path = uniquePath(t);
      const { cgroups } = await running(t, (c) => (c.linux.cgroupsPath = path));
      for (const controller of ["memory", "pids", "cpu", "devices", "freezer"]) equal(cgroups[controller], path, `${controller} cgroup of the container process`);
    },
  },
  {
    name: "cgroups: delete removes the cgroup create made",
    ref: "runtime.md#delete",
    spec: "Deleting a container MUST delete the resources that were created during the create step.",
    skip: isV1,
    async run(t) {
      const path = uniquePath(t);
      const c = t.container(t.bundle((cfg) => {
        cfg.process.args = ["/checker", "exit", "0"];
        cfg.linux.cgroupsPath = path;
      }));
      await t.mustSucceed(c.create(), "create");
      check(existsSync(join(V1, "memory", path)), "create made the memory cgroup", path, "missing");
      await t.mustSucceed(c.start(), "start");
      await c.waitFor("stopped");
      await t.mustSucceed(c.delete(), "delete");
      for (const controller of ["memory", "pids", "cpu"]) check(!existsSync(join(V1, controller, path)), `${controller} cgroup left after delete`, "removed", join(V1, controller, path));
    },
  },
  {
    name: "cgroups: memory limit, reservation and swap",
    ref: "config-linux.md#memory",
    spec: "limit (int64, OPTIONAL) - sets limit of memory usage in bytes. reservation (int64, OPTIONAL) - sets soft limit of memory usage in bytes. swap (int64, OPTIONAL) - sets limit of memory+Swap usage.",
    skip: isV1,
    async run(t) {
      const memory = { limit: 64 * 1024 * 1024, reservation: 32 * 1024 * 1024, swap: 128 * 1024 * 1024 };
      const { cgroups } = await running(t, (c) => (c.linux.resources.memory = memory));
      equal(read("memory", cgroups.memory!, "memory.limit_in_bytes"), String(64 * 1024 * 1024), "memory.limit_in_bytes");
      equal(read("memory", cgroups.memory!, "memory.soft_limit_in_bytes"), String(32 * 1024 * 1024), "memory.soft_limit_in_bytes");
      // v1: swap is the memory+swap limit (config-linux.md#memory "swap ... sets limit of memory+Swap usage")
      if (existsSync(join(V1, "memory", cgroups.memory!, "memory.memsw.limit_in_bytes"))) {
        equal(read("memory", cgroups.memory!, "memory.memsw.limit_in_bytes"), String(128 * 1024 * 1024), "memory.memsw.limit_in_bytes");
      }
    },
  },
  {
    name: "cgroups: pids limit",
    ref: "config-linux.md#pids",
    spec: "limit (int64, REQUIRED) - specifies the maximum number of tasks in the cgroup",
    skip: isV1,
    async run(t) {
      const { cgroups } = await running(t, (c) => (c.linux.resources.pids = { limit: 42 }));
      equal(read("pids", cgroups.pids!, "pids.max"), "42", "pids.max");
    },
  },
  {
    name: "cgroups: cpu shares, quota and period",
    ref: "config-linux.md#cpu",
    spec: "shares (uint64, OPTIONAL) - specifies a relative share of CPU time available to the tasks in a cgroup. quota (int64, OPTIONAL) - specifies the total amount of time in microseconds for which all tasks in a cgroup can run during one period. period (uint64, OPTIONAL) - specifies a period of time in microseconds for how regularly a cgroup's access to CPU resources should be reallocated (CFS scheduler only)",
    skip: isV1,
    async run(t) {
      const { cgroups } = await running(t, (c) => (c.linux.resources.cpu = { shares: 512, quota: 50000, period: 100000 }));
      equal(read("cpu", cgroups.cpu!, "cpu.shares"), "512", "cpu.shares");
      equal(read("cpu", cgroups.cpu!, "cpu.cfs_quota_us"), "50000", "cpu.cfs_quota_us");
      equal(read("cpu", cgroups.cpu!, "cpu.cfs_period_us"), "100000", "cpu.cfs_period_us");
    },
  },
  {
    name: "cgroups: cpuset cpus and mems",
    ref: "config-linux.md#cpu",
    spec: "cpus (string, OPTIONAL) - list of CPUs the container will run in. mems (string, OPTIONAL) - list of Memory Nodes the container will run in.",
    skip: isV1,
    async run(t) {
      const { cgroups } = await running(t, (c) => (c.linux.resources.cpu = { cpus: "0", mems: "0" }));
      equal(read("cpuset", cgroups.cpuset!, "cpuset.cpus"), "0", "cpuset.cpus");
      equal(read("cpuset", cgroups.cpuset!, "cpuset.mems"), "0", "cpuset.mems");
    },
  },
  {
    name: "cgroups: device allow list lets the process open an allowed device only",
    ref: "config-linux.md#allowed-device-list",
    spec: "devices (array of objects, OPTIONAL) configures the allowed device list. The runtime MUST apply entries in the listed order.",
    skip: isV1,
    async run(t) {
      const { cgroups } = await running(t, (c) => (c.linux.resources.devices = [{ allow: false, access: "rwm" }, { allow: true, type: "c", major: 1, minor: 3, access: "rwm" }]));
      const list = read("devices", cgroups.devices!, "devices.list").split("\n");
      check(list.includes("c 1:3 rwm"), "devices.list allows c 1:3 rwm", "c 1:3 rwm", list);
      check(!list.includes("a *:* rwm"), "devices.list must not allow everything", "no a *:* rwm", list);
    },
  },
  {
    name: "cgroups: without a cgroup namespace the process sees cgroupsPath",
    ref: "config-linux.md#cgroups-path",
    spec: "cgroupsPath (string, OPTIONAL) path to the cgroups. It can be used to either control the cgroups hierarchy for containers or to run a new process in an existing container.",
    skip: isV1,
    async run(t) {
      const path = uniquePath(t);
      const r = await t.runChecker((c) => (c.linux.cgroupsPath = path));
      const memory = r.cgroup?.split("\n").find((l) => l.includes(":memory:"));
      equal(memory?.split(":")[2], path, "memory line of /proc/self/cgroup inside the container");
    },
  },
];
