/**
 * runc's specconv.ToRootless, the rules both tools apply to make a spec run unprivileged: the
 * runtime's `spec --rootless` and the image tool's rootless bundles. A user namespace with the
 * given maps; no new network namespace (the user could not configure it; one joined by path stays,
 * since the user may own one made with its user namespace); /sys bound read-only from the host
 * (sysfs cannot be mounted without owning the network namespace); no uid=/gid= mount options (the
 * ids they name, like devpts' gid=5, need not be mapped); and no cgroup resources (nothing is
 * delegated to the user).
 */
import type { LinuxIDMapping, Spec } from "../linux-config.ts";

export function applyRootlessRules(spec: Spec, maps: { uidMappings: LinuxIDMapping[]; gidMappings: LinuxIDMapping[] }): Spec {
  const linux = spec.linux ?? {};
  linux.namespaces = [...(linux.namespaces ?? []).filter((n) => (n.type !== "network" || n.path !== undefined) && n.type !== "user"), { type: "user" }];
  linux.uidMappings = maps.uidMappings;
  linux.gidMappings = maps.gidMappings;
  delete linux.resources;
  spec.linux = linux;
  spec.mounts = (spec.mounts ?? []).map((m) => {
    if (m.destination === "/sys") return { destination: "/sys", type: "none", source: "/sys", options: ["rbind", "nosuid", "noexec", "nodev", "ro"] };
    return m.options ? { ...m, options: m.options.filter((o) => !o.startsWith("gid=") && !o.startsWith("uid=")) } : m;
  });
  return spec;
}
