/**
 * A private bridge and subnet for a test file (never the user's bridge0), and a teardown that
 * removes everything bocker could have made on it: containers' namespaces and veths, the bridge,
 * every iptables rule tagged for it, and ip_forward back to what it was.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { removeBridge } from "../../../bocker/network/bridge.ts";
import type { NetworkConfig } from "../../../bocker/network/index.ts";
import { parseSubnet } from "../../../bocker/network/ipam.ts";
import { unplug } from "../../../bocker/network/veth.ts";
import type { Cleanup } from "../../../common/cleanup.ts";

const IP_FORWARD = "/proc/sys/net/ipv4/ip_forward";

export function testNetwork(cleanup: Cleanup, bridge: string, cidr: string): NetworkConfig {
  const stateDir = mkdtempSync(join(tmpdir(), `bocker-net-${bridge}-`));
  const forward = readFileSync(IP_FORWARD, "utf8");
  const config: NetworkConfig = { bridge, subnet: parseSubnet(cidr, "test subnet"), stateDir };
  cleanup.add(`restore ${IP_FORWARD}`, () => writeFileSync(IP_FORWARD, forward));
  cleanup.add(`remove ${stateDir}`, () => rmSync(stateDir, { recursive: true, force: true }));
  cleanup.add(`remove bridge ${bridge} and its rules`, () => removeBridge(config));
  return config;
}

/** Registers the namespace + veth of container `id` for removal (a no-op when already gone). */
export function unplugLater(cleanup: Cleanup, id: string): void {
  cleanup.add(`unplug ${id}`, () => unplug(id));
}

/** A TCP port nothing listens on right now, for a published port. */
export function freePort(): number {
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = server.port;
  server.stop(true);
  return port;
}
