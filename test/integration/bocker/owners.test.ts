/**
 * Where the two halves of issue #15 meet: a container's owner (its monitor, or a foreground
 * `bocker run`, with or without -t) and its names in the bridge's DNS, its recorded exit status,
 * and `run -d --rm`. Own bridge and subnet: the lifecycle files' bkl0, 10.91.0.0/24.
 */
import { afterEach, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { dnsDir } from "../../../bocker/network/dns.ts";
import { Cleanup } from "../../../common/cleanup.ts";
import { describeRoot } from "../../fixtures/root.ts";
import { bockerBinary, containerIds, startBocker, type Bocker } from "./bocker-fixture.ts";
import { LIFECYCLE_NET, monitorsOf, until } from "./lifecycle-fixture.ts";

const TIMEOUT = 90_000;
const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const netnsExists = (id: string) => Bun.spawnSync(["ip", "netns", "list"]).stdout.toString().includes(`netns_${id} `);
/** The names the bridge's DNS answers for, as its hosts file lists them. */
function dnsNames(): string[] {
  const hosts = join(dnsDir(LIFECYCLE_NET.bridge), "hosts");
  return existsSync(hosts) ? readFileSync(hosts, "utf8").split(/\s+/).filter((w) => w !== "" && !/^\d/.test(w)) : [];
}

async function state(b: Bocker, id: string): Promise<{ Status: string; ExitCode: number }> {
  return JSON.parse(await b.ok(["inspect", id]))[0].State;
}

// Ends with status 0 on SIGTERM, so stop is quick.
const IDLE = "trap 'exit 0' TERM; while :; do sleep 0.1; done";

describeRoot("bocker: owners, names and exit statuses together", () => {
  test("a named container is found by name again after stop and start; its name leaves the DNS while it is stopped", async () => {
    const b = startBocker(cleanup, undefined, LIFECYCLE_NET);
    const img = await b.busyboxImage();
    const id = (await b.ok(["run", "-d", "--name", "db", img, "sh", "-c", IDLE])).trim();
    expect(dnsNames()).toEqual([id, "db"]);
    await b.ok(["stop", "db"]);
    expect(dnsNames()).toEqual([]);
    expect(await b.ok(["start", "db"])).toBe(`${id}\n`);
    expect(dnsNames()).toEqual([id, "db"]);
    expect(await b.ok(["run", "--rm", img, "ping", "-c1", "-W2", "db"])).toContain("1 packets received");

    // Exiting on its own (its monitor takes the network down) takes the name away too; start brings it back.
    await b.ok(["exec", id, "kill", "-TERM", "1"]);
    expect(await b.ok(["wait", id])).toBe("0\n");
    await until(() => monitorsOf(b.root).length === 0, 10_000);
    expect(dnsNames()).toEqual([]);
    await b.ok(["start", id]);
    expect(await b.ok(["run", "--rm", img, "ping", "-c1", "-W2", "db"])).toContain("1 packets received");
    await b.ok(["rm", id]);
  }, TIMEOUT);

  test("run -d --rm: its monitor removes the container when it exits, or when it is stopped", async () => {
    const b = startBocker(cleanup, undefined, LIFECYCLE_NET);
    const img = await b.busyboxImage();
    const id = (await b.ok(["run", "-d", "--rm", "--name", "brief", img, "sh", "-c", "sleep 0.5; exit 3"])).trim();
    expect(await containerIds(b)).toEqual([id]);
    await until(async () => (await containerIds(b)).length === 0, 20_000);
    await until(() => monitorsOf(b.root).length === 0, 10_000);
    expect(netnsExists(id)).toBe(false);
    expect(existsSync(join(b.root, "containers", id))).toBe(false);
    expect(dnsNames()).toEqual([]);

    const other = (await b.ok(["run", "-d", "--rm", img, "sh", "-c", IDLE])).trim();
    expect(JSON.parse(await b.ok(["inspect", other]))[0].HostConfig.AutoRemove).toBe(true);
    await b.ok(["stop", other]); // returns once its monitor has removed it and ended
    expect(monitorsOf(b.root)).toEqual([]);
    expect(await containerIds(b)).toEqual([]);
    expect(Bun.spawnSync(["ip", "-o", "link", "show", "master", LIFECYCLE_NET.bridge]).stdout.toString()).toBe("");
    expect((await b.run(["run", "-d", "-t", img, "sh"])).stderr).toContain("-d and -t cannot be combined");
  }, TIMEOUT);

  test("a foreground run's exit status is in wait and inspect, with and without -t", async () => {
    const b = startBocker(cleanup, undefined, LIFECYCLE_NET);
    const img = await b.busyboxImage();
    expect(await b.run(["run", img, "sh", "-c", "echo out; exit 4"])).toMatchObject({ code: 4, stdout: "out\n" });
    const [plain] = await containerIds(b);
    expect(await b.ok(["wait", plain!])).toBe("4\n");
    expect(await state(b, plain!)).toMatchObject({ Status: "exited", ExitCode: 4 });
    expect(await b.ok(["logs", plain!])).toBe("out\n");

    // -t needs a terminal: script(1) gives it one.
    const env = Object.entries(b.env).map(([k, v]) => `${k}=${v}`).join(" ");
    const r = Bun.spawnSync(["script", "-qec", `env ${env} ${bockerBinary()} run -t ${img} sh -c 'exit 6'`, "/dev/null"], { stdin: "ignore" });
    expect(r.exitCode).toBe(6);
    const onTerminal = (await containerIds(b)).find((id) => id !== plain)!;
    expect(await b.ok(["wait", onTerminal])).toBe("6\n");
    expect(await state(b, onTerminal)).toMatchObject({ Status: "exited", ExitCode: 6 });
  }, TIMEOUT);
});
