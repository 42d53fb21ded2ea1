/**
 * After `run`: start, stop -t, kill -s, wait, restart policies kept by the container's monitor,
 * and that stop and rm end the monitor and leave nothing. Own bridge and subnet (bkl0,
 * 10.91.0.0/24), shared with logs.test.ts and stats.test.ts, never with the other bocker files.
 */
import { afterEach, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Cleanup } from "../../../common/cleanup.ts";
import { describeRoot } from "../../fixtures/root.ts";
import { containerIds, startBocker, type Bocker } from "./bocker-fixture.ts";
import { LIFECYCLE_NET, monitorsOf, until } from "./lifecycle-fixture.ts";

const TIMEOUT = 90_000;
const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const netnsExists = (id: string) => Bun.spawnSync(["ip", "netns", "list"]).stdout.toString().includes(`netns_${id} `);

async function detached(b: Bocker, args: string[]): Promise<string> {
  const out = await b.ok(["run", "-d", ...args]);
  expect(out).toMatch(/^ps_\d{5}\n$/);
  return out.trim();
}

async function inspect(b: Bocker, id: string): Promise<any> {
  return JSON.parse(await b.ok(["inspect", id]))[0];
}

// pid 1 of its namespace, sh dies of SIGTERM only if it handles it: this one exits 7.
const COUNTER = "n=$(( $(cat /n 2>/dev/null || echo 0) + 1 )); echo $n > /n; echo run $n; trap 'exit 7' TERM; while :; do sleep 0.1; done";

describeRoot("bocker start, stop, kill, wait and --restart", () => {
  test("start runs a stopped container again with its files; stop -t, kill -s and wait give exit codes", async () => {
    const b = startBocker(cleanup, undefined, LIFECYCLE_NET);
    const img = await b.busyboxImage();
    const id = await detached(b, ["--name", "counter", img, "sh", "-c", COUNTER]);
    expect(monitorsOf(b.root).length).toBe(1); // `bocker monitor ps_N`, as the host's ps shows it
    const ip = (await inspect(b, id)).NetworkSettings.IPAddress;
    expect(ip).toMatch(/^10\.91\.0\.\d+$/);

    expect(await b.ok(["stop", "counter"])).toBe(`${id}\n`);
    expect(await b.ok(["wait", id])).toBe("7\n");
    expect(monitorsOf(b.root)).toEqual([]);
    expect(netnsExists(id)).toBe(false);
    expect((await inspect(b, id)).State).toMatchObject({ Status: "exited", Running: false, ExitCode: 7 });

    expect(await b.ok(["start", "counter"])).toBe(`${id}\n`);
    expect(await b.ok(["exec", id, "cat", "/n"])).toBe("2\n"); // the same filesystem, changed by run 1
    const again = await inspect(b, id);
    expect(again.State).toMatchObject({ Status: "running", Running: true });
    expect(again.NetworkSettings.IPAddress).toBe(ip); // the address its /etc/hosts names

    // wait blocks until the run ends; kill -s TERM ends it with the trap's status.
    const waiting = b.run(["wait", id]);
    await Bun.sleep(300);
    expect(await b.ok(["kill", "-s", "TERM", id])).toBe(`${id}\n`);
    expect((await waiting).stdout).toBe("7\n");

    await b.ok(["start", id]);
    await b.ok(["kill", id]); // SIGKILL by default: 128 + 9
    expect(await b.ok(["wait", id])).toBe("137\n");
    expect(await b.ok(["logs", id])).toBe("run 1\nrun 2\nrun 3\n");
    expect((await b.run(["kill", id])).stderr).toBe(`Container '${id}' exists but is not running\n`);
    expect((await b.run(["start", "nope"])).stderr).toBe("No container named 'nope' exists\n");
    expect((await b.run(["kill", "-s", "NOSUCH", id])).code).toBe(1);
  }, TIMEOUT);

  test("a foreground run owns its container: stop from elsewhere ends it, run exits with its status, wait prints it", async () => {
    const b = startBocker(cleanup, undefined, LIFECYCLE_NET);
    const img = await b.busyboxImage();
    const fg = b.run(["run", img, "sh", "-c", "trap 'exit 5' TERM; echo ready; while :; do sleep 0.1; done"]);
    let id = "";
    await until(async () => {
      id = (await b.ok(["ps"])).split("\n")[1]?.split("\t")[0] ?? "";
      return id !== "" && (await b.run(["logs", id])).stdout === "ready\n";
    }, 20_000);
    expect(monitorsOf(b.root)).toEqual([]); // no monitor: the foreground bocker is the owner
    expect(await b.ok(["stop", id])).toBe(`${id}\n`);
    expect(await fg).toMatchObject({ code: 5, stdout: "ready\n" });
    expect(await b.ok(["wait", id])).toBe("5\n");
    expect(netnsExists(id)).toBe(false);
  }, TIMEOUT);

  test("stop -t N: SIGKILL after N seconds for a container that ignores SIGTERM", async () => {
    const b = startBocker(cleanup, undefined, LIFECYCLE_NET);
    const img = await b.busyboxImage();
    const id = await detached(b, [img, "sleep", "1000"]); // pid 1 without a handler: SIGTERM does nothing
    const began = Date.now();
    await b.ok(["stop", "-t", "1", id]);
    const took = Date.now() - began;
    expect(took).toBeGreaterThanOrEqual(1_000);
    expect(took).toBeLessThan(8_000);
    expect(await b.ok(["wait", id])).toBe("137\n");
    expect((await b.run(["stop", "-t", "soon", id])).stderr).toBe("stop -t soon: expected a whole number of seconds\n");
  }, TIMEOUT);

  test("--restart on-failure:2 restarts twice with back-off; always restarts until stop; rm ends the monitor", async () => {
    const b = startBocker(cleanup, undefined, LIFECYCLE_NET);
    const img = await b.busyboxImage();
    const began = Date.now();
    const failing = await detached(b, ["--restart", "on-failure:2", img, "sh", "-c", "echo attempt; exit 3"]);
    await until(() => monitorsOf(b.root).length === 0, 10_000);
    expect(Date.now() - began).toBeGreaterThanOrEqual(300); // 100 ms, then 200 ms
    expect(await b.ok(["logs", failing])).toBe("attempt\nattempt\nattempt\n");
    expect(await inspect(b, failing)).toMatchObject({ RestartCount: 2, State: { ExitCode: 3, Status: "exited" }, HostConfig: { RestartPolicy: { Name: "on-failure", MaximumRetryCount: 2 } } });

    const ok = await detached(b, ["--restart", "on-failure", img, "true"]);
    await until(() => monitorsOf(b.root).length === 0, 10_000);
    expect((await inspect(b, ok)).RestartCount).toBe(0); // exit 0 is no failure

    const always = await detached(b, ["--restart", "always", img, "sh", "-c", "echo up; exec sleep 0.2"]);
    await until(async () => (await inspect(b, always)).RestartCount >= 2, 10_000);
    await b.ok(["stop", always]);
    expect(monitorsOf(b.root)).toEqual([]);
    const count = (await inspect(b, always)).RestartCount;
    await Bun.sleep(500);
    expect((await inspect(b, always)).RestartCount).toBe(count); // stopped means stopped
    expect(netnsExists(always)).toBe(false);

    // kill, as docker kill, ends the restarting too (until the next start).
    const killed = await detached(b, ["--restart", "always", img, "sleep", "1000"]);
    await b.ok(["kill", killed]);
    expect(await b.ok(["wait", killed])).toBe("137\n");
    await until(() => monitorsOf(b.root).length === 0, 10_000);
    expect((await inspect(b, killed)).RestartCount).toBe(0);

    // rm of a container that keeps restarting: monitor, container and network all gone.
    const again = await detached(b, ["--restart", "always", img, "sh", "-c", "exit 1"]);
    await until(async () => (await inspect(b, again)).RestartCount >= 1, 10_000);
    await b.ok(["rm", again]);
    expect(monitorsOf(b.root)).toEqual([]);
    expect(netnsExists(again)).toBe(false);
    expect(existsSync(join(b.root, "containers", again))).toBe(false); // its log files with it
    expect(existsSync(`/sys/fs/cgroup/memory/${again}`)).toBe(false);
    expect(Bun.spawnSync(["ip", "-o", "link", "show", "master", LIFECYCLE_NET.bridge]).stdout.toString()).toBe("");
  }, TIMEOUT);

  test("a detached run that cannot start leaves nothing, and says why", async () => {
    const b = startBocker(cleanup, undefined, LIFECYCLE_NET);
    const img = await b.busyboxImage();
    const r = await b.run(["run", "-d", "--restart", "always", img, "/no/such/command"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^cannot start ps_\d{5}: .*no\/such\/command/);
    const id = /ps_\d{5}/.exec(r.stderr)![0];
    expect(await containerIds(b)).toEqual([]);
    expect(monitorsOf(b.root)).toEqual([]);
    expect(netnsExists(id)).toBe(false);
    expect(Bun.spawnSync(["ip", "-o", "link", "show", "master", LIFECYCLE_NET.bridge]).stdout.toString()).toBe("");
    expect(readFileSync("/proc/self/mountinfo", "utf8")).not.toContain(b.root);
  }, TIMEOUT);
});
