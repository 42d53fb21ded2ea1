/**
 * Loads a bundle's config.json: parse, schema-validate (schemas/), then the semantic checks a
 * schema cannot express, after runc libcontainer/configs/validate. Every problem names the file
 * and the JSON pointer; nothing on the system is touched.
 */
import { readFileSync, statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { RuntimeError, ioError } from "./errors.ts";
import { RLIMIT_NUMBERS } from "./linux/rlimits.ts";
import { sysctlNamespace } from "./linux/sysctl.ts";
import { NAMESPACE_FLAGS } from "./linux/namespaces.ts";
import { HOOK_KINDS, type Spec } from "./spec-types.ts";
import type { Process as SchemaProcess, Spec as SchemaSpec } from "../../schemas/generated/types/runtime-config.ts";
import { checkSchema, summarizeIssues } from "./config-schema.ts";
import { refusedFieldIssues } from "./spec-support.ts";

export interface Issue {
  pointer: string;
  message: string;
}

export interface LoadedConfig {
  spec: Spec;
  file: string;
  bundle: string;
  /** Absolute path of root.path. */
  rootfs: string;
}

export function loadBundleConfig(bundleDir: string): LoadedConfig {
  const bundle = resolve(bundleDir);
  const file = join(bundle, "config.json");
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw ioError("read", file, err);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new RuntimeError("CONFIG_INVALID", `${file}: not valid JSON: ${(err as Error).message}`, { path: file });
  }
  const checked = checkSchema(doc, file);
  const issues = semanticIssues(checked);
  if (issues.length > 0) throw invalid(file, issues);
  // What the schema leaves optional for other platforms and semanticIssues just required.
  const spec = checked as Spec;
  const rootfs = isAbsolute(spec.root!.path) ? spec.root!.path : join(bundle, spec.root!.path);
  try {
    if (!statSync(rootfs).isDirectory()) throw invalid(file, [{ pointer: "/root/path", message: `${rootfs} is not a directory` }]);
  } catch (err) {
    if (err instanceof RuntimeError) throw err;
    throw invalid(file, [{ pointer: "/root/path", message: `root filesystem ${rootfs} is missing or unreadable (${(err as { code?: string }).code ?? err})` }]);
  }
  return { spec, file, bundle, rootfs };
}

export function invalid(file: string, issues: readonly Issue[]): RuntimeError {
  return new RuntimeError("CONFIG_INVALID", summarizeIssues(file, issues), { path: file, pointer: issues[0]?.pointer });
}

/**
 * Checks runc's validator makes beyond the schema, and what config.md requires on Linux where the
 * schema (shared by all platforms) cannot; pure, so unit tests call it directly. A document without
 * issues is a Spec (spec-types.ts).
 */
export function semanticIssues(spec: SchemaSpec): Issue[] {
  const issues: Issue[] = [];
  const add = (pointer: string, message: string) => issues.push({ pointer, message });
  if (!spec.root?.path) add("/root/path", "the root filesystem path is required");
  if (!spec.process) add("/process", "process is required to create a container");
  else issues.push(...processIssues(spec.process, "/process"));
  for (const kind of HOOK_KINDS) {
    for (const [i, h] of (spec.hooks?.[kind] ?? []).entries()) {
      if (!isAbsolute(h.path)) add(`/hooks/${kind}/${i}/path`, `hook path must be absolute, got ${JSON.stringify(h.path)}`);
      if (h.timeout !== undefined && h.timeout <= 0) add(`/hooks/${kind}/${i}/timeout`, "timeout must be greater than zero");
    }
  }
  for (const [i, m] of (spec.mounts ?? []).entries()) {
    if (!isAbsolute(m.destination)) add(`/mounts/${i}/destination`, `must be an absolute path, got ${JSON.stringify(m.destination)}`);
  }
  namespaceIssues(spec, add);
  const linux = spec.linux ?? {};
  for (const [i, d] of (linux.devices ?? []).entries()) {
    if (!d.path.startsWith("/dev/")) add(`/linux/devices/${i}/path`, `device path must be under /dev, got ${JSON.stringify(d.path)}`);
    if (d.type !== "p" && (d.major === undefined || d.minor === undefined)) add(`/linux/devices/${i}`, "major and minor are required for a character or block device");
  }
  for (const key of ["maskedPaths", "readonlyPaths"] as const) {
    for (const [i, p] of (linux[key] ?? []).entries()) if (!isAbsolute(p)) add(`/linux/${key}/${i}`, `must be an absolute path, got ${JSON.stringify(p)}`);
  }
  if (linux.personality && linux.personality.domain === undefined) add("/linux/personality/domain", "is required (LINUX or LINUX32)");
  // Fields the spec defines that we do not implement: an error, never a silent no-op (spec-support.ts).
  issues.push(...refusedFieldIssues(spec));
  return issues;
}

/**
 * A process's requirements beyond the schema (config.md "POSIX process"): `create` checks
 * config.json's at `/process`, `exec --process` its file's at the root. Everything from the plan
 * compiler on relies on them.
 */
export function processIssues(proc: SchemaProcess, base: string): Issue[] {
  const issues: Issue[] = [];
  const add = (pointer: string, message: string) => issues.push({ pointer, message });
  if (!proc.args || proc.args.length === 0) add(`${base}/args`, "must contain at least the program to run");
  if (!proc.cwd || !proc.cwd.startsWith("/")) add(`${base}/cwd`, `must be an absolute path, got ${JSON.stringify(proc.cwd)}`);
  if (!proc.user) add(`${base}/user`, "is required on Linux: an object with uid and gid");
  else for (const id of ["uid", "gid"] as const) if (proc.user[id] === undefined) add(`${base}/user/${id}`, "is required on Linux");
  if (proc.ioPriority && proc.ioPriority.priority === undefined) add(`${base}/ioPriority/priority`, "is required with ioPriority");
  const seen = new Map<string, number>();
  for (const [i, r] of (proc.rlimits ?? []).entries()) {
    if (RLIMIT_NUMBERS[r.type] === undefined) add(`${base}/rlimits/${i}/type`, `unknown rlimit ${JSON.stringify(r.type)}`);
    if (seen.has(r.type)) add(`${base}/rlimits/${i}/type`, `duplicate rlimit ${r.type} (also ${base}/rlimits/${seen.get(r.type)})`);
    seen.set(r.type, i);
    if (r.soft > r.hard) add(`${base}/rlimits/${i}`, `soft limit ${r.soft} is above hard limit ${r.hard}`);
  }
  return issues;
}

function namespaceIssues(spec: SchemaSpec, add: (pointer: string, message: string) => void): void {
  const linux = spec.linux ?? {};
  const list = linux.namespaces ?? [];
  const seen = new Set<string>();
  for (const [i, ns] of list.entries()) {
    if (NAMESPACE_FLAGS[ns.type] === undefined) add(`/linux/namespaces/${i}/type`, `unknown namespace type ${JSON.stringify(ns.type)}`);
    if (seen.has(ns.type)) add(`/linux/namespaces/${i}/type`, `duplicate namespace type ${ns.type}`);
    seen.add(ns.type);
    if (ns.path !== undefined && !isAbsolute(ns.path)) add(`/linux/namespaces/${i}/path`, `must be an absolute path, got ${JSON.stringify(ns.path)}`);
  }
  const owns = (type: string) => list.some((n) => n.type === type && !n.path);
  const has = (type: string) => list.some((n) => n.type === type);
  // config-linux.md: a namespace type that is not listed is the runtime's own. Without a mount
  // namespace the rootfs is only chroot'ed into (runc), so what would change the runtime's own
  // mounts is refused: runc validate `security` ("unable to restrict sys entries without a private
  // MNT namespace"), and a read-only root, which would remount the host mount holding the rootfs
  // (runc skips it silently; the spec says the root MUST then be read-only, so refuse instead).
  if (!has("mount")) {
    for (const key of ["maskedPaths", "readonlyPaths"] as const) {
      if (linux[key]?.length) add(`/linux/${key}`, `${key} need a mount namespace (without one they would change the runtime's own mounts)`);
    }
    if (spec.root?.readonly) add("/root/readonly", "a read-only root needs a mount namespace (without one the host's mount holding the rootfs would be remounted read-only)");
  }
  // runc validate `uts` accepts a joined uts namespace (Namespaces.Contains): only the host's is refused.
  if (spec.hostname && !has("uts")) add("/hostname", "setting the hostname needs a uts namespace (new or joined), not the runtime's own");
  if (spec.domainname && !has("uts")) add("/domainname", "setting the domainname needs a uts namespace (new or joined), not the runtime's own");
  const userNew = owns("user");
  if ((linux.uidMappings?.length || linux.gidMappings?.length) && !userNew) add("/linux/uidMappings", "id mappings need a new user namespace");
  if (userNew && (!linux.uidMappings?.length || !linux.gidMappings?.length)) add("/linux/uidMappings", "a new user namespace needs uidMappings and gidMappings");
  if (linux.timeOffsets && !owns("time")) add("/linux/timeOffsets", "time offsets need a new time namespace");
  for (const key of Object.keys(linux.sysctl ?? {})) {
    const ns = sysctlNamespace(key);
    const pointer = `/linux/sysctl/${key.replaceAll("~", "~0").replaceAll("/", "~1")}`;
    if (ns === undefined) add(pointer, `sysctl ${key} is not namespaced: setting it would change the host`);
    else if (!has(ns)) add(pointer, `sysctl ${key} needs a ${ns} namespace (it would change the host's)`);
  }
}
