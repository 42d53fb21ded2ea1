/**
 * The network library on its own, without containers: namespaces stand in for them (busybox
 * httpd and wget run inside with `ip netns exec`). All traffic stays on loopback, the test bridge
 * and the namespaces the test creates.
 */
import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bridgeExists, ensureBridge } from "../../../bocker/network/bridge.ts";
import { connect, disconnect, release } from "../../../bocker/network/index.ts";
import { AddressPool } from "../../../bocker/network/ipam.ts";
import { taggedRules } from "../../../bocker/network/iptables.ts";
import { parsePortMapping } from "../../../bocker/network/ports.ts";
import { hostVethName, netnsName } from "../../../bocker/network/veth.ts";
import { Cleanup } from "../../../common/cleanup.ts";
import { describeRoot } from "../../fixtures/root.ts";
import { HOST_BUSYBOX } from "../../../common/busybox-rootfs.ts";
import { freePort, testNetwork, unplugLater } from "./network-fixture.ts";

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const BRIDGE = "bkn0";
const CIDR = "10.89.0.0/24";

function linkExists(name: string): boolean {
  return Bun.spawnSync(["ip", "link", "show", name], { stderr: "ignore", stdout: "ignore" }).exitCode === 0;
}
function netnsExists(name: string): boolean {
  return Bun.spawnSync(["ip", "netns", "list"]).stdout.toString().split("\n").some((l) => l.split(" ")[0] === name);
}

/** busybox httpd serving `body` as index.html inside the namespace of `id`; killed by cleanup. */
async function serve(id: string, body: string, port = 80): Promise<void> {
  const www = mkdtempSync(join(tmpdir(), "bocker-www-"));
  cleanup.add(`remove ${www}`, () => rmSync(www, { recursive: true, force: true }));
  writeFileSync(join(www, "index.html"), body);
  const httpd = Bun.spawn(["ip", "netns", "exec", netnsName(id), HOST_BUSYBOX, "httpd", "-f", "-p", String(port), "-h", www]);
  cleanup.add(`kill httpd ${httpd.pid}`, async () => {
    httpd.kill("SIGKILL");
    await httpd.exited;
  });
  await Bun.sleep(200);
}

describeRoot("bocker network (namespaces standing in for containers)", () => {
  test("concurrent first uses (processes and calls) create one bridge with each rule once", async () => {
    const net = testNetwork(cleanup, BRIDGE, CIDR);
    const script = `import { ensureBridge } from ${JSON.stringify(join(import.meta.dir, "../../../bocker/network/bridge.ts"))};
      import { parseSubnet } from ${JSON.stringify(join(import.meta.dir, "../../../bocker/network/ipam.ts"))};
      await ensureBridge({ bridge: "${BRIDGE}", subnet: parseSubnet("${CIDR}", "t") });`;
    const procs = [1, 2, 3].map(() => Bun.spawn([process.execPath, "-e", script], { stderr: "pipe" }));
    await Promise.all([ensureBridge(net), ensureBridge(net), ...procs.map((p) => p.exited)]);
    for (const p of procs) expect({ code: p.exitCode, stderr: await new Response(p.stderr).text() }).toEqual({ code: 0, stderr: "" });
    expect(bridgeExists(BRIDGE)).toBe(true);
    const addr = Bun.spawnSync(["ip", "-o", "-4", "addr", "show", BRIDGE]).stdout.toString();
    expect(addr).toContain("inet 10.89.0.1/24");
    const rules = taggedRules(`bocker:${BRIDGE}`).map((r) => r.words.join(" "));
    expect(rules.length).toBe(4);
    expect(new Set(rules).size).toBe(4);
    expect(readFileSync("/proc/sys/net/ipv4/ip_forward", "utf8").trim()).toBe("1");
  });

  test("two namespaces talk over the bridge, and a published port answers on 127.0.0.1", async () => {
    const net = testNetwork(cleanup, BRIDGE, CIDR);
    unplugLater(cleanup, "ps_t1");
    unplugLater(cleanup, "ps_t2");
    const hostPort = freePort();
    const server = await connect(net, "ps_t1", [parsePortMapping(`${hostPort}:80`)]);
    const client = await connect(net, "ps_t2", []);
    expect(server).toEqual({ ip: "10.89.0.2", netnsPath: "/run/netns/netns_ps_t1" });
    expect(client.ip).toBe("10.89.0.3");
    await serve("ps_t1", "hello over the bridge\n");

    // No `wget -T`: Debian's busybox-static 1.35 wget segfaults with it; spawnSync's timeout instead.
    const wget = Bun.spawnSync(["ip", "netns", "exec", netnsName("ps_t2"), HOST_BUSYBOX, "wget", "-q", "-O", "-", `http://${server.ip}/`], { timeout: 10_000 });
    expect(wget.stdout.toString()).toBe("hello over the bridge\n");
    // The host reaches a container over the bridge too.
    expect(await (await fetch(`http://${server.ip}/`)).text()).toBe("hello over the bridge\n");
    // And the published port on loopback.
    expect(await (await fetch(`http://127.0.0.1:${hostPort}/`)).text()).toBe("hello over the bridge\n");

    // A second container may not publish the same host port.
    await expect(connect(net, "ps_t3", [parsePortMapping(`${hostPort}:80`)])).rejects.toThrow(`host port ${hostPort}/tcp is already published by ps_t1`);
    expect(netnsExists(netnsName("ps_t3"))).toBe(false);
    expect(linkExists(hostVethName("ps_t3"))).toBe(false);
  });

  test("disconnect removes namespace, veth and port rules; release frees the address", async () => {
    const net = testNetwork(cleanup, BRIDGE, CIDR);
    unplugLater(cleanup, "ps_t1");
    const first = await connect(net, "ps_t1", [parsePortMapping(`${freePort()}:80/udp`)]);
    expect(taggedRules(`bocker:${BRIDGE}:ps_t1`).length).toBe(3);
    await disconnect(net, "ps_t1");
    expect(netnsExists(netnsName("ps_t1"))).toBe(false);
    expect(linkExists(hostVethName("ps_t1"))).toBe(false);
    expect(taggedRules(`bocker:${BRIDGE}:ps_t1`)).toEqual([]);
    // Still leased until released: the next container gets the next address, then this one.
    unplugLater(cleanup, "ps_t8");
    unplugLater(cleanup, "ps_t9");
    expect((await connect(net, "ps_t8", [])).ip).not.toBe(first.ip);
    release(net, "ps_t1");
    expect((await connect(net, "ps_t9", [])).ip).toBe(first.ip);
    await disconnect(net, "ps_t1"); // twice is fine
  });

  test("a connect that fails half-way leaves nothing behind", async () => {
    const net = testNetwork(cleanup, BRIDGE, CIDR);
    unplugLater(cleanup, "ps_t1");
    // A namespace of that name already exists, so `ip netns add` fails in the middle of connect.
    Bun.spawnSync(["ip", "netns", "add", netnsName("ps_t1")]);
    await expect(connect(net, "ps_t1", [])).rejects.toThrow(/ip netns add netns_ps_t1: exit 1/);
    expect(linkExists(hostVethName("ps_t1"))).toBe(false);
    expect(new AddressPool(join(net.stateDir, BRIDGE, "leases"), net.subnet).leasesOf("ps_t1")).toEqual([]);
  });
});

test("after the network tests nothing of theirs is left on the host", () => {
  expect(linkExists(BRIDGE)).toBe(false);
  expect(taggedRules(`bocker:${BRIDGE}`)).toEqual([]);
});
