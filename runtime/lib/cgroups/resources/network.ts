/**
 * linux.resources.network → net_cls.classid and net_prio.ifpriomap. Both controllers exist only in
 * cgroup v1; when the host has not mounted them, a config that asks is an error (runc would fail
 * the same way at write time).
 */
import type { CgroupWrite, TranslateContext } from "../types.ts";
import type { LinuxResources } from "../../spec-types.ts";
import { num, requireController, RESOURCES, write } from "./common.ts";

const P = `${RESOURCES}/network`;

export function networkWrites(net: LinuxResources["network"], ctx: TranslateContext): CgroupWrite[] {
  if (!net) return [];
  const out: CgroupWrite[] = [];
  if (net.classID !== undefined) {
    requireController(ctx, "net_cls", `${P}/classID`);
    out.push(write("net_cls", "net_cls.classid", num(net.classID), "network class id", `${P}/classID`));
  }
  (net.priorities ?? []).forEach((p, i) => {
    requireController(ctx, "net_prio", `${P}/priorities/${i}`);
    out.push(write("net_prio", "net_prio.ifpriomap", `${p.name} ${num(p.priority)}`, `network priority of ${p.name}`, `${P}/priorities/${i}`));
  });
  return out;
}
