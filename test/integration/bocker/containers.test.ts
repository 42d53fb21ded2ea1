/**
 * Beyond the original: containers talking over the bridge, published ports reached on the host's
 * loopback, volumes, detached runs with stop / logs -f / exec / --name, concurrent first runs,
 * and what is left after rm or after a run that fails half-way (nothing).
 */
import { afterEach, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { taggedRules } from "../../../bocker/network/iptables.ts";
import { Cleanup } from "../../../common/cleanup.ts";
import { describeRoot } from "../../fixtures/root.ts";
import { containerIds, startBocker, TEST_BRIDGE, type Bocker } from "./bocker-fixture.ts";
import { freePort } from "./network-fixture.ts";

const TIMEOUT = 60_000;
const cleanup = new Cleanup();
afterEach(() => cleanup.run());

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanup.add(`remove ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const hostHas = (argv: string[], name: string) => Bun.spawnSync(argv).stdout.toString().split(/\s/).some((w) => w === name || w.startsWith(`${name}@`));
const linkExists = (name: string) => hostHas(["ip", "-o", "link", "show"], name);
const netnsExists = (name: string) => hostHas(["ip", "netns", "list"], name);
const netnsNames = () => Bun.spawnSync(["ip", "netns", "list"]).stdout.toString().split("\n").map((l) => l.split(" ")[0]!).filter((n) => n.startsWith("netns_ps_"));

/** `run -d` and its id (the one line it prints). */
async function detached(b: Bocker, args: string[]): Promise<string> {
  const out = await b.ok(["run", "-d", ...args]);
  expect(out).toMatch(/^ps_\d{5}\n$/);
  return out.trim();
}

async function ipOf(b: Bocker, id: string): Promise<string> {
  const out = await b.ok(["exec", id, "ip", "-4", "-o", "addr", "show", "eth0"]);
  return /inet (\d+\.\d+\.\d+\.\d+)\//.exec(out)![1]!;
}

/** Polls until `url` answers (httpd in a just-started container needs a moment). */
async function fetchText(url: string): Promise<string> {
  for (let i = 0; ; i++) {
    try {
      return await (await fetch(url)).text();
    } catch (err) {
      if (i >= 50) throw err;
      await Bun.sleep(100);
    }
  }
}

describeRoot("bocker containers: network, ports, volumes, detached runs", () => {
  test("two containers talk over the bridge (busybox httpd + wget)", async () => {
    const b = startBocker(cleanup);
    const img = await b.busyboxImage({ "www/index.html": "served from a container\n" });
    const web = await detached(b, ["--name", "web", img, "httpd", "-f", "-p", "80", "-h", "/www"]);
    const ip = await ipOf(b, "web"); // by name
    expect(ip).toMatch(/^10\.88\.0\.\d+$/);
    await fetchText(`http://${ip}/`); // the host reaches it over the bridge too
    expect(await b.ok(["run", img, "wget", "-q", "-O", "-", `http://${ip}/`])).toBe("served from a container\n");
    // The client container also reaches the host's end of the bridge.
    expect(await b.ok(["run", img, "sh", "-c", "ip route | grep default"])).toContain("default via 10.88.0.1 dev eth0");
    expect(await containerIds(b)).toContain(web);
  }, TIMEOUT);

  test("a published port answers on 127.0.0.1 and goes away with the container", async () => {
    const b = startBocker(cleanup);
    const img = await b.busyboxImage({ "www/index.html": "published\n" });
    const port = freePort();
    const id = await detached(b, ["-p", `${port}:8080`, img, "httpd", "-f", "-p", "8080", "-h", "/www"]);
    expect(await fetchText(`http://127.0.0.1:${port}/`)).toBe("published\n");
    // A second container cannot take the same host port; its run leaves nothing behind.
    const clash = await b.run(["run", "-d", "-p", `${port}:80`, img, "true"]);
    expect(clash.code).toBe(1);
    expect(clash.stderr).toContain(`host port ${port}/tcp is already published by ${id}`);
    expect(await containerIds(b)).toEqual([id]);
    await b.ok(["rm", id]);
    expect(taggedRules(`bocker:${TEST_BRIDGE}:${id}`)).toEqual([]);
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
  }, TIMEOUT);

  test("volumes: a host directory written inside is read on the host; :ro refuses writes; named volumes persist", async () => {
    const b = startBocker(cleanup);
    const img = await b.busyboxImage();
    const host = tempDir("bocker-volume-");
    writeFileSync(join(host, "from-host"), "host says hi\n");
    expect(await b.ok(["run", "-v", `${host}:/data`, img, "sh", "-c", "cat /data/from-host; echo written inside > /data/from-container"])).toBe("host says hi\n");
    expect(readFileSync(join(host, "from-container"), "utf8")).toBe("written inside\n");

    const ro = await b.run(["run", "-v", `${host}:/data:ro`, img, "sh", "-c", "echo x > /data/nope"]);
    expect(ro.code).not.toBe(0);
    expect(ro.stdout).toContain("Read-only file system");
    expect(existsSync(join(host, "nope"))).toBe(false);

    await b.ok(["run", "-v", "cache:/cache", img, "sh", "-c", "echo kept > /cache/f"]);
    for (const id of await containerIds(b)) await b.ok(["rm", id]);
    expect(await b.ok(["run", "-v", "cache:/cache", img, "cat", "/cache/f"])).toBe("kept\n");
    expect(readFileSync(join(b.root, "volumes", "cache", "f"), "utf8")).toBe("kept\n");
  }, TIMEOUT);

  test("run -d, logs -f, exec, stop", async () => {
    const b = startBocker(cleanup);
    const img = await b.busyboxImage();
    const id = await detached(b, [img, "sh", "-c", "echo one; sleep 1; echo two"]);
    expect(await b.ok(["logs", "-f", id])).toBe("one\ntwo\n"); // returns when the container ends
    expect(await b.ok(["logs", id])).toBe("one\ntwo\n");

    // As pid 1 of its namespace, sh only dies of SIGTERM if it handles it (hence the trap).
    const loop = "trap 'exit 0' TERM; while :; do sleep 0.1; done";
    const sleeper = await detached(b, ["--name", "sleeper", img, "sh", "-c", loop]);
    expect(await b.ok(["exec", "sleeper", "sh", "-c", "echo $((6 * 7))"])).toBe("42\n");
    expect((await b.run(["exec", sleeper, "sh", "-c", "exit 5"])).code).toBe(5);
    expect((await b.run(["run", "-d", "--name", "sleeper", img, "true"])).stderr).toBe("The container name 'sleeper' is already in use\n");
    const started = Date.now();
    expect(await b.ok(["stop", "sleeper"])).toBe(`${sleeper}\n`);
    expect(Date.now() - started).toBeLessThan(9_000); // SIGTERM did it, not the SIGKILL after 10 s
    expect((await b.run(["exec", sleeper, "true"])).stderr).toBe(`Container '${sleeper}' exists but is not running\n`);
    expect(netnsExists(`netns_${sleeper}`)).toBe(false);
    expect(await b.ok(["ps"])).toContain(`${sleeper}\t\tsh -c ${loop}\n`); // stopped ones are listed too
  }, TIMEOUT);

  test("concurrent first runs share one bridge and get distinct ids and addresses", async () => {
    const b = startBocker(cleanup);
    const img = await b.busyboxImage();
    const outs = await Promise.all([1, 2, 3, 4].map(() => b.ok(["run", img, "sh", "-c", "ip -4 -o addr show eth0"])));
    const ips = outs.map((o) => /inet (\S+)\//.exec(o)![1]);
    expect(new Set(ips).size).toBe(4);
    expect(new Set(await containerIds(b)).size).toBe(4);
    expect(taggedRules(`bocker:${TEST_BRIDGE}`).length).toBe(4); // the bridge's rules, once each
  }, TIMEOUT);

  test("rm leaves nothing: no netns, veth, rules, cgroups, mounts or records", async () => {
    const b = startBocker(cleanup);
    const img = await b.busyboxImage();
    const id = await detached(b, ["-p", `${freePort()}:80`, img, "sleep", "1000"]);
    expect(netnsExists(`netns_${id}`)).toBe(true);
    expect(linkExists(`veth0_${id}`)).toBe(true);
    const memoryCgroup = existsSync("/sys/fs/cgroup/cgroup.controllers") ? `/sys/fs/cgroup/${id}` : `/sys/fs/cgroup/memory/${id}`; // pure v2 or v1
    expect(existsSync(memoryCgroup)).toBe(true);
    await b.ok(["rm", id]);
    expect(netnsExists(`netns_${id}`)).toBe(false);
    expect(linkExists(`veth0_${id}`)).toBe(false);
    expect(taggedRules(`bocker:${TEST_BRIDGE}:${id}`)).toEqual([]);
    expect(existsSync(memoryCgroup)).toBe(false);
    expect(readFileSync("/proc/self/mountinfo", "utf8")).not.toContain(b.root);
    expect(existsSync(join(b.root, "containers", id))).toBe(false);
    const leases = join(b.root, "network", TEST_BRIDGE, "leases");
    expect(readdirSync(leases).map((ip) => readFileSync(join(leases, ip), "utf8").trim())).not.toContain(id);
  }, TIMEOUT);

  test("a run that fails half-way leaves nothing behind", async () => {
    const b = startBocker(cleanup);
    const img = await b.busyboxImage();
    // Fails in the runtime (no such executable): a foreground run exits non-zero (with the
    // runtime's message, which goes to the log like the container's own stderr), and its network
    // goes as it stops.
    const r = await b.run(["run", img, "/no/such/command"]);
    expect(r.code).not.toBe(0);
    const [id] = await containerIds(b);
    expect(netnsExists(`netns_${id}`)).toBe(false);
    // Fails after the network is up (the image's blobs are gone, so the bundle cannot be made):
    // the container, its namespace, veth, port rules and address lease are all undone.
    rmSync(join(b.root, "content", "blobs"), { recursive: true });
    const before = netnsNames();
    const d = await b.run(["run", "-d", "-p", `${freePort()}:80`, img, "true"]);
    expect(d.code).toBe(1);
    expect(d.stderr).toContain("bocker-imagetool");
    expect(await containerIds(b)).toEqual([id!]);
    expect(taggedRules(`bocker:${TEST_BRIDGE}`).filter((r) => r.words.join(" ").includes("DNAT"))).toEqual([]);
    expect(Bun.spawnSync(["ip", "-o", "link", "show", "master", TEST_BRIDGE]).stdout.toString()).toBe("");
    // Other test files (other bridges) may run containers meanwhile: only a new namespace whose
    // veth is not on another bridge can be this run's.
    const bridgeOf = (ns: string) => /master (\S+)/.exec(Bun.spawnSync(["ip", "-o", "link", "show", ns.replace("netns_", "veth0_")]).stdout.toString())?.[1] ?? TEST_BRIDGE;
    expect(netnsNames().filter((ns) => !before.includes(ns) && bridgeOf(ns) === TEST_BRIDGE)).toEqual([]);
    const leases = join(b.root, "network", TEST_BRIDGE, "leases");
    expect(readdirSync(leases).length).toBe(1); // only the stopped container's
    // Bad input is refused before anything is made.
    expect((await b.run(["run", "-v", "relative/dir:/x", img, "true"])).stderr).toContain("neither an absolute path nor a volume name");
    expect((await b.run(["run", "-p", "99999:80", img, "true"])).stderr).toContain("'99999' is not a port");
    expect(await containerIds(b)).toEqual([id!]);
  }, TIMEOUT);
});
