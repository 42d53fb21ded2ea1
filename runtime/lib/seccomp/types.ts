/**
 * What compileSeccomp accepts: `linux.seccomp` (runtime-spec config-linux.md#seccomp) with the
 * enumerations widened to string. The schema's LinuxSeccomp (schemas/index.ts) fits it, and so
 * does a profile that never went through schema validation (the default profile, tests), because
 * compile.ts is where an unknown word becomes an error naming its JSON pointer. Argument values
 * may also be bigints, for 64-bit values JSON numbers cannot hold.
 */

export interface SeccompArg {
  index: number;
  value: number | bigint;
  valueTwo?: number | bigint;
  op: string;
}

export interface SeccompRule {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: SeccompArg[];
}

export interface SeccompProfile {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  flags?: string[];
  listenerPath?: string;
  listenerMetadata?: string;
  syscalls?: SeccompRule[];
}
