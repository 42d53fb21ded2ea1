/**
 * A bundle's spec for a rootless container, as `runc spec --rootless` (and bocker-runtime's
 * `spec --rootless`) make it (schemas/defaults/rootless.ts: user namespace, network, /sys,
 * uid=/gid= options, resources), with the maps the rootfs was unpacked through (sys/rootless.ts).
 * Asked-for limits are an error rather than dropped (the runtime refuses linux.resources when
 * running unprivileged), and the image's user must be one the maps hold.
 */
import type { Spec } from "../../../schemas/linux-config.ts";
import { isSingleIdMap, type IdMapping } from "../sys/rootless.ts";
import { ImagetoolError } from "../errors.ts";
import { applyRootlessRules } from "../../../schemas/defaults/rootless.ts";

const mapped = (maps: IdMapping[], id: number) => maps.some((m) => id >= m.containerID && id < m.containerID + m.size);

export function toRootlessSpec(spec: Spec, maps: { uidMappings: IdMapping[]; gidMappings: IdMapping[] }): Spec {
  const res = spec.linux?.resources ?? {};
  if (res.memory !== undefined || res.cpu !== undefined) {
    throw new ImagetoolError("INVALID_ARGUMENT", "--memory and --cpus need a cgroup delegated to the user, which a rootless bundle does not have");
  }
  applyRootlessRules(spec, maps);
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
