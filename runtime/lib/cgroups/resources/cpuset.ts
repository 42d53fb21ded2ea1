/**
 * linux.resources.cpu.cpus / .mems → cpuset controller. Same file names on v1 and v2. The kernel
 * validates the lists (a CPU the host lacks is EINVAL) and the manager reports that as an error.
 * Inheriting the parent's lists into new v1 cgroups is the manager's job (cpuset has no default).
 */
import type { CgroupWrite, TranslateContext } from "../types.ts";
import type { CpuResources } from "../../spec-types.ts";
import { requireController, RESOURCES, write } from "./common.ts";

const P = `${RESOURCES}/cpu`;

export function cpusetWrites(cpu: CpuResources | undefined, ctx: TranslateContext): CgroupWrite[] {
  if (!cpu || (!cpu.cpus && !cpu.mems)) return [];
  requireController(ctx, "cpuset", `${P}/${cpu.cpus ? "cpus" : "mems"}`);
  const out: CgroupWrite[] = [];
  if (cpu.cpus) out.push(write("cpuset", "cpuset.cpus", cpu.cpus, "cpuset cpus", `${P}/cpus`));
  if (cpu.mems) out.push(write("cpuset", "cpuset.mems", cpu.mems, "cpuset mems", `${P}/mems`));
  return out;
}
