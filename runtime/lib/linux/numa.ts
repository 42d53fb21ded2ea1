/**
 * Where the process runs and allocates: runtime-spec 1.3 `linux.memoryPolicy` (set_mempolicy(2),
 * inherited across execve; runc setupMemoryPolicy) and `process.execCPUAffinity`
 * (sched_setaffinity(2): `initial` before the process joins the container's cgroup, `final` just
 * before execve; runc 1.2). config.md: execCPUAffinity "is not applicable to the container's init
 * process", so only `exec` applies it.
 */
import { RuntimeError } from "../errors.ts";
import type { PlanBuilder } from "../plan/builder.ts";
import type { Linux, Process } from "../spec-types.ts";

const MPOL_MODES: Record<string, number> = {
  MPOL_DEFAULT: 0, MPOL_PREFERRED: 1, MPOL_BIND: 2, MPOL_INTERLEAVE: 3, MPOL_LOCAL: 4, MPOL_PREFERRED_MANY: 5, MPOL_WEIGHTED_INTERLEAVE: 6,
};
const MPOL_FLAGS: Record<string, number> = { MPOL_F_NUMA_BALANCING: 1 << 13, MPOL_F_RELATIVE_NODES: 1 << 14, MPOL_F_STATIC_NODES: 1 << 15 };
/** The helper's node mask and CPU set sizes (numa.c). */
const MAX_NODES = 1024;
const MAX_CPUS = 8192;

function invalid(pointer: string, message: string): RuntimeError {
  return new RuntimeError("CONFIG_INVALID", `config.json ${pointer}: ${message}`, { pointer });
}

/** A cpuset-style list ("0-3, 7"): sorted, unique numbers below `limit`. */
export function parseIdList(text: string, limit: number, pointer: string): number[] {
  const ids = new Set<number>();
  for (const part of text.split(",").map((p) => p.trim())) {
    if (part === "") continue;
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    const lo = Number(m?.[1]);
    const hi = m?.[2] === undefined ? lo : Number(m[2]);
    if (!m || hi < lo || hi >= limit) throw invalid(pointer, `${JSON.stringify(part)} is not a number or range below ${limit} (expected e.g. "0-3,7")`);
    for (let id = lo; id <= hi; id++) ids.add(id);
  }
  return [...ids].sort((a, b) => a - b);
}

/** runc validate: DEFAULT and LOCAL take no nodes, PREFERRED may have none (= local), the rest need some. */
export function memoryPolicySteps(b: PlanBuilder, policy: Linux["memoryPolicy"]): void {
  if (!policy) return;
  const p = "/linux/memoryPolicy";
  const mode = policy.mode === undefined ? undefined : MPOL_MODES[policy.mode];
  if (mode === undefined) throw invalid(`${p}/mode`, `expected one of ${Object.keys(MPOL_MODES).join(", ")}, got ${JSON.stringify(policy.mode)}`);
  let flags = 0;
  for (const [i, f] of (policy.flags ?? []).entries()) {
    const bit = MPOL_FLAGS[f];
    if (bit === undefined) throw invalid(`${p}/flags/${i}`, `unknown flag ${JSON.stringify(f)}`);
    flags |= bit;
  }
  const nodes = parseIdList(policy.nodes ?? "", MAX_NODES, `${p}/nodes`);
  const noNodes = policy.mode === "MPOL_DEFAULT" || policy.mode === "MPOL_LOCAL";
  if (noNodes && nodes.length > 0) throw invalid(`${p}/nodes`, `${policy.mode} takes no nodes`);
  if (!noNodes && policy.mode !== "MPOL_PREFERRED" && nodes.length === 0) throw invalid(`${p}/nodes`, `${policy.mode} needs at least one node`);
  if (noNodes && flags !== 0) throw invalid(`${p}/flags`, `${policy.mode} takes no flags`);
  b.emit("init", "SET_MEMPOLICY", [mode, flags, nodes], `memory policy ${policy.mode}${nodes.length ? ` nodes ${policy.nodes}` : ""}${policy.flags?.length ? ` ${policy.flags.join("|")}` : ""}`, p);
}

/** exec only: `initial` in HOST (every stage inherits it before CGROUP_ENTER), `final` in INIT. */
export function execAffinitySteps(b: PlanBuilder, proc: Process, base: string): void {
  const affinity = proc.execCPUAffinity;
  if (!affinity) return;
  const p = `${base}/process/execCPUAffinity`;
  for (const [which, section] of [["initial", "host"], ["final", "init"]] as const) {
    const text = affinity[which];
    if (text === undefined) continue;
    const cpus = parseIdList(text, MAX_CPUS, `${p}/${which}`);
    if (cpus.length === 0) throw invalid(`${p}/${which}`, "names no CPU");
    b.emit(section, "SCHED_AFFINITY", [cpus], `${which} CPU affinity ${text}`, `${p}/${which}`);
  }
}
