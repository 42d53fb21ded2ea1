/**
 * Image config → runtime spec, following image-spec conversion.md, over the secure defaults of
 * defaults.ts, then the caller's overrides. Pure apart from reading /etc/passwd and /etc/group
 * inside the (mounted) rootfs for `User`.
 */
import type { Mount as SpecMount, Spec } from "../../../schemas/linux-config.ts";
import type { ImageConfig } from "../image/types.ts";
import { DEFAULT_PATH_ENV, defaultSpec } from "./defaults.ts";
import { resolveUserInRootfs, type ResolvedUser } from "./user.ts";
import { ImagetoolError } from "../errors.ts";

export interface BundleOverrides {
  /** Replaces the image's Cmd (Docker semantics: the Entrypoint stays). */
  args?: string[];
  /** Replaces the image's Entrypoint ([] clears it). */
  entrypoint?: string[];
  /** KEY=VALUE entries added to (or replacing in) the image's Env. */
  env?: string[];
  cwd?: string;
  user?: string;
  hostname?: string;
  /** `-v src:dst[:ro]` bind mounts. */
  volumes?: string[];
  /** Memory limit in bytes. */
  memory?: number;
  /** CPUs as a fraction (1.5 = one and a half CPUs), as a CFS quota over a 100ms period. */
  cpus?: number;
  /** Join this network namespace (a path such as /var/run/netns/x) instead of creating one. */
  netns?: string;
  terminal?: boolean;
}

/** conversion.md annotation keys. */
const A = {
  os: "org.opencontainers.image.os",
  arch: "org.opencontainers.image.architecture",
  variant: "org.opencontainers.image.variant",
  osVersion: "org.opencontainers.image.os.version",
  osFeatures: "org.opencontainers.image.os.features",
  author: "org.opencontainers.image.author",
  created: "org.opencontainers.image.created",
  stopSignal: "org.opencontainers.image.stopSignal",
  exposedPorts: "org.opencontainers.image.exposedPorts",
};
/** Volumes have no conversion.md annotation; bocker records them under its own key. */
export const VOLUMES_ANNOTATION = "io.bocker.image.volumes";

/** Merges KEY=VALUE lists: a later key replaces an earlier one in place. */
export function mergeEnv(base: string[], extra: string[]): string[] {
  const out = [...base];
  for (const e of extra) {
    const key = e.split("=", 1)[0]!;
    const i = out.findIndex((x) => x.split("=", 1)[0] === key);
    if (i === -1) out.push(e);
    else out[i] = e;
  }
  return out;
}

export function parseVolume(v: string): SpecMount {
  const parts = v.split(":");
  const [src, dst, mode, ...rest] = parts;
  if (!src || !dst || rest.length > 0 || (mode !== undefined && mode !== "ro" && mode !== "rw")) {
    throw new ImagetoolError("INVALID_ARGUMENT", `invalid volume ${JSON.stringify(v)}: expected SRC:DST[:ro|rw]`);
  }
  if (!src.startsWith("/") || !dst.startsWith("/")) throw new ImagetoolError("INVALID_ARGUMENT", `invalid volume ${JSON.stringify(v)}: both paths must be absolute`);
  return { destination: dst, type: "bind", source: src, options: ["rbind", "rprivate", ...(mode === "ro" ? ["ro"] : [])] };
}

/** The spec for `config`, with `rootfs` used only to resolve the user. */
export function imageConfigToSpec(image: ImageConfig, rootfs: string, o: BundleOverrides = {}): Spec {
  const spec = defaultSpec();
  const c = image.config ?? {};
  const proc = spec.process!;
  // conversion.md "Config.Entrypoint/Cmd": args = Entrypoint ++ Cmd.
  const entrypoint = o.entrypoint ?? c.Entrypoint ?? [];
  const cmd = o.args ?? c.Cmd ?? [];
  proc.args = [...entrypoint, ...cmd];
  if (proc.args.length === 0) throw new ImagetoolError("INVALID_IMAGE", "the image has no Entrypoint or Cmd and no command was given");
  const imageEnv = c.Env ?? [];
  const withPath = imageEnv.some((e) => e.startsWith("PATH=")) ? imageEnv : [DEFAULT_PATH_ENV, ...imageEnv];
  proc.cwd = o.cwd ?? (c.WorkingDir || "/");
  if (!proc.cwd.startsWith("/")) throw new ImagetoolError("INVALID_ARGUMENT", `working directory ${JSON.stringify(proc.cwd)} is not absolute`);
  const user: ResolvedUser = resolveUserInRootfs(rootfs, o.user ?? c.User ?? "");
  proc.user = { uid: user.uid, gid: user.gid, ...(user.additionalGids.length ? { additionalGids: user.additionalGids } : {}) };
  // HOME from the passwd entry, as Docker and runc's exec user setup do when the image sets none.
  const home = withPath.some((e) => e.startsWith("HOME=")) ? [] : [`HOME=${user.home || "/"}`];
  proc.env = mergeEnv([...withPath, ...home], [...(o.terminal ? ["TERM=xterm"] : []), ...(o.env ?? [])]);
  proc.terminal = o.terminal ?? false;

  const annotations: Record<string, string> = { ...(c.Labels ?? {}) };
  annotations[A.os] = image.os;
  annotations[A.arch] = image.architecture;
  if (image.variant) annotations[A.variant] = image.variant;
  if (image["os.version"]) annotations[A.osVersion] = image["os.version"];
  if (image["os.features"]?.length) annotations[A.osFeatures] = image["os.features"].join(",");
  if (image.author) annotations[A.author] = image.author;
  if (image.created) annotations[A.created] = image.created;
  if (c.StopSignal) annotations[A.stopSignal] = c.StopSignal;
  if (c.ExposedPorts && Object.keys(c.ExposedPorts).length) annotations[A.exposedPorts] = Object.keys(c.ExposedPorts).sort().join(",");
  if (c.Volumes && Object.keys(c.Volumes).length) annotations[VOLUMES_ANNOTATION] = Object.keys(c.Volumes).sort().join(",");
  spec.annotations = annotations;

  if (o.hostname !== undefined) spec.hostname = o.hostname;
  spec.mounts!.push(...(o.volumes ?? []).map(parseVolume));
  const linux = spec.linux!;
  const resources = (linux.resources ??= {});
  if (o.memory !== undefined) {
    if (!Number.isSafeInteger(o.memory) || o.memory <= 0) throw new ImagetoolError("INVALID_ARGUMENT", `invalid memory limit ${o.memory}`);
    resources.memory = { limit: o.memory };
  }
  if (o.cpus !== undefined) {
    if (!(o.cpus > 0)) throw new ImagetoolError("INVALID_ARGUMENT", `invalid cpus ${o.cpus}`);
    resources.cpu = { quota: Math.round(o.cpus * 100000), period: 100000 };
  }
  if (o.netns !== undefined) {
    if (!o.netns.startsWith("/")) throw new ImagetoolError("INVALID_ARGUMENT", `network namespace path ${JSON.stringify(o.netns)} is not absolute`);
    linux.namespaces = linux.namespaces!.map((n) => (n.type === "network" ? { type: "network", path: o.netns } : n));
  }
  return spec;
}
