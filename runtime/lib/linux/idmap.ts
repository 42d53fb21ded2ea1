/**
 * uid/gid mappings of a new user namespace (user_namespaces(7) "User and group ID mappings"):
 * validation, the map text, and how stage0 gets them written, which depends on who runs us.
 *
 * - As root (CAP_SETUID/CAP_SETGID in our namespace) stage0 writes any map itself.
 * - Unprivileged, the kernel lets stage0 write one line mapping its own euid (uid_map) or egid
 *   (gid_map), and the gid one only after "deny" went into /proc/<pid>/setgroups: otherwise a
 *   user could drop a group that denies it access (CVE-2014-8989; runc nsexec.c update_setgroups).
 * - Any other map needs the setuid helpers newuidmap/newgidmap (shadow's uidmap package), which
 *   check /etc/subuid and /etc/subgid; setgroups then stays "allow" (runc requiresRootOrMappingTool).
 */
import { accessSync, constants, readFileSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { RuntimeError } from "../errors.ts";
import type { PlanBuilder } from "../plan/builder.ts";
import type { IdMapping, Spec } from "../spec-types.ts";

/** Who runs the runtime, and which mapping helpers it found (facts read by hostIdentity()). */
export interface HostIdentity {
  euid: number;
  egid: number;
  newuidmap?: string;
  newgidmap?: string;
}

/** The kernel's limit on lines per map (since Linux 4.15; user_namespaces(7)). */
export const MAX_MAP_LINES = 340;
const ID_LIMIT = 2 ** 32;

const HELPER_DIRS = ["/usr/bin", "/bin", "/usr/sbin", "/sbin"];

/** The runtime's euid/egid and absolute paths of newuidmap/newgidmap, if installed. */
export function hostIdentity(): HostIdentity {
  const find = (name: string) => HELPER_DIRS.map((d) => `${d}/${name}`).find((p) => {
    try {
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  return { euid: process.geteuid!(), egid: process.getegid!(), newuidmap: find("newuidmap"), newgidmap: find("newgidmap") };
}

export function idMapText(mappings: readonly IdMapping[]): string {
  return mappings.map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join("");
}

/** Ranges must be non-empty, fit in 32 bits and not overlap on either side (the kernel refuses that with a bare EINVAL). */
export function validateIdMappings(mappings: readonly IdMapping[], pointer: string): void {
  if (mappings.length === 0) throw new RuntimeError("CONFIG_INVALID", `config.json ${pointer}: a new user namespace needs at least one mapping`, { pointer });
  if (mappings.length > MAX_MAP_LINES) throw new RuntimeError("CONFIG_INVALID", `config.json ${pointer}: ${mappings.length} mappings, the kernel takes at most ${MAX_MAP_LINES}`, { pointer });
  for (const [i, m] of mappings.entries()) {
    const p = `${pointer}/${i}`;
    if (!(m.size >= 1) || m.containerID + m.size > ID_LIMIT || m.hostID + m.size > ID_LIMIT) {
      throw new RuntimeError("CONFIG_INVALID", `config.json ${p}: range ${m.containerID} ${m.hostID} ${m.size} is empty or leaves the 32-bit id space`, { pointer: p });
    }
    for (const [j, o] of mappings.slice(0, i).entries()) {
      const overlaps = (a: number, b: number) => a < b + o.size && b < a + m.size;
      if (overlaps(m.containerID, o.containerID) || overlaps(m.hostID, o.hostID)) {
        throw new RuntimeError("CONFIG_INVALID", `config.json ${p}: range ${m.containerID} ${m.hostID} ${m.size} overlaps ${pointer}/${j} (${o.containerID} ${o.hostID} ${o.size})`, { pointer: p });
      }
    }
  }
}

/** The host id a container id maps to, or undefined when it is unmapped. */
export function hostIdOf(mappings: readonly IdMapping[], id: number): number | undefined {
  const m = mappings.find((r) => id >= r.containerID && id < r.containerID + r.size);
  return m === undefined ? undefined : m.hostID + (id - m.containerID);
}

/** The one map an unprivileged writer may write itself: a single id, its own (user_namespaces(7)). */
function selfMap(mappings: readonly IdMapping[], own: number): boolean {
  return mappings.length === 1 && mappings[0]!.size === 1 && mappings[0]!.hostID === own;
}

/** How stage0 writes each map, and whether setgroups is denied in the container (then it must not call setgroups(2)). */
export interface IdMapStrategy {
  uid: "write" | "tool";
  gid: "write" | "tool";
  setgroupsDenied: boolean;
}

export function idMapStrategy(uid: readonly IdMapping[], gid: readonly IdMapping[], who: HostIdentity): IdMapStrategy {
  if (who.euid === 0) return { uid: "write", gid: "write", setgroupsDenied: false };
  const strategy: IdMapStrategy = { uid: selfMap(uid, who.euid) ? "write" : "tool", gid: selfMap(gid, who.egid) ? "write" : "tool", setgroupsDenied: false };
  strategy.setgroupsDenied = strategy.gid === "write";
  const missing = (strategy.uid === "tool" && !who.newuidmap ? ["newuidmap"] : []).concat(strategy.gid === "tool" && !who.newgidmap ? ["newgidmap"] : []);
  if (missing.length > 0) {
    const [pointer, text] = strategy.uid === "tool" && !who.newuidmap ? ["/linux/uidMappings", `uid ${who.euid}`] : ["/linux/gidMappings", `gid ${who.egid}`];
    throw new RuntimeError(
      "CONFIG_INVALID",
      `config.json ${pointer}: running unprivileged, the mappings may only map your own ${text} (one range of size 1) unless ${missing.join(" and ")} (package uidmap) and /etc/subuid, /etc/subgid entries are available`,
      { pointer },
    );
  }
  return strategy;
}

/**
 * PARENT steps: wait for stage1's user namespace, write (or have the tools write) the maps, let
 * it go on. Returns the strategy so the caller can skip setgroups(2) when it is denied.
 */
export function idMapSteps(b: PlanBuilder, uid: readonly IdMapping[], gid: readonly IdMapping[], who: HostIdentity): IdMapStrategy {
  validateIdMappings(uid, "/linux/uidMappings");
  validateIdMappings(gid, "/linux/gidMappings");
  const strategy = idMapStrategy(uid, gid, who);
  b.emit("parent", "AWAIT_CHILD_USERNS", [], "wait for the user namespace", "/linux/namespaces");
  if (strategy.uid === "tool") b.emit("parent", "RUN_IDMAP_TOOL", [who.newuidmap!, toolArgs(uid)], `run ${who.newuidmap} <stage1 pid> ${toolArgs(uid).join(" ")}`, "/linux/uidMappings");
  else b.emit("parent", "WRITE_CHILD_PROC", ["uid_map", idMapText(uid)], "write uid_map", "/linux/uidMappings");
  if (strategy.setgroupsDenied) b.emit("parent", "WRITE_CHILD_PROC", ["setgroups", "deny"], "deny setgroups before an unprivileged gid_map (CVE-2014-8989)", "/linux/gidMappings");
  if (strategy.gid === "tool") b.emit("parent", "RUN_IDMAP_TOOL", [who.newgidmap!, toolArgs(gid)], `run ${who.newgidmap} <stage1 pid> ${toolArgs(gid).join(" ")}`, "/linux/gidMappings");
  else b.emit("parent", "WRITE_CHILD_PROC", ["gid_map", idMapText(gid)], "write gid_map", "/linux/gidMappings");
  b.emit("parent", "RESUME_CHILD", [], "id maps written", "/linux/namespaces");
  return strategy;
}

/** newuidmap <pid> ns-id host-id count ...: the helper puts stage1's pid first. */
function toolArgs(mappings: readonly IdMapping[]): string[] {
  return mappings.flatMap((m) => [String(m.containerID), String(m.hostID), String(m.size)]);
}

/**
 * The container's root must be able to reach its rootfs: every directory from / down to it has to
 * be searchable by the mapped root. runc does not check and fails later with a bare EACCES at the
 * rootfs bind. CAP_DAC_OVERRIDE inside the namespace only counts for inodes whose owner and group
 * are both mapped (capable_wrt_inode_uidgid). A rootfs owned by an unmapped uid is allowed (runc
 * too): the container sees the overflow uid and cannot write there, which a read-only image wants.
 */
export function checkRootfsAccess(rootfs: string, uid: readonly IdMapping[], gid: readonly IdMapping[]): void {
  const rootUid = hostIdOf(uid, 0);
  const rootGid = hostIdOf(gid, 0);
  if (rootUid === undefined) throw new RuntimeError("CONFIG_INVALID", "config.json /linux/uidMappings: container uid 0 is not mapped, so nobody in the container could set it up", { pointer: "/linux/uidMappings" });
  if (rootGid === undefined) throw new RuntimeError("CONFIG_INVALID", "config.json /linux/gidMappings: container gid 0 is not mapped, so nobody in the container could set it up", { pointer: "/linux/gidMappings" });
  const mapped = (ranges: readonly IdMapping[], host: number) => ranges.some((r) => host >= r.hostID && host < r.hostID + r.size);
  const dirs: string[] = [];
  for (let d = rootfs; ; d = dirname(d)) {
    dirs.unshift(d);
    if (d === dirname(d)) break;
  }
  for (const d of dirs) {
    let st;
    try {
      st = statSync(d);
    } catch {
      return; // a missing rootfs is reported by the config loader
    }
    const bits = st.uid === rootUid ? st.mode >> 6 : st.gid === rootGid ? st.mode >> 3 : st.mode;
    if ((bits & 1) === 0 && !(mapped(uid, st.uid) && mapped(gid, st.gid))) {
      throw new RuntimeError(
        "CONFIG_INVALID",
        `rootfs ${rootfs}: ${d} (mode ${(st.mode & 0o7777).toString(8).padStart(4, "0")}, owner ${st.uid}:${st.gid}) cannot be searched by the container's root, host uid ${rootUid} gid ${rootGid} through linux.uidMappings/gidMappings; let others search it (chmod o+x) or chown it into the mapping`,
        { path: d, pointer: "/root/path" },
      );
    }
  }
}

/**
 * A new user namespace is being created: the process's ids must be mapped (runc setupUser: "cannot
 * set uid to unmapped user in user namespace", found before anything runs instead of at setresuid)
 * and the rootfs reachable from inside.
 */
export function checkUserNamespace(spec: Spec, rootfs: string): void {
  const linux = spec.linux ?? {};
  if (!(linux.namespaces ?? []).some((n) => n.type === "user" && !n.path)) return;
  const uid = linux.uidMappings ?? [];
  const gid = linux.gidMappings ?? [];
  const user = spec.process?.user;
  if (user) {
    const unmapped = (ranges: readonly IdMapping[], id: number, pointer: string, what: string) => {
      if (hostIdOf(ranges, id) === undefined) throw new RuntimeError("CONFIG_INVALID", `config.json ${pointer}: ${what} ${id} is not mapped by linux.${what === "uid" ? "uid" : "gid"}Mappings`, { pointer });
    };
    unmapped(uid, user.uid, "/process/user/uid", "uid");
    unmapped(gid, user.gid, "/process/user/gid", "gid");
    for (const [i, g] of (user.additionalGids ?? []).entries()) unmapped(gid, g, `/process/user/additionalGids/${i}`, "gid");
  }
  checkRootfsAccess(rootfs, uid, gid);
}

/** exec: whether the container's user namespace denies setgroups(2) (then exec must not call it). */
export function setgroupsDenied(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/setgroups`, "utf8").trim() === "deny";
  } catch {
    return false;
  }
}
