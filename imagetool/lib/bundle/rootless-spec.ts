/**
 * A bundle's spec for a rootless container, as `runc spec --rootless` (and bocker-runtime's
 * `spec --rootless`) make it: a user namespace with the maps the rootfs was unpacked through
 * (sys/rootless.ts), no new network namespace (the user could not configure it; one to join with
 * --netns stays), /sys bound read-only from the host (sysfs cannot be mounted without the network
 * namespace's owner), no uid=/gid= mount options, and no cgroup limits (nothing is delegated to
 * the user: the runtime refuses linux.resources when running unprivileged). The image's user must
 * be one the maps hold.
 */
import type { Spec } from "../../../schemas/linux-config.ts";
import { isSingleIdMap, type IdMapping } from "../sys/rootless.ts";
import { ImagetoolError } from "../errors.ts";

const mapped = (maps: IdMapping[], id: number) => maps.some((m) => id >= m.containerID && id < m.containerID + m.size);

export function toRootlessSpec(spec: Spec, maps: { uidMappings: IdMapping[]; gidMappings: IdMapping[] }): Spec {
  const linux = spec.linux!;
  const res = linux.resources ?? {};
  if (res.memory !== undefined || res.cpu !== undefined) {
    throw new ImagetoolError("INVALID_ARGUMENT", "--memory and --cpus need a cgroup delegated to the user, which a rootless bundle does not have");
  }
  delete linux.resources;
  // a network namespace to join (--netns) stays: the user may own one (made with its user namespace)
  linux.namespaces = [...linux.namespaces!.filter((n) => (n.type !== "network" || n.path !== undefined) && n.type !== "user"), { type: "user" }];
  linux.uidMappings = maps.uidMappings;
  linux.gidMappings = maps.gidMappings;
  spec.mounts = spec.mounts!.map((m) => {
    if (m.destination === "/sys") return { destination: "/sys", type: "none", source: "/sys", options: ["rbind", "nosuid", "noexec", "nodev", "ro"] };
    return m.options ? { ...m, options: m.options.filter((o) => !o.startsWith("gid=") && !o.startsWith("uid=")) } : m;
  });
  const user = spec.process!.user;
  if (!mapped(maps.uidMappings, user.uid) || !mapped(maps.gidMappings, user.gid)) {
    const how = isSingleIdMap(maps) ? "only root exists in a rootless container without a /etc/subuid range" : "the user namespace's maps do not hold it";
    throw new ImagetoolError("INVALID_ARGUMENT", `the container's user ${user.uid}:${user.gid} cannot run rootless: ${how} (choose another with --user)`);
  }
  // With one id mapped, setgroups is denied in the container (user_namespaces(7)): no extra groups.
  if (isSingleIdMap(maps)) delete user.additionalGids;
  else if (user.additionalGids) user.additionalGids = user.additionalGids.filter((g) => mapped(maps.gidMappings, g));
  return spec;
}
