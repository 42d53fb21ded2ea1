/**
 * The config.json `spec` writes: the shared default (schemas/defaults/runtime-config.ts, runc's
 * specconv.Example plus bocker's default seccomp profile). `--rootless` applies runc's
 * ToRootless (schemas/defaults/rootless.ts, shared with the image tool's rootless bundles) with a
 * user namespace that maps the caller to root.
 */
import type { Spec } from "./spec-types.ts";

import { applyRootlessRules } from "../../schemas/defaults/rootless.ts";

export { defaultRuntimeConfig as defaultSpec } from "../../schemas/defaults/runtime-config.ts";

/** `spec --rootless`: the caller mapped to root, a single id each (runc spec --rootless). */
export function toRootless(spec: Spec, uid: number, gid: number): Spec {
  return applyRootlessRules(spec, { uidMappings: [{ containerID: 0, hostID: uid, size: 1 }], gidMappings: [{ containerID: 0, hostID: gid, size: 1 }] });
}
