/**
 * The runtime-spec config.json as the runtime reads it: the types generated from our schema
 * (schemas/generated/types/runtime-config.ts), narrowed where config.md REQUIRES what the schema
 * (shared by every platform, as upstream's) leaves optional: process.user with uid and gid,
 * ioPriority.priority, personality.domain. loadBundleConfig (config.ts semanticIssues) and exec's
 * processIssues reject a document without them before anything reads it as a Spec.
 */
import type * as Generated from "../../schemas/generated/types/runtime-config.ts";

export type {
  Hook,
  Hooks,
  Mount,
  LinuxIDMapping as IdMapping,
  POSIXRlimit as Rlimit,
  LinuxCapabilities as Capabilities,
  Scheduler,
  LinuxNamespace as Namespace,
  LinuxDevice as Device,
  LinuxSeccomp as Seccomp,
} from "../../schemas/generated/types/runtime-config.ts";

export type User = Generated.User & { uid: number; gid: number };
export type IoPriority = Generated.LinuxIOPriority & { priority: number };
export type Process = Omit<Generated.Process, "user" | "ioPriority"> & { user: User; ioPriority?: IoPriority };
export type Personality = Generated.LinuxPersonality & { domain: NonNullable<Generated.LinuxPersonality["domain"]> };
export type Linux = Omit<Generated.Linux, "personality"> & { personality?: Personality };
export type Spec = Omit<Generated.Spec, "process" | "linux"> & { process?: Process; linux?: Linux };

export const HOOK_KINDS = ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"] as const;
export type HookKind = (typeof HOOK_KINDS)[number];
