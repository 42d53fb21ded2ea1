/** Profiles and failures the seccomp compiler tests share. */
import { expect } from "bun:test";
import { RuntimeError } from "../../../../../runtime/lib/errors.ts";
import { compileSeccomp } from "../../../../../runtime/lib/seccomp/compile.ts";
import type { SeccompProfile, SeccompRule } from "../../../../../runtime/lib/seccomp/types.ts";

export function allowExcept(...syscalls: SeccompRule[]): SeccompProfile {
  return { defaultAction: "SCMP_ACT_ALLOW", syscalls };
}

/** The error compileSeccomp throws for `profile`: always CONFIG_INVALID. */
export function compileError(profile: SeccompProfile): RuntimeError {
  try {
    compileSeccomp(profile);
  } catch (err) {
    expect(err).toBeInstanceOf(RuntimeError);
    expect((err as RuntimeError).code).toBe("CONFIG_INVALID");
    return err as RuntimeError;
  }
  throw new Error("expected compileSeccomp to fail");
}
