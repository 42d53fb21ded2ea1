/**
 * The plan: what the TypeScript side decided, as a list of steps per helper stage, in order.
 * `compile.ts` produces it from config.json, `encode.ts` serialises it for `bocker-init`
 * (runtime/native/README.md has the wire format and the stages).
 */
import type { OpName, SectionName } from "./opcodes.ts";

/**
 * One argument, matched against the opcode's kind letter:
 *   i → number (integer) or bigint (64-bit; masks, -1 for "infinity")
 *   s → string (UTF-8) or Uint8Array (raw bytes, e.g. a seccomp BPF program)
 *   S → string[]
 *   I → Array<number | bigint>
 */
export type PlanArg = number | bigint | string | Uint8Array | string[] | Array<number | bigint>;

export interface Step {
  readonly op: OpName;
  readonly args: readonly PlanArg[];
  /** Index into the compiler's origin table (config.json pointer); the helper echoes it in `error` lines. */
  readonly origin: number;
}

/** Steps per stage; see the process diagram in runtime/native/README.md. */
export type Plan = { [S in SectionName]: Step[] };

export function step(op: OpName, args: readonly PlanArg[], origin: number): Step {
  return { op, args, origin };
}
