/**
 * podman's resource flags through the runtime under test, on whichever cgroup layout the host has
 * (issue 13): this hybrid host (v1 files) and a pure v2 host with systemd (test/v2/run.sh), with
 * --cgroup-manager cgroupfs and, where systemd is PID 1, systemd. Limits are read inside (a private
 * cgroup namespace) and outside (the container's cgroup found from its /proc/PID/cgroup; with the
 * systemd manager also the runtime's transient scope in `systemctl show`); pause is checked in the
 * freezer and removal leaves no cgroup (PodmanEnv.destroy).
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { describeRoot } from "../../fixtures/root.ts";
import { Cleanup } from "../../../common/cleanup.ts";
import { runtimeUnderTest } from "../../fixtures/clients/runtime.ts";
import { PodmanEnv } from "../../fixtures/clients/podman.ts";
import { ok } from "../../fixtures/clients/proc.ts";

const V2 = existsSync("/sys/fs/cgroup/cgroup.controllers");
/** podman's systemd manager talks to systemd over the system bus (dbus-daemon), not systemd's private socket. */
const SYSTEMD = existsSync("/run/systemd/system") && existsSync("/run/dbus/system_bus_socket");
/** The runtime drives systemd on pure v2 hosts only (it refuses --systemd-cgroup on v1 and hybrid ones). */
const MANAGERS = SYSTEMD && V2 ? (["cgroupfs", "systemd"] as const) : (["cgroupfs"] as const);

/** A whole block device of this host (its /dev name and major:minor), for --device-read-bps. */
function blockDevice(): { path: string; devno: string } {
  for (const name of readdirSync("/sys/block")) {
    if (/^(loop|ram|zram)/.test(name) || !existsSync(`/dev/${name}`)) continue;
    return { path: `/dev/${name}`, devno: readFileSync(`/sys/block/${name}/dev`, "utf8").trim() };
  }
  throw new Error("no block device in /sys/block");
}

/** file → expected value, as the container's cgroup shows it (v2 or the v1 controller dirs). */
function expected(devno: string): Array<[string, (s: string) => boolean]> {
  if (V2) {
    return [
      ["memory.max", (s) => s === String(64 << 20)],
      ["cpu.max", (s) => s === "50000 100000"],
      ["pids.max", (s) => s === "10"],
      ["io.max", (s) => s.includes(`${devno} rbps=1048576`)],
    ];
  }
  return [
    ["memory/memory.limit_in_bytes", (s) => s === String(64 << 20)],
    ["cpu/cpu.cfs_quota_us", (s) => s === "50000"],
    ["pids/pids.max", (s) => s === "10"],
    ["blkio/blkio.throttle.read_bps_device", (s) => s.includes(`${devno} 1048576`)],
  ];
}

for (const manager of MANAGERS) {
  describeRoot(`podman --cgroup-manager ${manager} resource flags (${V2 ? "cgroup v2" : "hybrid/v1"})`, () => {
    let env: PodmanEnv;
    let cleanup = new Cleanup();
    let n = 0;
    const dev = blockDevice();
    const limits = ["--memory", "64m", "--cpus", "0.5", "--pids-limit", "10", "--device-read-bps", `${dev.path}:1mb`];

    beforeAll(async () => {
      env = await PodmanEnv.create(runtimeUnderTest(), manager);
    }, 300_000);
    afterEach(async () => {
      await cleanup.run();
      cleanup = new Cleanup();
    });
    afterAll(async () => {
      await env?.destroy();
    }, 300_000);

    function name(): string {
      const id = `bkc-${process.pid}-${manager}-${++n}`;
      cleanup.add(`podman rm -f ${id}`, async () => {
        const r = await env.podman(["rm", "--force", "--time", "0", "--ignore", id]);
        if (r.code !== 0) throw new Error(`podman rm -f ${id}: ${r.stderr}`);
      });
      return id;
    }

    test("--memory, --cpus, --pids-limit, --device-read-bps are read back inside the container", async () => {
      const files = expected(dev.devno).map(([f]) => `/sys/fs/cgroup/${f}`);
      const r = ok(await env.runContainer(["--rm", "--cgroupns", "private", ...limits], ["cat", ...files], { timeoutMs: 300_000 }), "podman run with limits");
      const values = r.stdout.trim().split("\n");
      expected(dev.devno).forEach(([file, check], i) => expect({ file, value: values[i], ok: check(values[i] ?? "") }).toMatchObject({ file, ok: true }));
    }, 300_000);

    test("outside: the same limits in the container's cgroup; pause freezes it; rm removes it", async () => {
      const id = name();
      ok(await env.runContainer(["-d", "--name", id, ...limits], ["sleep", "1000"], { timeoutMs: 300_000 }), "podman run -d");
      const pid = await env.inspect(id, "{{.State.Pid}}");
      const lines = readFileSync(`/proc/${pid}/cgroup`, "utf8").trim().split("\n");
      const dirOf = (file: string) => {
        if (V2) return `/sys/fs/cgroup${lines.find((l) => l.startsWith("0::"))!.slice(3)}`;
        const controller = file.split("/")[0]!;
        const path = lines.map((l) => l.split(":")).find((p) => p[1]!.split(",").includes(controller))![2]!;
        return `/sys/fs/cgroup/${controller}${path}`;
      };
      for (const [file, check] of expected(dev.devno)) {
        const path = V2 ? `${dirOf(file)}/${file}` : `${dirOf(file)}/${file.split("/")[1]}`;
        const value = readFileSync(path, "utf8").trim();
        expect({ path, value, ok: check(value) }).toMatchObject({ path, ok: true });
      }
      expect(dirOf("cpu/x")).toContain(env.cgroupParentPath.replace(/\.slice$/, ""));
      if (manager === "systemd") {
        // The runtime's systemd driver: the cgroup is a transient scope systemd knows, with the limits.
        const unit = dirOf("x").split("/").pop()!;
        const show = Bun.spawnSync(["systemctl", "show", "--property=ActiveState", "--property=MemoryMax", "--property=TasksMax", unit]).stdout.toString();
        expect(show.trim().split("\n").sort()).toEqual(["ActiveState=active", `MemoryMax=${64 << 20}`, "TasksMax=10"]);
      }
      ok(await env.podman(["pause", id]), "podman pause");
      const frozen = V2 ? readFileSync(`${dirOf("x")}/cgroup.events`, "utf8").includes("frozen 1") : readFileSync(`${dirOf("freezer/x")}/freezer.state`, "utf8").trim() === "FROZEN";
      expect(frozen).toBe(true);
      ok(await env.podman(["unpause", id]), "podman unpause");
      const cg = V2 ? dirOf("x") : dirOf("memory/x");
      ok(await env.podman(["rm", "--force", "--time", "0", id]), "podman rm");
      expect(existsSync(cg)).toBe(false);
    }, 300_000);
  });
}
