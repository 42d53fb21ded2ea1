/**
 * linux.resources.memory → memory controller writes. v1 semantics follow runc's fs/memory.go
 * (swap is memory+swap in memory.memsw.limit_in_bytes, written before or after the limit so the
 * kernel's "memsw >= limit" check holds at every step); v2 follows fs2/memory.go (swap.max is
 * swap alone, so memory is subtracted: ConvertMemorySwapToCgroupV2Value).
 */
import type { Translation, TranslateContext, CgroupWrite } from "../types.ts";
import type { MemoryResources } from "../../spec-types.ts";
import { invalid, num, requireController, RESOURCES, write } from "./common.ts";

const P = `${RESOURCES}/memory`;
const V1_MAX = 9223372036854771712n; // PAGE_COUNTER_MAX * 4096: what a fresh v1 cgroup reads back

export function memoryWrites(mem: MemoryResources | undefined, ctx: TranslateContext): Translation {
  const warnings: string[] = [];
  if (!mem) return { writes: [], warnings };
  // runc specconv: kernel memory accounting is gone from cgroup v2 and deprecated in v1.
  if (mem.kernel !== undefined || mem.kernelTCP !== undefined) {
    warnings.push("kernel memory settings are ignored and will be removed (config.json /linux/resources/memory/kernel, kernelTCP)");
  }
  const wants =
    !!mem.limit || !!mem.reservation || !!mem.swap || mem.swappiness !== undefined ||
    mem.disableOOMKiller === true || mem.useHierarchy !== undefined;
  if (!wants) return { writes: [], warnings };
  const version = requireController(ctx, "memory", P);
  return { writes: version === 1 ? v1Writes(mem, ctx) : v2Writes(mem, ctx), warnings };
}

function checkUsage(mem: MemoryResources, ctx: TranslateContext, usageFile: string): void {
  // runc CheckMemoryUsage: refuse an update that would set the limit below what is in use.
  if (!ctx.update || !mem.checkBeforeUpdate || !mem.limit || mem.limit < 0) return;
  const usage = ctx.read("memory", usageFile)?.trim();
  if (usage && /^\d+$/.test(usage) && BigInt(usage) > BigInt(num(mem.limit))) {
    throw invalid(`${P}/limit`, `rejecting memory limit ${num(mem.limit)} below current usage ${usage} (checkBeforeUpdate)`);
  }
}

function v1Writes(mem: MemoryResources, ctx: TranslateContext): CgroupWrite[] {
  checkUsage(mem, ctx, "memory.usage_in_bytes");
  const limit = mem.limit ?? 0;
  let swap = mem.swap ?? 0;
  const swapFile = "memory.memsw.limit_in_bytes";
  const hasSwap = ctx.hasFile("memory", swapFile);
  // runc: unlimited memory without an explicit swap means unlimited swap too.
  if (limit === -1 && swap === 0 && hasSwap) swap = -1;
  if (swap !== 0 && swap !== -1 && !hasSwap) {
    throw invalid(`${P}/swap`, `cannot set swap limit: the kernel has no swap accounting (${swapFile} is missing)`);
  }
  const limitW = limit !== 0 ? [write("memory", "memory.limit_in_bytes", num(limit), "memory limit", `${P}/limit`)] : [];
  const swapW = swap !== 0 && hasSwap ? [write("memory", swapFile, num(swap), "memory+swap limit", `${P}/swap`)] : [];
  let ordered = [...limitW, ...swapW];
  if (limit !== 0 && swap !== 0) {
    // Raising: memsw must grow first; lowering: the limit must shrink first (runc setMemoryAndSwap).
    const current = ctx.read("memory", "memory.limit_in_bytes")?.trim();
    const cur = current && /^\d+$/.test(current) ? BigInt(current) : V1_MAX;
    if (swap === -1 || cur < BigInt(num(swap))) ordered = [...swapW, ...limitW];
  }
  const out = ordered;
  if (mem.reservation) {
    out.push(write("memory", "memory.soft_limit_in_bytes", num(mem.reservation), "memory reservation", `${P}/reservation`));
  }
  if (mem.disableOOMKiller === true) {
    out.push(write("memory", "memory.oom_control", "1", "OOM killer setting", `${P}/disableOOMKiller`));
  }
  if (mem.swappiness !== undefined) {
    if (mem.swappiness < 0 || mem.swappiness > 100) {
      throw invalid(`${P}/swappiness`, `invalid memory swappiness ${mem.swappiness}: the valid range is 0-100`);
    }
    out.push(write("memory", "memory.swappiness", num(mem.swappiness), "memory swappiness", `${P}/swappiness`));
  }
  if (mem.useHierarchy !== undefined) {
    out.push(write("memory", "memory.use_hierarchy", mem.useHierarchy ? "1" : "0", "memory hierarchy accounting", `${P}/useHierarchy`));
  }
  return out;
}

/** fs2 numToStr: 0 = unset, -1 = "max". */
function v2Value(n: number): string {
  return n === 0 ? "" : n === -1 ? "max" : num(n);
}

/** runc ConvertMemorySwapToCgroupV2Value: OCI swap is memory+swap, memory.swap.max is swap alone. */
export function swapToV2(swap: number, memory: number): number {
  if (memory === -1 && swap === 0) return -1;
  if (swap === -1 || swap === 0) return swap;
  if (memory === -1) return swap;
  if (memory === 0) throw invalid(`${P}/swap`, "unable to set swap limit without memory limit");
  if (memory < 0) throw invalid(`${P}/limit`, `invalid memory value: ${memory}`);
  if (swap < memory) throw invalid(`${P}/swap`, "memory+swap limit should be >= memory limit");
  return swap - memory;
}

function v2Writes(mem: MemoryResources, ctx: TranslateContext): CgroupWrite[] {
  if (mem.swappiness !== undefined) {
    throw invalid(`${P}/swappiness`, "memory swappiness is not supported by cgroup v2 (there is no memory.swappiness file)");
  }
  if (mem.disableOOMKiller === true) {
    throw invalid(`${P}/disableOOMKiller`, "disabling the OOM killer is not supported by cgroup v2");
  }
  if (mem.useHierarchy === false) {
    throw invalid(`${P}/useHierarchy`, "cgroup v2 memory accounting is always hierarchical");
  }
  checkUsage(mem, ctx, "memory.current");
  const limit = mem.limit ?? 0;
  const swap = swapToV2(mem.swap ?? 0, limit);
  let swapStr = v2Value(swap);
  if (swapStr === "" && swap === 0 && (mem.swap ?? 0) > 0) swapStr = "0"; // swap == limit: no swap at all
  const out: CgroupWrite[] = [];
  if (swapStr !== "") {
    const has = ctx.hasFile("memory", "memory.swap.max");
    // fs2: without swap accounting, "max" and "0" are what the host already does.
    if (has) out.push(write("memory", "memory.swap.max", swapStr, "swap limit", `${P}/swap`));
    else if (swapStr !== "max" && swapStr !== "0") {
      throw invalid(`${P}/swap`, "cannot set swap limit: the kernel has no swap accounting (memory.swap.max is missing)");
    }
  }
  const max = v2Value(limit);
  if (max) out.push(write("memory", "memory.max", max, "memory limit", `${P}/limit`));
  const low = v2Value(mem.reservation ?? 0);
  if (low) out.push(write("memory", "memory.low", low, "memory reservation", `${P}/reservation`));
  return out;
}
