/**
 * Mounts a new user namespace cannot make as written. sysfs may only be mounted by a process with
 * CAP_SYS_ADMIN over the network namespace's owning user namespace: without a new network
 * namespace that is the host's, so the mount fails with EPERM. runc then bind-mounts the host's
 * /sys instead (rootfs_linux.go, and specconv.ToRootless writes the same rbind); we decide it
 * here, before anything runs, so the helper stays free of fallbacks.
 */
import type { Linux, Mount } from "../spec-types.ts";

export function userNamespaceMounts(mounts: readonly Mount[], linux: Linux): Mount[] {
  const list = linux.namespaces ?? [];
  const newUserns = list.some((n) => n.type === "user" && !n.path);
  const newNetns = list.some((n) => n.type === "network" && !n.path);
  if (!newUserns || newNetns) return [...mounts];
  return mounts.map((m) => {
    if (m.type !== "sysfs") return m;
    // A bind mount takes no fs data (e.g. no sysfs-specific option survives); keep the flags.
    const options = ["rbind", ...(m.options ?? []).filter((o) => !o.includes("="))];
    return { destination: m.destination, type: "bind", source: "/sys", options };
  });
}
