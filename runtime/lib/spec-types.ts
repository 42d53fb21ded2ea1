/** The config.json types the runtime reads (schemas/linux-config.ts), under the runtime's short names. */
export type {
  Spec,
  Process,
  User,
  IoPriority,
  Personality,
  Linux,
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
  LinuxResources,
  LinuxDeviceCgroup as DeviceRule,
  LinuxMemory as MemoryResources,
  LinuxCPU as CpuResources,
  LinuxBlockIO as BlockIO,
  LinuxThrottleDevice as BlockIOThrottle,
} from "../../schemas/linux-config.ts";

export const HOOK_KINDS = ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"] as const;
export type HookKind = (typeof HOOK_KINDS)[number];
