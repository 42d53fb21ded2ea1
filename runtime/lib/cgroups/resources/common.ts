/** Helpers shared by the per-controller translations: number formatting, pointers, errors. */
import { RuntimeError } from "../../errors.ts";
import type { CgroupWrite, TranslateContext } from "../types.ts";

export const RESOURCES = "/linux/resources";

/**
 * Decimal text of a config number. JSON int64 values beyond 2^53 arrive as imprecise doubles;
 * BigInt keeps them as digits ("9223372036854775807" style) instead of "9.2e18".
 */
export function num(n: number): string {
  if (!Number.isFinite(n) || !Number.isInteger(n)) throw new TypeError(`not an integer: ${n}`);
  return Number.isSafeInteger(n) ? String(n) : BigInt(n).toString();
}

/** A config value that no kernel could take, reported before anything is written. */
export function invalid(pointer: string, message: string): RuntimeError {
  return new RuntimeError("CONFIG_INVALID", `${message} (config.json ${pointer})`, { pointer });
}

/**
 * The hierarchy version holding `controller`; a config that asks for a controller the host has not
 * mounted is an error, never a silent no-op (issue 3: "values the kernel cannot take are errors").
 */
export function requireController(ctx: TranslateContext, controller: string, pointer: string): 1 | 2 {
  const version = ctx.versionOf(controller);
  if (version === undefined) {
    throw invalid(pointer, `the ${controller} cgroup controller is not available on this host`);
  }
  return version;
}

export function write(controller: string, file: string, value: string, what: string, pointer: string): CgroupWrite {
  return { controller, file, value, what, pointer };
}

/** "major:minor" of a block device entry. */
export function devNumber(d: { major: number; minor: number }): string {
  return `${num(d.major)}:${num(d.minor)}`;
}
