/**
 * config.json `mounts` → steps, in config order (runtime-spec config.md "mounts": "in the
 * listed order"). Targets are created and mounted inside the rootfs by the helper (resolved
 * with RESOLVE_IN_ROOT, never through a symlink out of it). Bind mounts follow runc's
 * mountToRootfs: bind first, then a remount for ro/nosuid/..., then the propagation changes.
 */
import { isAbsolute, join, posix } from "node:path";
import { RuntimeError } from "../errors.ts";
import type { PlanBuilder } from "../plan/builder.ts";
import type { IdMapping, Mount } from "../spec-types.ts";
import { MS, mountFlagNames, parseMountOptions } from "./mount-options.ts";
import { idMapText, validateIdMappings } from "./idmap.ts";

export type SourceKind = "dir" | "file" | "missing";

/** How the host's cgroup hierarchies look (for `type: cgroup` mounts). */
export interface CgroupMountFacts {
  /** Pure cgroup v2 host. */
  unified: boolean;
  /** v1 hierarchies by their mount options, e.g. "cpu,cpuacct", "name=systemd". */
  v1: string[];
  /** A v1 host that also has a cgroup2 mount (hybrid): mounted at <dest>/unified. */
  hybridUnified: boolean;
  /**
   * The container's own cgroup directory per hierarchy, keyed by its directory under
   * /sys/fs/cgroup ("memory", "cpu,cpuacct", "systemd", "unified"). Without a cgroup namespace
   * these are bind-mounted so the container sees its own limits, as runc's mountCgroupV1 does.
   */
  containerDirs?: Record<string, string>;
  /**
   * A new user namespace without a cgroup namespace of its own: the kernel refuses a fresh cgroup
   * or cgroup2 mount (it needs CAP_SYS_ADMIN over the cgroup namespace's owner, still the host's),
   * so every hierarchy is bind-mounted from the host instead (runc mountCgroupV2's EPERM fallback;
   * its mountCgroupV1 always binds).
   */
  freshMountsRefused?: boolean;
}

export interface MountFacts {
  bundle: string;
  sourceKind(path: string): SourceKind;
  cgroupLayout: CgroupMountFacts;
  /**
   * Set (empty) when bind sources are opened by stage0, in the container's mount namespace with
   * the runtime's credentials, before the container's root (an unprivileged uid on the host) needs
   * them (runc mount sources); bindMount fills it with each source and the slot it lands in.
   */
  hostOpenedSources?: { paths: string[]; slots: number[] };
  /** The container's new user namespace maps: what idmap/ridmap use without maps of their own. */
  userNamespaceMaps?: { uid: readonly IdMapping[]; gid: readonly IdMapping[] };
}

/** A mount made writable that becomes read-only once the rootfs is finished (runc finalizeRootfs). */
export interface DeferredReadonly {
  destination: string;
  origin: number;
}

/**
 * Returns the mounts to make read-only later: runc mounts /dev and tmpfs writable even when they
 * are `ro` (mountPropagate), since /dev is filled afterwards (devices, /dev/pts, /dev/console) and
 * a later mount may need a mount point below a tmpfs, and remounts them read-only at the end.
 */
export function mountSteps(b: PlanBuilder, mounts: readonly Mount[], facts: MountFacts): DeferredReadonly[] {
  const deferred: DeferredReadonly[] = [];
  for (const [i, m] of mounts.entries()) {
    const pointer = `/mounts/${i}`;
    const { propagation, data, tmpcopyup, recursive, idmap, ...parsed } = parseMountOptions(m.options ?? []);
    let flags = parsed.flags;
    // runc accepts tmpcopyup only on tmpfs mounts (it is a tmpfs that starts as a copy).
    if (tmpcopyup && m.type !== "tmpfs") {
      throw new RuntimeError("CONFIG_INVALID", `config.json ${pointer}/options: tmpcopyup needs type tmpfs, got ${JSON.stringify(m.type)}`, { pointer: `${pointer}/options` });
    }
    const isBind = (flags & MS.BIND) !== 0 || m.type === "bind";
    if (idmap || m.uidMappings || m.gidMappings) {
      if (!isBind) throw new RuntimeError("CONFIG_INVALID", `config.json ${pointer}: idmapped mounts are only supported for bind mounts (runc 1.2 does the same)`, { pointer });
      idmappedBind(b, m, flags | MS.BIND, idmap === "ridmap", pointer, facts);
    } else if (isBind) bindMount(b, m, flags | MS.BIND, pointer, facts);
    else if (m.type === "cgroup" || m.type === "cgroup2") cgroupMount(b, m, flags, pointer, facts.cgroupLayout);
    else {
      const type = m.type ?? "none";
      const source = m.source ?? type;
      // tmpcopyup makes its tmpfs read-only itself, after the copy.
      const later = !tmpcopyup && (flags & MS.RDONLY) !== 0 && (type === "tmpfs" || posix.normalize(m.destination) === "/dev");
      if (later) flags &= ~MS.RDONLY;
      const origin = b.origin(`mount ${type} ${source} on ${m.destination} (${mountFlagNames(flags)}${data.length ? ` ${data.join(",")}` : ""})`, pointer);
      // TMPCOPYUP_IN_ROOT makes a missing target itself: it must know whether the directory was
      // there (runc gives the tmpfs an existing directory's mode, else the mode= option's).
      // The source travels as fsconfig's "source" key, so /proc/mounts shows it as mount(2) would.
      if (tmpcopyup) b.add("init", "TMPCOPYUP_IN_ROOT", [m.destination, flags, [`source=${source}`, ...data].join(",")], origin);
      else {
        b.add("init", "MKDIR_IN_ROOT", [m.destination, 0o755], origin);
        b.add("init", "MOUNT_IN_ROOT", [source, m.destination, type, flags, data.join(",")], origin);
      }
      if (later) deferred.push({ destination: m.destination, origin });
    }
    // runc applies the recursive attributes after the mount and its remount (mountToRootfs).
    if (recursive.set || recursive.clear) {
      b.emit("init", "MOUNT_SETATTR_IN_ROOT", [m.destination, recursive.set, recursive.clear, 1], `mount_setattr(AT_RECURSIVE) on ${m.destination}: set 0x${recursive.set.toString(16)} clear 0x${recursive.clear.toString(16)}`, `${pointer}/options`);
    }
    for (const p of propagation) b.emit("init", "PROPAGATE_IN_ROOT", [m.destination, p], `set propagation ${mountFlagNames(p)} on ${m.destination}`, pointer);
  }
  return deferred;
}

function bindSource(m: Mount, pointer: string, facts: MountFacts): { source: string; kind: SourceKind } {
  if (!m.source) throw new RuntimeError("CONFIG_INVALID", `config.json ${pointer}/source: a bind mount needs a source`, { pointer: `${pointer}/source` });
  // runc resolves a relative bind source against the bundle directory.
  const source = isAbsolute(m.source) ? m.source : join(facts.bundle, m.source);
  const kind = facts.sourceKind(source);
  if (kind === "missing") {
    throw new RuntimeError("CONFIG_INVALID", `config.json ${pointer}/source: bind mount source ${source} does not exist`, { pointer: `${pointer}/source`, path: source });
  }
  return { source, kind };
}

function bindTarget(b: PlanBuilder, m: Mount, kind: SourceKind, origin: number): void {
  b.add("init", kind === "dir" ? "MKDIR_IN_ROOT" : "MKFILE_IN_ROOT", [m.destination, kind === "dir" ? 0o755 : 0o644], origin);
}

/** A bind ignores every flag but MS_BIND|MS_REC; the rest take effect on a remount (mount(2)). */
function bindRemount(b: PlanBuilder, m: Mount, flags: number, origin: number): void {
  const extra = flags & ~(MS.BIND | MS.REC | MS.REMOUNT);
  if (extra !== 0) b.add("init", "REMOUNT_IN_ROOT", [m.destination, (flags & ~MS.REC) | MS.BIND], origin);
}

/**
 * runtime-spec config.md idmapped mounts: stage0 clones the source tree in the host's mount
 * namespace (recursively for rbind), applies MOUNT_ATTR_IDMAP with a user namespace holding the
 * mount's own maps (to every mount of the tree for ridmap), and the init moves it into place. The
 * maps say which on-disk id (containerID) appears as which id (hostID), as a user namespace's do.
 */
function idmappedBind(b: PlanBuilder, m: Mount, flags: number, recursiveIdmap: boolean, pointer: string, facts: MountFacts): void {
  // config.md: idmap/ridmap without maps of the mount's own take the container's user namespace
  // maps (runtime-spec #1224, runc 1.2); maps given come in pairs ("gidMappings MUST also be specified").
  const own = !!(m.uidMappings?.length || m.gidMappings?.length);
  if (own && (!m.uidMappings?.length || !m.gidMappings?.length)) {
    throw new RuntimeError("CONFIG_INVALID", `config.json ${pointer}: an idmapped mount needs both uidMappings and gidMappings`, { pointer });
  }
  if (!own && !facts.userNamespaceMaps) {
    throw new RuntimeError("CONFIG_INVALID", `config.json ${pointer}: idmap without uidMappings/gidMappings takes the container's user namespace maps, and there is no new user namespace`, { pointer });
  }
  const uid = own ? m.uidMappings! : facts.userNamespaceMaps!.uid;
  const gid = own ? m.gidMappings! : facts.userNamespaceMaps!.gid;
  if (own) {
    validateIdMappings(uid, `${pointer}/uidMappings`);
    validateIdMappings(gid, `${pointer}/gidMappings`);
  }
  const { source, kind } = bindSource(m, pointer, facts);
  const origin = b.origin(`idmapped bind ${source} on ${m.destination} (${mountFlagNames(flags)}${recursiveIdmap ? ", ridmap" : ""})`, pointer);
  const slot = b.slot();
  const treeFlags = ((flags & MS.REC) !== 0 ? 1 : 0) | (recursiveIdmap ? 2 : 0);
  b.add("host", "IDMAPPED_TREE_SLOT", [slot, source, idMapText(uid), idMapText(gid), treeFlags], origin);
  bindTarget(b, m, kind, origin);
  b.add("init", "MOVE_MOUNT_SLOT_IN_ROOT", [slot, m.destination], origin);
  bindRemount(b, m, flags, origin);
}

function bindMount(b: PlanBuilder, m: Mount, flags: number, pointer: string, facts: MountFacts): void {
  const { source, kind } = bindSource(m, pointer, facts);
  const origin = b.origin(`bind ${source} on ${m.destination} (${mountFlagNames(flags)})`, pointer);
  bindTarget(b, m, kind, origin);
  const opened = facts.hostOpenedSources;
  if (opened) {
    const slot = b.slot();
    opened.paths.push(source);
    opened.slots.push(slot);
    b.add("init", "MOUNT_SLOT_IN_ROOT", [slot, m.destination, flags & (MS.BIND | MS.REC)], origin);
  } else b.add("init", "MOUNT_IN_ROOT", [source, m.destination, "", flags & (MS.BIND | MS.REC), ""], origin);
  bindRemount(b, m, flags, origin);
}

/**
 * runc mounts cgroup v1 as a tmpfs holding one mount per hierarchy (mountCgroupV1), and cgroup2
 * directly. On this hybrid layout the cgroup2 mount goes to <dest>/unified, as systemd does.
 */
function cgroupMount(b: PlanBuilder, m: Mount, flags: number, pointer: string, layout: CgroupMountFacts): void {
  const dest = m.destination;
  const origin = b.origin(`mount cgroup hierarchies on ${dest} (${mountFlagNames(flags)})`, pointer);
  b.add("init", "MKDIR_IN_ROOT", [dest, 0o755], origin);
  if (layout.unified || m.type === "cgroup2") {
    if (layout.freshMountsRefused) bindHierarchy(b, CGROUP_ROOT, dest, flags, origin);
    else b.add("init", "MOUNT_IN_ROOT", ["cgroup2", dest, "cgroup2", flags, ""], origin);
    return;
  }
  const safe = MS.NOSUID | MS.NODEV | MS.NOEXEC;
  b.add("init", "MOUNT_IN_ROOT", ["tmpfs", dest, "tmpfs", safe, "mode=755"], origin);
  for (const hierarchy of layout.v1) {
    const name = hierarchy.startsWith("name=") ? hierarchy.slice(5) : hierarchy;
    const target = posix.join(dest, name);
    b.add("init", "MKDIR_IN_ROOT", [target, 0o755], origin);
    const own = layout.containerDirs?.[name] ?? (layout.freshMountsRefused ? posix.join(CGROUP_ROOT, name) : undefined);
    if (own) bindHierarchy(b, own, target, flags | safe, origin);
    else {
      b.add("init", "MOUNT_IN_ROOT", ["cgroup", target, "cgroup", flags | safe, hierarchy.startsWith("name=") ? `none,${hierarchy}` : hierarchy], origin);
    }
    // "cpu,cpuacct" is also reachable as cpu and cpuacct, as on the host.
    const parts = name.split(",");
    if (parts.length > 1) for (const part of parts) b.add("init", "SYMLINK_IN_ROOT", [name, posix.join(dest, part)], origin);
  }
  if (layout.hybridUnified) {
    const target = posix.join(dest, "unified");
    b.add("init", "MKDIR_IN_ROOT", [target, 0o755], origin);
    if (layout.freshMountsRefused) bindHierarchy(b, layout.containerDirs?.unified ?? posix.join(CGROUP_ROOT, "unified"), target, flags | safe, origin);
    else b.add("init", "MOUNT_IN_ROOT", ["cgroup2", target, "cgroup2", flags | safe, ""], origin);
  }
  if (flags & MS.RDONLY) b.add("init", "REMOUNT_IN_ROOT", [dest, MS.RDONLY | safe], origin);
}

const CGROUP_ROOT = "/sys/fs/cgroup";

/** A host cgroup directory bound onto target, then its flags (a bind ignores them; mount(2)). */
function bindHierarchy(b: PlanBuilder, source: string, target: string, flags: number, origin: number): void {
  b.add("init", "MOUNT_IN_ROOT", [source, target, "", MS.BIND, ""], origin);
  b.add("init", "REMOUNT_IN_ROOT", [target, MS.BIND | flags], origin);
}
