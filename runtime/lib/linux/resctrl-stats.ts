/**
 * `events` intel_rdt statistics for a container in a resctrl group, in runc's shape
 * (types/events.go IntelRdt, filled as libcontainer/intelrdt GetStats and runc events.go do): the
 * hardware's info (L3 CAT, MBA), the root's and the container's schemata lines, and per-domain
 * monitoring counters (mon_data/mon_L3_*) of its monitoring group, or of its CLOS without one.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { ResctrlRecord } from "./resctrl.ts";

const text = (path: string): string | undefined => {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return undefined;
  }
};
const num = (path: string): number | undefined => {
  const t = text(path);
  return t !== undefined && /^\d+$/.test(t) ? Number(t) : undefined;
};

/** The first line for a resource ("L3", "MB") in a schemata file's text. */
export function schemataLine(schemata: string | undefined, resource: string): string | undefined {
  return schemata?.split("\n").map((l) => l.trim()).find((l) => l.startsWith(`${resource}:`));
}

export function resctrlStats(rec: ResctrlRecord, root: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const rootSchemata = text(join(root, "schemata"));
  const own = text(join(rec.closDir, "schemata"));
  const info = join(root, "info");
  if (text(join(info, "L3", "cbm_mask")) !== undefined) {
    out.l3_cache_info = { cbm_mask: text(join(info, "L3", "cbm_mask")), min_cbm_bits: num(join(info, "L3", "min_cbm_bits")), num_closids: num(join(info, "L3", "num_closids")) };
    out.l3_cache_schema_root = schemataLine(rootSchemata, "L3");
    out.l3_cache_schema = schemataLine(own, "L3");
  }
  if (num(join(info, "MB", "num_closids")) !== undefined) {
    out.mem_bw_info = {
      bandwidth_gran: num(join(info, "MB", "bandwidth_gran")),
      delay_linear: num(join(info, "MB", "delay_linear")),
      min_bandwidth: num(join(info, "MB", "min_bandwidth")),
      num_closids: num(join(info, "MB", "num_closids")),
    };
    out.mem_bw_schema_root = schemataLine(rootSchemata, "MB");
    out.mem_bw_schema = schemataLine(own, "MB");
  }
  const features = (text(join(info, "L3_MON", "mon_features")) ?? "").split("\n");
  const monData = join(rec.monDir ?? rec.closDir, "mon_data");
  let domains: string[] = [];
  try {
    domains = readdirSync(monData).filter((d) => d.startsWith("mon_L3_")).sort();
  } catch {
    // No monitoring on this host.
  }
  if (domains.length > 0 && (features.includes("mbm_total_bytes") || features.includes("mbm_local_bytes"))) {
    out.mbm_stats = domains.map((d) => ({ mbm_total_bytes: num(join(monData, d, "mbm_total_bytes")) ?? 0, mbm_local_bytes: num(join(monData, d, "mbm_local_bytes")) ?? 0 }));
  }
  if (domains.length > 0 && features.includes("llc_occupancy")) {
    out.cmt_stats = domains.map((d) => ({ llc_occupancy: num(join(monData, d, "llc_occupancy")) ?? 0 }));
  }
  // JSON.stringify drops the undefined values, as Go's omitempty does.
  return out;
}
