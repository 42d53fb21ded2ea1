/**
 * A compiled plan as text for people: each stage, and within it each config entry (origin) with
 * its pointer into config.json, followed by the raw steps the helper will execute.
 */
import { SECTIONS, type SectionName } from "./opcodes.ts";
import type { CompiledPlan } from "./builder.ts";
import type { PlanArg } from "./steps.ts";

const SECTION_TITLES: Record<SectionName, string> = {
  host: "host: stage0, in the runtime's namespaces, before the fork",
  parent: "parent: stage0, acting on stage1",
  child: "child: stage1, entering the namespaces",
  init: "init: the container's first process, until execve",
};

function formatArg(a: PlanArg): string {
  if (typeof a === "string") return JSON.stringify(a);
  if (typeof a === "bigint") return `0x${a.toString(16)}`;
  if (typeof a === "number") return String(a);
  if (a instanceof Uint8Array) return `<${a.length} bytes>`;
  return JSON.stringify(a, (_, v) => (typeof v === "bigint" ? `0x${v.toString(16)}` : v));
}

export function explainPlan(compiled: CompiledPlan, configFile: string): string {
  const out: string[] = [];
  for (const section of SECTIONS) {
    const steps = compiled.plan[section];
    if (steps.length === 0) continue;
    out.push(SECTION_TITLES[section]);
    let last = -1;
    for (const st of steps) {
      if (st.origin !== last) {
        const o = compiled.origins[st.origin]!;
        out.push(`  ${o.description}${o.pointer ? `   [${configFile} ${o.pointer}]` : "   [runtime]"}`);
        last = st.origin;
      }
      out.push(`      ${st.op}${st.args.length ? " " + st.args.map(formatArg).join(" ") : ""}`);
    }
  }
  for (const w of compiled.warnings) out.push(`warning: ${w}`);
  for (const n of compiled.notes) out.push(`note: ${n}`);
  return out.join("\n") + "\n";
}
