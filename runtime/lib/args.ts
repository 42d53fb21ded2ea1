/**
 * The runtime's flags over the common parser (common/flags.ts), with runc's spellings: `--flag
 * value`, `--flag=value`, `-flag value`, single-letter aliases (`-d`, `-t`, `-q`) and `--`. The
 * messages are the runtime's.
 */
import { parseFlags, type FlagDef as CommonFlagDef, type FlagProblem } from "../../common/flags.ts";
import { RuntimeError } from "./errors.ts";

/** "bool" is runc's word and the command tables' (the common parser says "boolean"). */
export type FlagKind = "bool" | "string" | "list";
export interface FlagDef {
  kind: FlagKind;
  alias?: string;
}
export type FlagSpec = Record<string, FlagDef>;
export type FlagValues = Record<string, string | boolean | string[] | undefined>;

export interface ParsedArgs {
  flags: FlagValues;
  positionals: string[];
}

export interface ParseOptions {
  /** After this many positionals, everything else is positional (exec ID CMD -x ...). */
  stopAfterPositionals?: number;
  /** Stop at the first positional (global flags before the command name). */
  stopAtFirstPositional?: boolean;
}

function fail(problem: FlagProblem): never {
  switch (problem.kind) {
    case "not-boolean":
      throw new RuntimeError("USAGE", `flag ${problem.arg}: expected true or false`);
    case "no-value":
      throw new RuntimeError("USAGE", `flag --${problem.name} needs a value`);
    case "unknown":
      throw new RuntimeError("USAGE", `unknown flag: ${problem.arg}`);
    default:
      // The runtime's tables have no choices, numbers, required flags or conflicts.
      throw new RuntimeError("USAGE", `flags: ${problem.kind}`);
  }
}

export function parseArgs(argv: readonly string[], spec: FlagSpec, opts: ParseOptions = {}): ParsedArgs {
  const common: Record<string, CommonFlagDef> = {};
  for (const [name, def] of Object.entries(spec)) common[name] = { ...def, kind: def.kind === "bool" ? "boolean" : def.kind };
  const stopAfterPositionals = opts.stopAtFirstPositional ? 1 : opts.stopAfterPositionals;
  const { flags, positionals } = parseFlags(argv, common, { fail, endOfFlags: true, stopAfterPositionals });
  return { flags: flags as FlagValues, positionals };
}

export function stringFlag(flags: FlagValues, name: string): string | undefined {
  const v = flags[name];
  return typeof v === "string" ? v : undefined;
}

export function boolFlag(flags: FlagValues, name: string): boolean {
  return flags[name] === true;
}

export function listFlag(flags: FlagValues, name: string): string[] {
  const v = flags[name];
  return Array.isArray(v) ? v : [];
}

export function intFlag(flags: FlagValues, name: string, fallback: number): number {
  const v = stringFlag(flags, name);
  if (v === undefined) return fallback;
  if (!/^\d+$/.test(v)) throw new RuntimeError("USAGE", `flag --${name}: expected a non-negative integer, got ${JSON.stringify(v)}`);
  return Number(v);
}

/** Exactly one positional container id, as every lifecycle command takes. */
export function requireId(positionals: readonly string[], command: string): string {
  const id = positionals[0];
  if (!id) throw new RuntimeError("USAGE", `${command}: a container id is required`);
  return id;
}
