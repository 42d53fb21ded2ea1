/** What the plan tests compile: the default config (no seccomp, no terminal) and host facts with no host behind them. */
import type { CreateFacts } from "../../../../../runtime/lib/plan/compile.ts";
import { defaultSpec } from "../../../../../runtime/lib/default-spec.ts";
import type { Spec } from "../../../../../runtime/lib/spec-types.ts";
import type { CompiledPlan } from "../../../../../runtime/lib/plan/builder.ts";

export function planFacts(over: Partial<CreateFacts> = {}): CreateFacts {
  return {
    bundle: "/b",
    rootfs: "/b/rootfs",
    execFifo: "/run/x/c1/exec.fifo",
    cgroupProcs: [],
    resctrlTasks: [],
    noPivot: false,
    preserveFds: 0,
    foreground: false,
    sourceKind: () => "dir",
    cgroupLayout: { unified: false, v1: [], hybridUnified: false },
    ...over,
  };
}

export function planSpec(mut: (s: Spec) => void = () => {}): Spec {
  const s = defaultSpec();
  delete s.linux!.seccomp;
  s.process!.terminal = false;
  mut(s);
  return s;
}

export const ops = (c: CompiledPlan, section: keyof CompiledPlan["plan"]) => c.plan[section].map((s) => s.op);
