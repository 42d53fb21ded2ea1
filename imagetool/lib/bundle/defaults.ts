/**
 * The secure default runtime spec a bundle starts from: the one `bocker-runtime spec` writes too
 * (schemas/defaults: runc's specconv.Example plus bocker's default seccomp profile), changed where
 * a bundle made from an image differs from a hand-edited one:
 * - no terminal: the bundle runs on its caller's stdio (a terminal is an override);
 * - a writable root: the rootfs is the container's own snapshot, as in Docker;
 * - no cgroup namespace, as Docker's default on cgroup v1 hosts; a caller that wants containers
 *   to see their own limits adds one (the bocker wrapper does).
 */
import { defaultRuntimeConfig } from "../../../schemas/defaults/runtime-config.ts";
import { DEFAULT_CAPABILITIES as SPEC_CAPABILITIES } from "../../../schemas/defaults/capabilities.ts";
import type { Spec } from "../../../schemas/linux-config.ts";

/** runc spec's capability set: every set gets the same three. */
export const DEFAULT_CAPABILITIES: string[] = [...SPEC_CAPABILITIES];

export const DEFAULT_PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export function defaultSpec(): Spec {
  const spec = defaultRuntimeConfig();
  spec.process!.terminal = false;
  spec.root = { path: "rootfs", readonly: false };
  spec.linux!.namespaces = spec.linux!.namespaces!.filter((ns) => ns.type !== "cgroup");
  return spec;
}
