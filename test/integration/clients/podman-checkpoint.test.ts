/**
 * `podman container checkpoint/restore` with the runtime under test (#13): podman asks the runtime
 * `checkpoint --help`, then conmon drives `<runtime> checkpoint --image-path … --work-path …` and
 * `<runtime> restore --detach --bundle … --pid-file … --image-path …`. podman and the runtime both
 * run criu from PATH: $BOCKER_CRIU's directory goes first. Skipped, saying why, when `criu check` fails
 * (Debian 12's criu 3.17 on kernels >= 6.13, see test/integration/runtime/checkpoint.test.ts).
 * With podman's systemd cgroup manager too where the runtime's systemd driver runs (systemd as PID 1,
 * pure cgroup v2: test/v2/run.sh): restore then starts the container's scope with criu's pid.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { afterAll, beforeAll, expect, test } from "bun:test";
import { describeRoot } from "../../fixtures/root.ts";
import { runtimeUnderTest } from "../../fixtures/clients/runtime.ts";
import { PODMAN, PodmanEnv } from "../../fixtures/clients/podman.ts";
import { ok, pidsMentioning, run } from "../../fixtures/clients/proc.ts";

const CRIU = process.env.BOCKER_CRIU ?? "criu";
const PATH = CRIU.includes("/") ? `${dirname(CRIU)}:${process.env.PATH}` : process.env.PATH!;
const criuCheck = Bun.spawnSync(["criu", "check"], { env: { ...process.env, PATH }, stdout: "pipe", stderr: "pipe" });
const criuWorks = criuCheck.exitCode === 0;
if (!criuWorks) console.warn(`podman checkpoint test skipped: criu check: ${criuCheck.stderr.toString().trim().split("\n").pop()}`);
/** BOCKER_TEST_SLOWDOWN (test/v2/run.sh's emulated VM runs programs 15-30x slower) stretches every deadline. */
const SLOW = Number(process.env.BOCKER_TEST_SLOWDOWN ?? 1);
/** podman's systemd manager needs systemd and its system bus; the runtime's systemd driver, a pure v2 host. */
const SYSTEMD = existsSync("/run/systemd/system") && existsSync("/run/dbus/system_bus_socket") && existsSync("/sys/fs/cgroup/cgroup.controllers");
const MANAGERS = SYSTEMD ? (["cgroupfs", "systemd"] as const) : (["cgroupfs"] as const);

for (const manager of MANAGERS) describeRoot(`podman --cgroup-manager ${manager} container checkpoint/restore --runtime <runtime under test>`, () => {
  let env: PodmanEnv;
  beforeAll(async () => {
    if (criuWorks) env = await PodmanEnv.create(runtimeUnderTest(), manager);
  }, 120_000 * SLOW);
  afterAll(async () => {
    await env?.destroy();
  }, 120_000 * SLOW);

  const podman = (args: string[]) => run([PODMAN, ...env.flags(), ...args], { env: { ...process.env, PATH } as Record<string, string>, timeoutMs: 60_000 * SLOW });

  test.skipIf(!criuWorks)("a counter in the container's rootfs keeps its count across podman checkpoint and restore", async () => {
    const id = `bkck-${process.pid}`;
    try {
      ok(await env.runContainer(["-d", "--name", id], ["sh", "-c", "i=0; while :; do i=$((i+1)); echo $i > /tmp/count; sleep 0.05; done"], { timeoutMs: 60_000 * SLOW }), "podman run -d");
      const read = async () => Number(ok(await podman(["exec", id, "cat", "/tmp/count"]), "podman exec cat").stdout.trim());
      while ((await read()) < 5) await Bun.sleep(50);
      ok(await podman(["container", "checkpoint", id]), "podman container checkpoint");
      expect(await env.inspect(id, "{{.State.Status}}")).toBe("exited");
      expect(await env.inspect(id, "{{.State.Checkpointed}}")).toBe("true");
      ok(await podman(["container", "restore", id]), "podman container restore");
      expect(await env.inspect(id, "{{.State.Status}}")).toBe("running");
      const after = await read();
      // Restored, not restarted: the count did not begin again at 1.
      expect(after).toBeGreaterThanOrEqual(5);
      const pid = Number(await env.inspect(id, "{{.State.Pid}}"));
      const state = JSON.parse(ok(await run([runtimeUnderTest(), "state", ok(await podman(["inspect", "--format", "{{.Id}}", id]), "id").stdout.trim()]), "runtime state").stdout);
      expect(state).toMatchObject({ status: "running", pid });
      if (manager === "systemd") {
        // The restored init is in the runtime's transient scope, which systemd runs.
        const cgroup = readFileSync(`/proc/${pid}/cgroup`, "utf8").trim();
        const scope = cgroup.slice(cgroup.lastIndexOf("/") + 1);
        expect(scope).toEndWith(".scope");
        expect(ok(await run(["systemctl", "show", "-p", "ActiveState", "--value", scope]), "systemctl show").stdout.trim()).toBe("active");
      }
    } finally {
      await podman(["rm", "--force", "--time", "0", "--ignore", id]);
      // conmon runs `podman container cleanup` when the checkpointed init exits, on its own time:
      // let those finish, so destroy() reports only processes that really stayed.
      for (let i = 0; i < 100 && pidsMentioning(env.dir).length > 0; i++) await Bun.sleep(100);
    }
  }, 120_000 * SLOW);
});
