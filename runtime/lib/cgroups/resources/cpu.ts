/**
 * linux.resources.cpu (scheduler part) → cpu controller writes. v1 follows runc fs/cpu.go
 * (rt period/runtime, shares read back, CFS period/quota/burst with the EINVAL retry, idle);
 * v2 follows fs2/cpu.go (cpu.idle, cpu.weight, cpu.max.burst, cpu.max "quota period").
 * cpus/mems belong to the cpuset controller (cpuset.ts).
 */
import type { CgroupWrite, TranslateContext } from "../types.ts";
import type { CpuResources } from "../../spec-types.ts";
import { invalid, num, requireController, RESOURCES, write } from "./common.ts";

const P = `${RESOURCES}/cpu`;

/**
 * opencontainers/cgroups ConvertCPUSharesToCgroupV2Value (2025 version): a quadratic in log2 space
 * mapping shares [2, 262144] onto weight [1, 10000] with the defaults 1024 → 100 matching.
 */
export function sharesToWeight(shares: number): number {
  if (shares === 0) return 0;
  if (shares <= 2) return 1;
  if (shares >= 262144) return 10000;
  const l = Math.log2(shares);
  const exponent = (l * l + 125 * l) / 612.0 - 7.0 / 34.0;
  return Math.ceil(Math.pow(10, exponent));
}

export function cpuWrites(cpu: CpuResources | undefined, ctx: TranslateContext): CgroupWrite[] {
  if (!cpu) return [];
  const wants =
    !!cpu.shares || !!cpu.quota || !!cpu.period || cpu.burst !== undefined || cpu.idle !== undefined ||
    !!cpu.realtimePeriod || !!cpu.realtimeRuntime;
  if (!wants) return [];
  return requireController(ctx, "cpu", P) === 1 ? v1Writes(cpu) : v2Writes(cpu);
}

function v1Writes(cpu: CpuResources): CgroupWrite[] {
  const out: CgroupWrite[] = [];
  // Real-time budget first: runc sets it in Apply, before any task joins (a SCHED_RR task cannot
  // enter a group with rt_runtime_us 0). Period and runtime constrain each other, hence the retry.
  if (cpu.realtimePeriod) {
    out.push({
      ...write("cpu", "cpu.rt_period_us", num(cpu.realtimePeriod), "cpu realtime period", `${P}/realtimePeriod`),
      retryAfterOnEinval: !!cpu.realtimeRuntime,
    });
  }
  if (cpu.realtimeRuntime) {
    out.push(write("cpu", "cpu.rt_runtime_us", num(cpu.realtimeRuntime), "cpu realtime runtime", `${P}/realtimeRuntime`));
  }
  if (cpu.shares) {
    // The kernel clamps shares to [2, 262144] without an error; runc reads back and fails.
    out.push({ ...write("cpu", "cpu.shares", num(cpu.shares), "cpu shares", `${P}/shares`), verifyReadBack: true });
  }
  if (cpu.period) {
    // A period smaller than the current one can be rejected until the new quota is in place.
    out.push({
      ...write("cpu", "cpu.cfs_period_us", num(cpu.period), "cpu period", `${P}/period`),
      retryAfterOnEinval: !!cpu.quota,
    });
  }
  if (cpu.quota) out.push(write("cpu", "cpu.cfs_quota_us", num(cpu.quota), "cpu quota", `${P}/quota`));
  if (cpu.burst !== undefined) out.push(write("cpu", "cpu.cfs_burst_us", num(cpu.burst), "cpu burst", `${P}/burst`));
  if (cpu.idle !== undefined) out.push(write("cpu", "cpu.idle", num(cpu.idle), "cpu idle", `${P}/idle`));
  return out;
}

function v2Writes(cpu: CpuResources): CgroupWrite[] {
  if (cpu.realtimePeriod || cpu.realtimeRuntime) {
    const field = cpu.realtimePeriod ? "realtimePeriod" : "realtimeRuntime";
    throw invalid(`${P}/${field}`, "real-time cpu limits are not supported by cgroup v2");
  }
  const out: CgroupWrite[] = [];
  if (cpu.idle !== undefined) out.push(write("cpu", "cpu.idle", num(cpu.idle), "cpu idle", `${P}/idle`));
  if (cpu.shares) {
    out.push(write("cpu", "cpu.weight", num(sharesToWeight(cpu.shares)), "cpu weight (from shares)", `${P}/shares`));
  }
  const setsMax = !!cpu.quota || !!cpu.period;
  if (cpu.burst !== undefined) {
    out.push({
      ...write("cpu", "cpu.max.burst", num(cpu.burst), "cpu burst", `${P}/burst`),
      retryAfterOnEinval: setsMax,
    });
  }
  if (setsMax) {
    let value = cpu.quota && cpu.quota > 0 ? num(cpu.quota) : "max";
    if (cpu.period) value += ` ${num(cpu.period)}`;
    out.push(write("cpu", "cpu.max", value, "cpu quota and period", `${P}/${cpu.quota ? "quota" : "period"}`));
  }
  return out;
}
