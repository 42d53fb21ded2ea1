/**
 * linux.intelRdt through the resctrl filesystem (config-linux.md "IntelRdt"; runc
 * libcontainer/intelrdt, youki process/intel_rdt.rs). A container's class of service (CLOS) is a
 * directory under the resctrl root: closID names it (default: the container id); its `schemata`
 * file holds one line per resource ("L3:0=ff;1=f0", "MB:0=70"), its `tasks` file the member
 * threads. With enableMonitoring the container also gets a monitoring group,
 * <clos>/mon_groups/<container id>.
 *
 * Split as the rest of the runtime: what the host has is read once (readResctrlHost), the config
 * is checked against it and a plan made without touching anything (intelRdtIssues, planResctrl),
 * then applyResctrl makes the directories and writes the schemata. The pid goes into the `tasks`
 * files from bocker-init (CGROUP_ENTER, before stage1 runs anything), so every process of the
 * container starts in the group, as with the cgroups.
 *
 * The resctrl root is read from /proc/self/mountinfo (fstype resctrl), never assumed to be
 * /sys/fs/resctrl: it may be mounted anywhere.
 */
import { mkdirSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { errnoOf } from "../../../common/errors.ts";
import { RuntimeError, ioError } from "../errors.ts";
import { parseMountinfo } from "../mountinfo.ts";
import type { Linux } from "../spec-types.ts";

export type IntelRdt = NonNullable<Linux["intelRdt"]>;

export interface ResctrlHost {
  /** Where resctrl is mounted. */
  root: string;
  /** Allocation resources the hardware and kernel offer: the directories of info/ ("L3", "MB", "L3CODE", "L2"...), without the *_MON ones. */
  resources: string[];
  /** Monitoring groups are possible (info/L3_MON: CMT or MBM). */
  monitoring: boolean;
}

/** The mount point of the first resctrl filesystem in a mountinfo text, if any (runc findIntelRdtMountpointDir). */
export function resctrlMountpoint(mountinfo: string): string | undefined {
  return parseMountinfo(mountinfo).find((m) => m.fstype === "resctrl")?.mountpoint;
}

/** What this host offers; undefined when resctrl is not mounted in our mount namespace. */
export function readResctrlHost(): ResctrlHost | undefined {
  let root: string | undefined;
  try {
    root = resctrlMountpoint(readFileSync("/proc/self/mountinfo", "utf8"));
  } catch {
    return undefined;
  }
  if (!root) return undefined;
  let info: string[] = [];
  try {
    info = readdirSync(join(root, "info"));
  } catch {
    // A resctrl without info/ offers nothing to allocate; the checks below say so.
  }
  return { root, resources: info.filter((d) => !d.endsWith("_MON")), monitoring: info.includes("L3_MON") };
}

/**
 * The lines to write to `schemata`, in order (the kernel applies them in order, so a later line
 * for the same resource wins): l3CacheSchema's lines, without its MB: lines when memBwSchema is
 * set (config-linux.md), memBwSchema, then the `schemata` list (runtime-spec 1.3), which thereby
 * overrides the two older fields.
 */
export function schemataLines(rdt: IntelRdt): string[] {
  const lines: string[] = [];
  for (const l of (rdt.l3CacheSchema ?? "").split("\n")) if (l.trim() && !(rdt.memBwSchema && l.startsWith("MB:"))) lines.push(l.trim());
  if (rdt.memBwSchema) lines.push(rdt.memBwSchema.trim());
  for (const l of rdt.schemata ?? []) if (l.trim()) lines.push(l.trim());
  return lines;
}

/** "L3:0=ff;1=f0" → "L3" (undefined for a line without a resource name). */
export function lineResource(line: string): string | undefined {
  return /^([A-Za-z0-9_]+):/.exec(line)?.[1];
}

/** Why a closID cannot name a directory directly under the resctrl root (runc validator: no ".", "..", "/"). */
export function closIdProblem(closID: string): string | undefined {
  if (closID === "" || closID === "." || closID === "..") return `${JSON.stringify(closID)} is not a directory name`;
  if (closID.includes("/")) return `${JSON.stringify(closID)} contains "/": a CLOS is a directory directly under the resctrl root`;
  if (closID === "info" || closID === "mon_groups" || closID === "mon_data") return `${JSON.stringify(closID)} is one of resctrl's own directories`;
  return undefined;
}

export interface RdtIssue {
  pointer: string;
  message: string;
}

/** The config against the host, as issues naming the field (nothing is touched). */
export function intelRdtIssues(rdt: IntelRdt, host: ResctrlHost | undefined): RdtIssue[] {
  const at = "/linux/intelRdt";
  if (!host) {
    return [{ pointer: at, message: "Intel RDT needs the resctrl filesystem, which is not mounted (no resctrl entry in /proc/self/mountinfo; mount -t resctrl resctrl /sys/fs/resctrl on hardware with RDT)" }];
  }
  const issues: RdtIssue[] = [];
  const closProblem = rdt.closID === undefined ? undefined : closIdProblem(rdt.closID);
  if (closProblem) issues.push({ pointer: `${at}/closID`, message: closProblem });
  const lacks = (resource: string) => !host.resources.includes(resource);
  const l3 = (rdt.l3CacheSchema ?? "").split("\n").filter((l) => l.trim() && !l.startsWith("MB:"));
  if (l3.length > 0 && lacks("L3") && lacks("L3CODE")) {
    issues.push({ pointer: `${at}/l3CacheSchema`, message: `Intel RDT/CAT (L3 cache allocation) is not available on this host: no info/L3 under ${host.root}` });
  }
  if (rdt.memBwSchema && lacks("MB")) {
    issues.push({ pointer: `${at}/memBwSchema`, message: `Intel RDT/MBA (memory bandwidth allocation) is not available on this host: no info/MB under ${host.root}` });
  }
  (rdt.schemata ?? []).forEach((line, i) => {
    if (!line.trim()) return;
    const r = lineResource(line.trim());
    if (!r) issues.push({ pointer: `${at}/schemata/${i}`, message: `${JSON.stringify(line)} is not a schemata line (RESOURCE:ID=VALUE;...)` });
    else if (lacks(r)) issues.push({ pointer: `${at}/schemata/${i}`, message: `resource ${r} is not offered by resctrl on this host (no info/${r} under ${host.root}; it has ${host.resources.join(", ") || "none"})` });
  });
  if (rdt.enableMonitoring && !host.monitoring) {
    issues.push({ pointer: `${at}/enableMonitoring`, message: `Intel RDT monitoring (CMT/MBM) is not available on this host: no info/L3_MON under ${host.root}` });
  }
  return issues;
}

/** create and restore: this host's resctrl root, or one error naming each field it cannot honour. */
export function checkIntelRdt(rdt: IntelRdt, configFile: string): string {
  const host = readResctrlHost();
  const issues = intelRdtIssues(rdt, host);
  if (issues.length > 0 || !host) {
    throw new RuntimeError("CONFIG_INVALID", issues.map((i) => `${configFile} ${i.pointer}: ${i.message}`).join("\n"), { pointer: issues[0]?.pointer });
  }
  return host.root;
}

/**
 * `update --l3-cache-schema/--mem-bw-schema` on this host: runc's errors when resctrl lacks the
 * resource (intelrdt IsCATEnabled, IsMBAEnabled), with where we looked.
 */
export function rdtUpdateProblem(u: Pick<IntelRdt, "l3CacheSchema" | "memBwSchema">, host: ResctrlHost | undefined): string | undefined {
  const why = (dir: string) => (host ? `no info/${dir} under the resctrl root ${host.root}` : "resctrl is not mounted: no resctrl entry in /proc/self/mountinfo");
  if (u.l3CacheSchema && !(host && (host.resources.includes("L3") || host.resources.includes("L3CODE")))) return `Intel RDT/CAT: l3 cache schema is not enabled (${why("L3")})`;
  if (u.memBwSchema && !host?.resources.includes("MB")) return `Intel RDT/MBA: memory bandwidth schema is not enabled (${why("MB")})`;
  return undefined;
}

/** What create does in resctrl, decided before anything is made. */
export interface ResctrlPlan {
  closDir: string;
  /** The CLOS directory is ours to make (and so to remove at delete). */
  createClos: boolean;
  /** Lines to write to <closDir>/schemata, or to check against it (checkOnly: a pre-existing closID). */
  lines: string[];
  checkOnly: boolean;
  /** enableMonitoring: <closDir>/mon_groups/<id>. */
  monDir?: string;
  createMon: boolean;
  /** The tasks files the container's first process is written into, CLOS first (the kernel only takes a task into a monitoring group of its own CLOS). */
  tasks: string[];
}

/**
 * The spec's rules (config-linux.md "IntelRdt"): without closID the container id names the CLOS,
 * made if missing; with closID and schemata the CLOS is made if missing, else its schemata must
 * match; with closID alone it must exist (pre-configured).
 */
export function planResctrl(id: string, rdt: IntelRdt, root: string, exists: (path: string) => boolean): ResctrlPlan {
  const idProblem = rdt.closID === undefined ? closIdProblem(id) : undefined;
  if (idProblem) throw new RuntimeError("CONFIG_INVALID", `config.json /linux/intelRdt: without closID the container id names the CLOS, and ${idProblem}; set closID`, { pointer: "/linux/intelRdt" });
  const closDir = join(root, rdt.closID ?? id);
  const lines = schemataLines(rdt);
  const closExists = exists(closDir);
  if (rdt.closID !== undefined && lines.length === 0 && !closExists) {
    throw new RuntimeError("CONFIG_INVALID", `config.json /linux/intelRdt/closID: the CLOS directory ${closDir} does not exist (with no schemata given, closID must name a pre-configured CLOS)`, { pointer: "/linux/intelRdt/closID" });
  }
  const monDir = rdt.enableMonitoring ? join(closDir, "mon_groups", id) : undefined;
  return {
    closDir,
    createClos: !closExists,
    lines,
    checkOnly: rdt.closID !== undefined && closExists,
    monDir,
    createMon: monDir !== undefined && !(closExists && exists(monDir)),
    tasks: [join(closDir, "tasks"), ...(monDir ? [join(monDir, "tasks")] : [])],
  };
}

/** Parsed "RES:k=v;k=v" → values by domain id, hex masks without leading zeros (runc schema_comparison). */
function lineValues(line: string): { resource: string; values: Map<string, string> } | undefined {
  const resource = lineResource(line);
  if (!resource) return undefined;
  const values = new Map<string, string>();
  for (const tok of line.slice(resource.length + 1).split(";")) {
    if (!tok.trim()) continue;
    const [k, v, ...rest] = tok.split("=").map((s) => s.trim());
    if (!k || !v || rest.length) return undefined;
    // MB values are decimal (percent or MBps); the others are hex capacity bitmasks.
    values.set(k, resource === "MB" || resource.startsWith("SMBA") ? v : v.toLowerCase().replace(/^0+(?=.)/, ""));
  }
  return { resource, values };
}

/**
 * Whether a CLOS's schemata file already holds what the lines ask: every domain each line names
 * has that value (lines for the same resource merge, later ones win, as the kernel applies them).
 * Resources and domains the lines do not name are not compared. The error names what differs.
 */
export function schemataMismatch(existing: string, lines: readonly string[]): string | undefined {
  const have = new Map<string, Map<string, string>>();
  for (const l of existing.split("\n")) {
    const p = lineValues(l.trim());
    if (p) have.set(p.resource, p.values);
  }
  const want = new Map<string, Map<string, string>>();
  for (const l of lines) {
    const p = lineValues(l);
    if (!p) return `${JSON.stringify(l)} is not a schemata line (RESOURCE:ID=VALUE;...)`;
    const m = want.get(p.resource) ?? new Map<string, string>();
    for (const [k, v] of p.values) m.set(k, v);
    want.set(p.resource, m);
  }
  for (const [resource, values] of want) {
    const got = have.get(resource);
    if (!got) return `it has no ${resource} line`;
    for (const [k, v] of values) if (got.get(k) !== v) return `${resource} domain ${k} is ${got.get(k) ?? "absent"}, not ${v}`;
  }
  return undefined;
}

/** What create made in resctrl, kept in the state so delete removes exactly that. */
export interface ResctrlRecord {
  closDir: string;
  monDir?: string;
  /** Directories the runtime made, innermost first: only these are removed. */
  made: string[];
  tasks: string[];
}

/** The kernel's reason for a refused resctrl write (info/last_cmd_status), as runc adds it. */
function lastCmdStatus(root: string): string {
  try {
    const s = readFileSync(join(root, "info", "last_cmd_status"), "utf8").trim();
    return s && s !== "ok" ? ` (resctrl: ${s})` : "";
  } catch {
    return "";
  }
}

/**
 * Makes what the plan says, calling `made` after each directory so the caller records it at once
 * (a failure or a kill later still leads delete to it).
 */
export function applyResctrl(plan: ResctrlPlan, root: string, made: (rec: ResctrlRecord) => void): ResctrlRecord {
  const rec: ResctrlRecord = { closDir: plan.closDir, monDir: plan.monDir, made: [], tasks: plan.tasks };
  const mkdir = (dir: string) => {
    try {
      mkdirSync(dir, { mode: 0o755 });
    } catch (err) {
      throw ioError(`mkdir (Intel RDT${lastCmdStatus(root)})`, dir, err);
    }
    rec.made.unshift(dir);
    made(rec);
  };
  if (plan.createClos) mkdir(plan.closDir);
  if (plan.lines.length > 0) {
    const file = join(plan.closDir, "schemata");
    if (plan.checkOnly) {
      let existing: string;
      try {
        existing = readFileSync(file, "utf8");
      } catch (err) {
        throw ioError("read", file, err);
      }
      const why = schemataMismatch(existing, plan.lines);
      if (why) throw new RuntimeError("CONFIG_INVALID", `config.json /linux/intelRdt: the existing CLOS ${plan.closDir} does not have the schemata asked: ${why}`, { pointer: "/linux/intelRdt", path: file });
    } else writeSchemata(file, plan.lines, root);
  }
  if (plan.monDir && plan.createMon) mkdir(plan.monDir);
  return rec;
}

/** One write of all lines: the kernel parses the whole buffer and applies it or nothing. */
export function writeSchemata(file: string, lines: readonly string[], root: string): void {
  try {
    writeFileSync(file, lines.join("\n") + "\n");
  } catch (err) {
    throw ioError(`write ${JSON.stringify(lines.join("\\n"))} to${lastCmdStatus(root)}`, file, err);
  }
}

/** rmdir of what the runtime made (the kernel moves any tasks left back to the parent group); a missing one is fine. */
export function removeResctrl(rec: ResctrlRecord): void {
  for (const dir of rec.made) {
    try {
      rmdirSync(dir);
    } catch (err) {
      if (errnoOf(err) !== "ENOENT") throw ioError("rmdir", dir, err);
    }
  }
}
