/**
 * linux.namespaces → steps. New namespaces are unshared by stage1; `path` ones are opened by
 * stage0 (HOST, in the runtime's own mount namespace, so the paths mean what the user meant) and
 * joined by stage1. The user namespace comes first both ways: joining or creating it is what gives
 * us the capabilities the other setns/unshare calls need inside it (user_namespaces(7)); pid and
 * time namespaces only apply to children, which is why FORK_INIT follows.
 */
import { RuntimeError } from "../errors.ts";
import type { PlanBuilder } from "../plan/builder.ts";
import type { Linux } from "../spec-types.ts";
import { idMapSteps, type HostIdentity, type IdMapStrategy } from "./idmap.ts";

export const NAMESPACE_FLAGS: Record<string, number> = {
  user: 0x10000000,
  mount: 0x00020000,
  uts: 0x04000000,
  ipc: 0x08000000,
  network: 0x40000000,
  pid: 0x20000000,
  cgroup: 0x02000000,
  time: 0x00000080,
};

/** File names under /proc/<pid>/ns/. */
export const NAMESPACE_PROC_NAMES: Record<string, string> = {
  user: "user",
  mount: "mnt",
  uts: "uts",
  ipc: "ipc",
  network: "net",
  pid: "pid",
  cgroup: "cgroup",
  time: "time",
};

/** user first (privilege in the others), mount last (paths of later steps stay the host's). */
export const JOIN_ORDER = ["user", "ipc", "uts", "network", "pid", "cgroup", "time", "mount"] as const;

const O_RDONLY = 0;

/** A runtime run by root: it writes every id map itself. */
export const ROOT_IDENTITY: HostIdentity = { euid: 0, egid: 0 };

/** Returns how the id maps get written when a user namespace is created (undefined otherwise). */
export function namespaceSteps(b: PlanBuilder, linux: Linux, who: HostIdentity = ROOT_IDENTITY): IdMapStrategy | undefined {
  const list = linux.namespaces ?? [];
  const indexOf = (type: string) => list.findIndex((n) => n.type === type);
  for (const type of JOIN_ORDER) {
    const i = indexOf(type);
    const ns = list[i];
    if (!ns?.path) continue;
    const pointer = `/linux/namespaces/${i}`;
    const origin = b.origin(`join ${type} namespace ${ns.path}`, pointer);
    const slot = b.slot();
    b.add("host", "OPEN_SLOT", [slot, ns.path, O_RDONLY], origin);
    b.add("child", "SETNS", [slot, NAMESPACE_FLAGS[type]!], origin);
  }
  const userIndex = indexOf("user");
  if (who.euid !== 0 && userIndex < 0) {
    // runc validate/rootless.go: without CAP_SYS_ADMIN nothing else could be unshared or mounted.
    throw new RuntimeError("CONFIG_INVALID", `config.json /linux/namespaces: bocker-runtime runs unprivileged (euid ${who.euid}), so the container needs a user namespace (see \`spec --rootless\`)`, { pointer: "/linux/namespaces" });
  }
  let idmaps: IdMapStrategy | undefined;
  if (userIndex >= 0 && !list[userIndex]!.path) {
    const pointer = `/linux/namespaces/${userIndex}`;
    const origin = b.origin("create user namespace", pointer);
    b.add("child", "UNSHARE", [NAMESPACE_FLAGS.user!], origin);
    idmaps = idMapSteps(b, linux.uidMappings ?? [], linux.gidMappings ?? [], who);
    b.add("child", "REQUEST_IDMAPS", [], origin);
    b.add("child", "SETRESID", [0, 0], b.origin("become root in the new user namespace", pointer));
  }
  let flags = 0;
  const created: string[] = [];
  for (const type of JOIN_ORDER) {
    const ns = list[indexOf(type)];
    if (type === "user" || !ns || ns.path) continue;
    flags |= NAMESPACE_FLAGS[type]!;
    created.push(type);
  }
  if (flags !== 0) b.emit("child", "UNSHARE", [flags], `create ${created.join(", ")} namespaces`, "/linux/namespaces");
  // runc specconv: a new network namespace gets its loopback "network" (lo up); a joined one is left as it is.
  if (created.includes("network")) b.emit("child", "LOOPBACK_UP", [], "bring up lo in the new network namespace", `/linux/namespaces/${indexOf("network")}`);
  if (linux.timeOffsets && indexOf("time") >= 0 && !list[indexOf("time")]!.path) {
    const text = Object.entries(linux.timeOffsets)
      .map(([clock, o]) => `${clock} ${o.secs ?? 0} ${o.nanosecs ?? 0}\n`)
      .join("");
    b.emit("child", "TIMENS_OFFSETS", [text], "set time namespace offsets", "/linux/timeOffsets");
  }
  return idmaps;
}

/** exec: join every namespace of the container that differs from ours (setns to our own user ns is EINVAL). */
export function joinContainerNamespaces(b: PlanBuilder, pid: number, types: readonly string[]): void {
  for (const type of JOIN_ORDER) {
    if (!types.includes(type)) continue;
    const path = `/proc/${pid}/ns/${NAMESPACE_PROC_NAMES[type]}`;
    const origin = b.origin(`join ${type} namespace of pid ${pid}`, "");
    const slot = b.slot();
    b.add("host", "OPEN_SLOT", [slot, path, O_RDONLY], origin);
    b.add("child", "SETNS", [slot, NAMESPACE_FLAGS[type]!], origin);
  }
}
