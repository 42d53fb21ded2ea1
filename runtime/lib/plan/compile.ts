/**
 * config.json + facts about the host → the Plan bocker-init executes. Pure: no file is read or
 * written here; everything the compiler needs to know about the host comes in `CreateFacts`.
 * The INIT order is runc's (libcontainer/rootfs_linux.go prepareRootfs + standard_init_linux.go):
 * rootfs propagation and self-bind, mounts, devices, the createContainer hook sync, pivot_root,
 * read-only root, setsid/console, hostname, sysctls, readonly then masked paths, then the process
 * part (process-steps.ts).
 */
import { PlanBuilder, pointerKey, type CompiledPlan } from "./builder.ts";
import { processSteps, hookStepArgs, type CompiledSeccomp } from "./process-steps.ts";
import { namespaceSteps, joinContainerNamespaces, ROOT_IDENTITY } from "../linux/namespaces.ts";
import type { HostIdentity } from "../linux/idmap.ts";
import { userNamespaceMounts } from "../linux/userns-mounts.ts";
import { mountSteps, type MountFacts } from "../linux/mounts.ts";
import { deviceSteps } from "../linux/devices.ts";
import { MS, rootPropagationFlags, mountFlagNames } from "../linux/mount-options.ts";
import { sysctlPath } from "../linux/sysctl.ts";
import { checkMountLabel, type LsmFacts } from "../linux/lsm.ts";
import { execAffinitySteps, memoryPolicySteps } from "../linux/numa.ts";
import { netDeviceSteps } from "../linux/net-devices.ts";
import type { Linux, Process, Spec } from "../spec-types.ts";

const O_PATH = 0o10000000;

export interface CreateFacts extends MountFacts {
  /** Absolute rootfs path. */
  rootfs: string;
  execFifo: string;
  /** cgroup.procs files stage1 is written into (cgroup placement). */
  cgroupProcs: readonly string[];
  /** linux.intelRdt: the resctrl `tasks` files stage1 is written into (linux/resctrl.ts), CLOS first. */
  resctrlTasks: readonly string[];
  /** --systemd-cgroup: stage0 asks the runtime to place stage1 (a scope takes its pid) first. */
  cgroupSync?: boolean;
  consoleSocket?: string;
  /** --pidfd-socket (runc 1.2). */
  pidfdSocket?: string;
  noPivot: boolean;
  /** --no-pivot: the runtime's full proc and sysfs mounts outside the rootfs (hostPseudoFsMounts). */
  hostPseudoFs?: readonly string[];
  preserveFds: number;
  /** `run` without -d: stage0 waits for the container and exits with its status. */
  foreground: boolean;
  seccomp?: CompiledSeccomp;
  lsm?: LsmFacts;
  /** Who runs the runtime (decides how id maps are written); default root. */
  host?: HostIdentity;
  /** The runtime's bounding set: capabilities outside it are dropped with a warning. */
  grantableCaps?: bigint;
}

export function compileCreate(spec: Spec, facts: CreateFacts): CompiledPlan {
  const b = new PlanBuilder();
  const linux = spec.linux ?? {};
  const proc = spec.process!;
  const hooks = spec.hooks ?? {};
  checkMountLabel(linux.mountLabel, facts.lsm ?? { apparmor: false, selinux: false });

  // HOST (stage0): namespace paths are opened in namespaceSteps; the FIFO is opened O_PATH so
  // the container can open it for writing later without any path lookup (runc: exec.fifo).
  const fifoSlot = b.slot();
  b.emit("host", "OPEN_SLOT", [fifoSlot, facts.execFifo, O_PATH], `open exec FIFO ${facts.execFifo}`, "");
  const consoleSlot = consoleStep(b, proc, facts.consoleSocket);
  const pidfdSlot = pidfdSocketStep(b, facts.pidfdSocket);
  const listenerSlot = listenerStep(b, facts.seccomp);
  if (proc.oomScoreAdj !== undefined) b.emit("host", "OOM_SCORE_ADJ", [proc.oomScoreAdj], `oom_score_adj ${proc.oomScoreAdj}`, "/process/oomScoreAdj");
  if (facts.foreground) b.emit("host", "FOREGROUND", [], "wait for the container in the foreground", "");

  // PARENT: cgroups before anything runs in the container, so every process is accounted.
  if (facts.cgroupSync) b.emit("parent", "CGROUP_SYNC", [], "let the runtime start the systemd scope with stage1's pid", "/linux/cgroupsPath");
  for (const procs of facts.cgroupProcs) b.emit("parent", "CGROUP_ENTER", [procs], `enter cgroup ${procs}`, "/linux/cgroupsPath");
  // The same write of stage1's pid: a resctrl group's tasks file takes a pid as cgroup.procs does.
  for (const tasks of facts.resctrlTasks) b.emit("parent", "CGROUP_ENTER", [tasks], `enter resctrl group ${tasks}`, "/linux/intelRdt");
  b.emit("parent", "RELEASE_CHILD", [], "release stage1", "");
  b.emit("child", "AWAIT_RELEASE", [], "wait for cgroup placement", "");
  const idmaps = namespaceSteps(b, linux, facts.host);

  // INIT: the root filesystem.
  const propagation = rootPropagationFlags(linux.rootfsPropagation);
  // rootfsPropagation is the container root's (config-linux.md): set on / once it is the rootfs.
  // Before that our copy of the host's / gets it too (runc prepareRoot), except unbindable, which
  // would refuse the rootfs self-bind (runc fails there; runtime-tools linux_rootfs_propagation).
  const unbindable = (propagation & MS.UNBINDABLE) !== 0;
  const hostCopyPropagation = unbindable ? MS.SLAVE | MS.REC : propagation;
  // Without a mount namespace the mounts are the runtime's own: leave its / alone and chroot (runc).
  const mountns = (linux.namespaces ?? []).some((n) => n.type === "mount");
  if (mountns) b.emit("init", "ROOTFS_PREPARE", [facts.rootfs, hostCopyPropagation], `make / ${mountFlagNames(hostCopyPropagation)}, bind rootfs ${facts.rootfs} onto itself`, "/root/path");
  else b.emit("init", "ROOTFS_OPEN", [facts.rootfs], `open rootfs ${facts.rootfs} (no mount namespace: the runtime's mounts)`, "/root/path");
  const mounts = userNamespaceMounts(spec.mounts ?? [], linux);
  // In its own cgroup namespace a cgroup mount already shows the container's cgroup as the root.
  const cgroupns = (linux.namespaces ?? []).some((n) => n.type === "cgroup" && !n.path);
  const userns = (linux.namespaces ?? []).some((n) => n.type === "user" && !n.path);
  // In any user namespace but the host's, only a cgroup namespace of our own allows fresh cgroup mounts.
  const inUserns = (linux.namespaces ?? []).some((n) => n.type === "user");
  const cgroupLayout = cgroupns ? { ...facts.cgroupLayout, containerDirs: undefined } : { ...facts.cgroupLayout, freshMountsRefused: inUserns };
  // A root runtime opens bind sources for a user-namespaced container itself (runc: the container's
  // root is an unprivileged host uid that may not search a 0700 directory on the way). An
  // unprivileged runtime could not setns into the new mount namespace (no CAP_SYS_CHROOT).
  const hostOpens = inUserns && mountns && (facts.host ?? ROOT_IDENTITY).euid === 0;
  const hostOpenedSources = hostOpens ? { paths: [] as string[], slots: [] as number[] } : undefined;
  const userNamespaceMaps = userns && linux.uidMappings && linux.gidMappings ? { uid: linux.uidMappings, gid: linux.gidMappings } : undefined;
  const deferredReadonly = mountSteps(b, mounts, { ...facts, cgroupLayout, hostOpenedSources, userNamespaceMaps });
  if (hostOpenedSources && hostOpenedSources.paths.length > 0) {
    const origin = b.origin(`open bind mount sources in the container's mount namespace: ${hostOpenedSources.paths.join(", ")}`, "/mounts");
    b.add("parent", "SEND_MOUNT_SOURCES", [hostOpenedSources.paths], origin);
    b.add("child", "RECEIVE_MOUNT_SOURCES", [hostOpenedSources.slots], origin);
  }
  netDeviceSteps(b, linux);
  b.emit("child", "FORK_INIT", [], "fork the container init", "/linux/namespaces");
  const hostDev = mounts.some((m) => m.destination === "/dev" && (m.type === "bind" || (m.options ?? []).some((o) => o === "bind" || o === "rbind")));
  deviceSteps(b, linux.devices ?? [], { userns, hostDev });
  // runc creates a missing cwd (after the mounts, so one on a tmpfs lands there); podman relies on it.
  if (proc.cwd !== "/") b.emit("init", "MKDIR_IN_ROOT", [proc.cwd, 0o755], `create cwd ${proc.cwd} if missing`, "/process/cwd");

  // The runtime runs prestart and createRuntime hooks at this sync (namespaces exist, pivot not
  // done: runtime-spec config.md "createRuntime"); createContainer hooks run here, in the
  // container's namespaces, before pivot_root. startContainer hooks need the state JSON too.
  // The seccomp listener payload (the container process state) arrives with the same reply.
  const needsSync = listenerSlot >= 0 || [hooks.prestart, hooks.createRuntime, hooks.createContainer, hooks.startContainer].some((h) => h && h.length > 0);
  if (needsSync) b.emit("init", "HOOKS_SYNC", [], "run prestart and createRuntime hooks (in the runtime namespace)", "/hooks");
  // runc prepareRootfs chdirs into the rootfs before them, and hooks rely on it (`touch ./lib/x`);
  // PIVOT_ROOT and MOVE_ROOT work from the root fd, so the cwd changes nothing after them.
  if (hooks.createContainer?.length) b.emit("init", "CHDIR", [facts.rootfs], `chdir into the rootfs ${facts.rootfs} for the createContainer hooks`, "/root/path");
  for (const [i, h] of (hooks.createContainer ?? []).entries()) {
    b.emit("init", "RUN_HOOK", hookStepArgs(h), `createContainer hook ${h.path}`, `/hooks/createContainer/${i}`);
  }
  if (!mountns) b.emit("init", "CHROOT", [], "chroot into the rootfs (no mount namespace)", "/linux/namespaces");
  else if (facts.noPivot) {
    const hidden = [...(facts.hostPseudoFs ?? [])];
    if (hidden.length > 0) b.emit("init", "HIDE_HOST_MOUNTS", [hidden], `detach the host's proc and sysfs mounts outside the rootfs (${hidden.join(", ")})`, "");
    b.emit("init", "MOVE_ROOT", [], "move the rootfs onto / and chroot (--no-pivot)", "");
  }
  else b.emit("init", "PIVOT_ROOT", [], "pivot_root into the rootfs", "/root/path");
  // The rootfs bind came out of a parent mount made private (pivot_root needs it), so shared and
  // unbindable must be set on the new / itself; private already holds (runc skips it too).
  if (mountns && linux.rootfsPropagation && (propagation & MS.PRIVATE) === 0) {
    b.emit("init", "ROOT_PROPAGATION", [propagation], `make the container root ${mountFlagNames(propagation)}`, "/linux/rootfsPropagation");
  }
  if (spec.root?.readonly) b.emit("init", "REMOUNT_ROOT_READONLY", [], "remount / read-only", "/root/readonly");

  // A new session for the container (runc nsexec: setsid), then its controlling terminal.
  b.emit("init", "SETSID", [], "start a new session", "");
  // config-linux.md: the pty also appears as /dev/console in the container (not for exec).
  if (consoleSlot >= 0) b.emit("init", "CONSOLE", [consoleSlot, 1], "create a pty, bind it onto /dev/console and send its master to the console socket", "/process/terminal");
  if (consoleSlot >= 0) consoleSizeStep(b, proc, "/process");
  // runc standard_init: right after the console.
  if (pidfdSlot >= 0) b.emit("init", "SEND_PIDFD", [pidfdSlot, "standard"], "send a pidfd of the init to the pidfd socket", "");
  // runc finalizeRootfs: /dev and tmpfs mounts asked to be read-only become so now that they are filled.
  for (const d of deferredReadonly) b.add("init", "SET_READONLY_IN_ROOT", [d.destination], d.origin);
  if (spec.hostname !== undefined) b.emit("init", "SETHOSTNAME", [spec.hostname], `hostname ${spec.hostname}`, "/hostname");
  if (spec.domainname !== undefined) b.emit("init", "SETDOMAINNAME", [spec.domainname], `domainname ${spec.domainname}`, "/domainname");
  for (const [key, value] of Object.entries(linux.sysctl ?? {})) {
    b.emit("init", "SYSCTL", [key.includes("/") ? key : sysctlPath(key), value], `sysctl ${key}=${value}`, `/linux/sysctl/${pointerKey(key)}`);
  }
  for (const [i, path] of (linux.readonlyPaths ?? []).entries()) b.emit("init", "READONLY_PATH", [path], `make ${path} read-only`, `/linux/readonlyPaths/${i}`);
  for (const [i, path] of (linux.maskedPaths ?? []).entries()) b.emit("init", "MASK_PATH", [path], `mask ${path}`, `/linux/maskedPaths/${i}`);
  memoryPolicySteps(b, linux.memoryPolicy);

  processSteps(
    b,
    proc,
    { seccomp: facts.seccomp, seccompListenerSlot: listenerSlot, preserveFds: facts.preserveFds, setgroupsDenied: idmaps?.setgroupsDenied, handshake: { execFifoSlot: fifoSlot, startContainer: hooks.startContainer ?? [] }, pointerBase: "", lsm: facts.lsm, grantableCaps: facts.grantableCaps },
    linux.personality,
  );
  return b.build();
}

export interface ExecFacts {
  pid: number;
  /** Namespace types of the container that differ from the runtime's own. */
  namespaces: readonly string[];
  cgroupProcs: readonly string[];
  consoleSocket?: string;
  pidfdSocket?: string;
  preserveFds: number;
  foreground: boolean;
  seccomp?: CompiledSeccomp;
  /** Where the process came from: "" (config.json) or e.g. "process.json". */
  pointerBase: string;
  /** The container's /proc/<pid>/setgroups says "deny" (an unprivileged runtime's single-id map). */
  setgroupsDenied?: boolean;
  lsm?: LsmFacts;
  grantableCaps?: bigint;
  /** The container's linux.memoryPolicy: an exec'd process gets it too (it does not inherit the init's). */
  memoryPolicy?: Linux["memoryPolicy"];
}

/** exec: join the container (runc setns_init_linux.go), no rootfs work, no handshake. */
export function compileExec(proc: Process, facts: ExecFacts): CompiledPlan {
  const b = new PlanBuilder();
  const consoleSlot = consoleStep(b, proc, facts.consoleSocket);
  const pidfdSlot = pidfdSocketStep(b, facts.pidfdSocket);
  const listenerSlot = listenerStep(b, facts.seccomp);
  if (proc.oomScoreAdj !== undefined) b.emit("host", "OOM_SCORE_ADJ", [proc.oomScoreAdj], `oom_score_adj ${proc.oomScoreAdj}`, "/process/oomScoreAdj");
  if (facts.foreground) b.emit("host", "FOREGROUND", [], "wait for the process in the foreground", "");
  for (const procs of facts.cgroupProcs) b.emit("parent", "CGROUP_ENTER", [procs], `enter cgroup ${procs}`, "");
  b.emit("parent", "RELEASE_CHILD", [], "release stage1", "");
  b.emit("child", "AWAIT_RELEASE", [], "wait for cgroup placement", "");
  joinContainerNamespaces(b, facts.pid, facts.namespaces);
  b.emit("child", "FORK_INIT", [], "fork into the container's pid namespace", "");
  b.emit("init", "SETSID", [], "start a new session", "");
  if (consoleSlot >= 0) b.emit("init", "CONSOLE", [consoleSlot, 0], "create a pty and send its master to the console socket", "/process/terminal");
  if (consoleSlot >= 0) consoleSizeStep(b, proc, facts.pointerBase);
  if (pidfdSlot >= 0) b.emit("init", "SEND_PIDFD", [pidfdSlot, "setns"], "send a pidfd of the process to the pidfd socket", "");
  // The seccomp agent's payload (the process state) comes from the runtime, as for create (runc
  // sends an exec'd process's listener fd to the agent too).
  if (listenerSlot >= 0) b.emit("init", "HOOKS_SYNC", [], "receive the seccomp agent's payload from the runtime", "/linux/seccomp/listenerPath");
  execAffinitySteps(b, proc, facts.pointerBase);
  memoryPolicySteps(b, facts.memoryPolicy);
  processSteps(b, proc, { seccomp: facts.seccomp, seccompListenerSlot: listenerSlot, preserveFds: facts.preserveFds, pointerBase: facts.pointerBase, setgroupsDenied: facts.setgroupsDenied, lsm: facts.lsm, grantableCaps: facts.grantableCaps });
  return b.build();
}

function consoleStep(b: PlanBuilder, proc: Process, socket: string | undefined): number {
  if (!proc.terminal || !socket) return -1;
  const slot = b.slot();
  b.emit("host", "CONNECT_SLOT", [slot, socket], `connect console socket ${socket}`, "/process/terminal");
  return slot;
}

/** --pidfd-socket: connected by stage0 with the runtime's credentials, as runc dials it first. */
function pidfdSocketStep(b: PlanBuilder, socket: string | undefined): number {
  if (!socket) return -1;
  const slot = b.slot();
  b.emit("host", "CONNECT_SLOT", [slot, socket], `connect pidfd socket ${socket}`, "");
  return slot;
}

/** Only when the compiled profile notifies: a listenerPath with no SCMP_ACT_NOTIFY rule is unused (runc). */
function listenerStep(b: PlanBuilder, seccomp: CompiledSeccomp | undefined): number {
  const path = seccomp?.listenerPath;
  if (!path) return -1;
  const slot = b.slot();
  b.emit("host", "CONNECT_SLOT", [slot, path], `connect seccomp listener ${path}`, "/linux/seccomp/listenerPath");
  return slot;
}

/** process.consoleSize, when both sides are set (runc leaves the pty's size alone otherwise). */
function consoleSizeStep(b: PlanBuilder, proc: Process, base: string): void {
  const size = proc.consoleSize;
  if (size?.height && size.width) b.emit("init", "CONSOLE_SIZE", [size.height, size.width], `console size ${size.height}x${size.width}`, `${base}/consoleSize`);
}
