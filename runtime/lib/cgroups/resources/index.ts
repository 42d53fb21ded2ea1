/**
 * linux.resources → the ordered list of cgroup file writes, pure. The order follows runc's fs
 * subsystem list (cpuset, devices, memory, cpu, pids, blkio, hugetlb, net_cls, net_prio, rdma) and
 * puts the raw `unified` map last so it can override what was translated.
 */
import type { Translation, TranslateContext } from "../types.ts";
import type { LinuxResources } from "../../spec-types.ts";
import { blkioWrites } from "./blkio.ts";
import { cpuWrites } from "./cpu.ts";
import { cpusetWrites } from "./cpuset.ts";
import { devicesWrites } from "./devices.ts";
import { hugetlbWrites } from "./hugetlb.ts";
import { memoryWrites } from "./memory.ts";
import { networkWrites } from "./network.ts";
import { pidsWrites } from "./pids.ts";
import { rdmaWrites } from "./rdma.ts";
import { unifiedWrites } from "./unified.ts";

export interface TranslateOptions {
  /** Device rules are always applied on create (runc's defaults confine even an empty list); on update only when given. */
  devices: boolean;
}

export function resourceWrites(r: LinuxResources, ctx: TranslateContext, opts: TranslateOptions): Translation {
  const memory = memoryWrites(r.memory, ctx);
  const writes = [
    ...cpusetWrites(r.cpu, ctx),
    ...(opts.devices ? devicesWrites(r.devices, ctx) : []),
    ...memory.writes,
    ...cpuWrites(r.cpu, ctx),
    ...pidsWrites(r.pids, ctx),
    ...blkioWrites(r.blockIO, ctx),
    ...hugetlbWrites(r.hugepageLimits, ctx),
    ...networkWrites(r.network, ctx),
    ...rdmaWrites(r.rdma, ctx),
    ...unifiedWrites(r.unified, ctx),
  ];
  return { writes, warnings: memory.warnings };
}
