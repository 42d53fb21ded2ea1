/**
 * delete: linux.netDevices go back to the runtime's network namespace under their host names
 * (runc netnsDettach), while the container's namespace still exists: a running container being
 * force-deleted, or a joined namespace that outlives it. Once a namespace of the container's own
 * is gone the kernel has already acted (physical devices return to the initial namespace, virtual
 * ones such as veth or dummy are destroyed). Failures are warnings: delete goes on.
 */
import { existsSync } from "node:fs";
import { netDevicePairs } from "../linux/net-devices.ts";
import { PlanBuilder } from "../plan/builder.ts";
import { encodePlan } from "../plan/encode.ts";
import { spawnHelper } from "../process/helper.ts";
import type { ContainerRecord } from "../state.ts";

export async function returnNetDevices(rec: ContainerRecord, initAlive: boolean, warn: (m: string) => void): Promise<void> {
  const linux = rec.config.linux ?? {};
  let pairs: Array<[string, string]>;
  try {
    pairs = netDevicePairs(linux);
  } catch {
    return; // create refused this config, so nothing was moved
  }
  if (pairs.length === 0) return;
  const joined = (linux.namespaces ?? []).find((n) => n.type === "network")?.path;
  const netns = joined ?? (initAlive ? `/proc/${rec.pid}/ns/net` : undefined);
  if (!netns || !existsSync(netns)) return;
  const b = new PlanBuilder();
  b.emit("host", "RETURN_NET_DEVICES", [netns, pairs.map((p) => p[1]), pairs.map((p) => p[0])], "move network devices back", "/linux/netDevices");
  const session = spawnHelper({ stdio: ["ignore", "ignore", "ignore"], preserveFds: 0 });
  session.send(encodePlan(b.plan));
  for (let msg = session.next(); msg.kind !== "eof"; msg = session.next()) {
    if (msg.kind === "error") warn(`moving network devices back from ${netns} (config.json /linux/netDevices): ${msg.message}`);
  }
  await session.proc.exited;
}
