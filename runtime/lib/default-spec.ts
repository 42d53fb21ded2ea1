/**
 * The config.json `spec` writes: the shared default (schemas/defaults/runtime-config.ts, runc's
 * specconv.Example plus bocker's default seccomp profile). `--rootless` applies runc's
 * ToRootless: a user namespace mapping the caller to root, no network namespace, /sys bound from
 * the host, no devpts gid, no resources.
 */
import type { Spec } from "./spec-types.ts";

export { defaultRuntimeConfig as defaultSpec } from "../../schemas/defaults/runtime-config.ts";

export function toRootless(spec: Spec, uid: number, gid: number): Spec {
  const linux = spec.linux ?? {};
  linux.namespaces = [...(linux.namespaces ?? []).filter((n) => n.type !== "network" && n.type !== "user"), { type: "user" }];
  linux.uidMappings = [{ containerID: 0, hostID: uid, size: 1 }];
  linux.gidMappings = [{ containerID: 0, hostID: gid, size: 1 }];
  delete linux.resources;
  spec.linux = linux;
  spec.mounts = (spec.mounts ?? []).map((m) => {
    if (m.destination === "/sys") return { destination: "/sys", type: "none", source: "/sys", options: ["rbind", "nosuid", "noexec", "nodev", "ro"] };
    return { ...m, ...(m.options ? { options: m.options.filter((o) => !o.startsWith("gid=") && !o.startsWith("uid=")) } : {}) };
  });
  return spec;
}
