/**
 * config.json + the command's flags → the `criu dump` / `criu restore` command lines, pure (style
 * rule 2: compile, then execute). What is declared follows runc libcontainer/criu_linux.go
 * (Checkpoint, Restore):
 *
 * - a namespace joined by path (network, pid) is not the container's to save: dump declares it
 *   external, `--external net[INODE]:extRootNetNS`, and restore hands an fd of it back under the
 *   same key, `--inherit-fd fd[N]:extRootNetNS`; other joined namespaces are re-joined by path
 *   (`--join-ns`), and a joined cgroup namespace cannot be restored at all (runc refuses it too);
 * - a bind mount's source lies outside the container: dump names it by its destination
 *   (`--ext-mount-map DEST:DEST`), restore maps that name to the source (`DEST:SOURCE`); on a cgroup
 *   v1 host each hierarchy under a `cgroup` mount is such a bind of the container's own cgroup
 *   directory (linux/mounts.ts), which restore maps to the new container's directory;
 * - a masked file is /dev/null bound over it (`PATH:/dev/null`, restored from `/dev/null`), and
 *   linux.devices are named as runc names them (bound, not made, inside a user namespace).
 */
import { posix } from "node:path";
import type { Spec } from "../spec-types.ts";

export type CgroupsMode = "soft" | "full" | "strict" | "ignore";
export const CGROUPS_MODES: readonly CgroupsMode[] = ["soft", "full", "strict", "ignore"];

/** The options both directions share (runc's CriuOpts subset with a command-line flag). */
export interface CriuCommonOptions {
  imagePath: string;
  workPath: string;
  tcpEstablished: boolean;
  extUnixSk: boolean;
  shellJob: boolean;
  fileLocks: boolean;
  manageCgroupsMode: CgroupsMode;
}

export interface DumpRequest extends CriuCommonOptions {
  pid: number;
  rootfs: string;
  leaveRunning: boolean;
  preDump: boolean;
  /** runc --tcp-skip-in-flight, --link-remap, --auto-dedup. */
  tcpSkipInFlight?: boolean;
  linkRemap?: boolean;
  autoDedup?: boolean;
  /** --parent-path, relative to the image directory as criu reads it (runc passes it as is). */
  parentPath?: string;
  /** The freezer cgroup of the container: criu freezes through it instead of ptrace-stopping each task. */
  freezerDir?: string;
  /** Inode of each namespace the config joins by path, keyed by criu's name ("net", "pid"). */
  externalNsInodes: Record<string, number>;
  /** Masked paths that exist in the container and are not directories (those are tmpfs, saved as such). */
  maskedFiles: string[];
  /** Directory names under /sys/fs/cgroup of the container's bound v1 hierarchies ("memory", "cpu,cpuacct"). */
  cgroupBinds: string[];
  /** criu keys of host files the init holds (criu/descriptors.ts). */
  externalFiles: string[];
}

export interface RestoreRequest extends CriuCommonOptions {
  /** The bind mount of the rootfs criu restores into (it must be a mount point). */
  root: string;
  pidFile: string;
  /** fd numbers criu inherits, keyed by criu's namespace name, for namespaces joined by path. */
  inheritedNsFds: Record<string, number>;
  /** Hierarchy directory name → the new container's cgroup directory, for the bound v1 hierarchies. */
  cgroupBinds: Record<string, string>;
  /** `--cgroup-root`: controller list ("" for cgroup2) → the path inside its hierarchy. */
  cgroupRoots: Record<string, string>;
  /** The restore's own fd to hand in under each recorded stdio key (criu/descriptors.ts). */
  inheritedFiles: Array<{ fd: number; key: string }>;
}

/** criu's names of the namespaces runtime-spec names. */
const CRIU_NS: Record<string, string> = { network: "net", pid: "pid", mount: "mnt", ipc: "ipc", uts: "uts", user: "user", cgroup: "cgroup", time: "time" };

/** Namespaces criu keeps out of the image when joined by path (runc handleCheckpointingExternalNamespaces). */
export const EXTERNAL_NS = ["net", "pid"] as const;

/** runc criuNsToKey: the key of an external namespace, the same on both sides. */
export function externalNsKey(criuNs: string): string {
  return `extRoot${criuNs[0]!.toUpperCase()}${criuNs.slice(1)}NS`;
}

/** The namespaces the config joins by path, as [criu name, path]. */
export function joinedNamespaces(spec: Spec): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const ns of spec.linux?.namespaces ?? []) {
    if (ns.path) out.push([CRIU_NS[ns.type] ?? ns.type, ns.path]);
  }
  return out;
}

/** runc's bind test (specconv): type "bind" or a bind/rbind option. */
function bindMounts(spec: Spec): Array<{ destination: string; source: string }> {
  const out: Array<{ destination: string; source: string }> = [];
  for (const m of spec.mounts ?? []) {
    const bind = m.type === "bind" || (m.options ?? []).some((o) => o === "bind" || o === "rbind");
    // criu names mount points as mountinfo shows them: normalized, no trailing slash.
    if (bind && m.source) out.push({ destination: posix.join("/", m.destination, "."), source: m.source });
  }
  return out;
}

/** The destination of each bound v1 hierarchy inside the container (cgroup mounts, linux/mounts.ts). */
function cgroupBindTargets(spec: Spec, hierarchy: string): string[] {
  return (spec.mounts ?? []).filter((m) => m.type === "cgroup").map((m) => posix.join(m.destination, hierarchy));
}

function commonArgs(o: CriuCommonOptions, log: string): string[] {
  const args = ["--images-dir", o.imagePath, "--work-dir", o.workPath, "--log-file", log, "-v4", `--manage-cgroups=${o.manageCgroupsMode}`];
  if (o.tcpEstablished) args.push("--tcp-established");
  if (o.extUnixSk) args.push("--ext-unix-sk");
  if (o.shellJob) args.push("--shell-job");
  if (o.fileLocks) args.push("--file-locks");
  return args;
}

export const DUMP_LOG = "dump.log";
export const RESTORE_LOG = "restore.log";

/** argv after `criu`: `dump` (or `pre-dump`) of the container init's tree. */
export function dumpArgs(spec: Spec, r: DumpRequest): string[] {
  const args = [r.preDump ? "pre-dump" : "dump", "--tree", String(r.pid), "--root", r.rootfs, ...commonArgs(r, r.preDump ? "pre-dump.log" : DUMP_LOG)];
  if (r.leaveRunning && !r.preDump) args.push("--leave-running");
  if (r.tcpSkipInFlight) args.push("--skip-in-flight");
  if (r.linkRemap) args.push("--link-remap");
  if (r.autoDedup) args.push("--auto-dedup");
  if (r.parentPath !== undefined) args.push("--prev-images-dir", r.parentPath, "--track-mem");
  if (r.preDump) args.push("--track-mem");
  if (r.freezerDir) args.push("--freeze-cgroup", r.freezerDir);
  for (const [ns, ino] of Object.entries(r.externalNsInodes)) args.push("--external", `${ns}[${ino}]:${externalNsKey(ns)}`);
  // fds 0-2 often share one file: criu wants each key once.
  for (const key of new Set(r.externalFiles)) args.push("--external", key);
  // A pre-dump saves memory only: mounts are not looked at (runc: "no need to dump all this").
  if (r.preDump) return args;
  for (const m of bindMounts(spec)) args.push("--ext-mount-map", `${m.destination}:${m.destination}`);
  for (const h of r.cgroupBinds) for (const t of cgroupBindTargets(spec, h)) args.push("--ext-mount-map", `${t}:${t}`);
  for (const p of r.maskedFiles) args.push("--ext-mount-map", `${p}:/dev/null`);
  for (const d of spec.linux?.devices ?? []) args.push("--ext-mount-map", `${d.path}:${d.path}`);
  return args;
}

/** argv after `criu`: `restore`, detached, the tree's root a child of criu's parent (runc RstSibling). */
export function restoreArgs(spec: Spec, r: RestoreRequest): string[] {
  const args = ["restore", "--restore-detached", "--restore-sibling", "--root", r.root, "--pidfile", r.pidFile, "--evasive-devices", ...commonArgs(r, RESTORE_LOG)];
  for (const [ns, fd] of Object.entries(r.inheritedNsFds)) args.push("--inherit-fd", `fd[${fd}]:${externalNsKey(ns)}`);
  const keys = new Set<string>();
  for (const f of r.inheritedFiles) if (!keys.has(f.key) && keys.add(f.key)) args.push("--inherit-fd", `fd[${f.fd}]:${f.key}`);
  for (const [ns, path] of joinedNamespaces(spec)) {
    if ((EXTERNAL_NS as readonly string[]).includes(ns)) continue;
    args.push("--join-ns", `${ns}:${path}`);
  }
  for (const [ctrl, path] of Object.entries(r.cgroupRoots)) args.push("--cgroup-root", ctrl === "" ? path : `${ctrl}:${path}`);
  for (const m of bindMounts(spec)) args.push("--ext-mount-map", `${m.destination}:${m.source}`);
  for (const [h, dir] of Object.entries(r.cgroupBinds)) for (const t of cgroupBindTargets(spec, h)) args.push("--ext-mount-map", `${t}:${dir}`);
  if ((spec.linux?.maskedPaths ?? []).length > 0) args.push("--ext-mount-map", "/dev/null:/dev/null");
  for (const d of spec.linux?.devices ?? []) args.push("--ext-mount-map", `${d.path}:${d.path}`);
  return args;
}

/** A joined cgroup namespace cannot be re-joined by criu (runc: "Do not know how to handle namespace"). */
export function unrestorableNamespace(spec: Spec): string | undefined {
  return joinedNamespaces(spec).find(([ns]) => ns === "cgroup")?.[1];
}
