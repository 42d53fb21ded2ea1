/**
 * The runtime-spec config.json as a Linux runtime may rely on it: the types generated from our
 * schema (generated/types/runtime-config.ts), narrowed where config.md REQUIRES what the schema
 * (shared by every platform, as upstream's) leaves optional: process.user with uid and gid,
 * ioPriority.priority, personality.domain. bocker-runtime's semantic checks (runtime/lib/config.ts
 * semanticIssues, processIssues) reject a document without them before it is read as a Spec;
 * bocker-imagetool writes configs of this type.
 */
import type * as Generated from "./generated/types/runtime-config.ts";

export type {
  Hook,
  Hooks,
  Mount,
  LinuxIDMapping,
  POSIXRlimit,
  LinuxCapabilities,
  Scheduler,
  LinuxNamespace,
  LinuxDevice,
  LinuxSeccomp,
  LinuxResources,
  LinuxDeviceCgroup,
  LinuxMemory,
  LinuxCPU,
  LinuxBlockIO,
  LinuxThrottleDevice,
} from "./generated/types/runtime-config.ts";

export type User = Generated.User & { uid: number; gid: number };
export type IoPriority = Generated.LinuxIOPriority & { priority: number };
export type Process = Omit<Generated.Process, "user" | "ioPriority"> & { user: User; ioPriority?: IoPriority };
export type Personality = Generated.LinuxPersonality & { domain: NonNullable<Generated.LinuxPersonality["domain"]> };
export type Linux = Omit<Generated.Linux, "personality"> & { personality?: Personality };
export type Spec = Omit<Generated.Spec, "process" | "linux"> & { process?: Process; linux?: Linux };
