/**
 * The imagetool's flags: its command specs, help text and messages over the common parser
 * (common/flags.ts), which replaced yargs (15–20 ms of start-up per command). Accepts `--flag value`,
 * `--flag=value`, `-f value`, `--no-flag`/`--flag=false` for booleans, repeated list flags, and
 * `--help`. Unknown flags are errors (as yargs' strictOptions).
 */
import { parseFlags as parseCommonFlags, type FlagDef as CommonFlagDef, type FlagProblem, type FlagValue } from "../../common/flags.ts";
import { writeStdout } from "../../common/stdio.ts";
import { UsageError } from "../lib/errors.ts";

export interface FlagDef extends CommonFlagDef {
  /** The help text's words for the flag. */
  describe: string;
}

export type FlagSpec = Record<string, FlagDef>;

export interface CommandSpec {
  /** "bocker-imagetool pull" */
  name: string;
  /** Usage lines after the name: "REFERENCE  (e.g. busybox)". */
  usage: string[];
  flags: FlagSpec;
  /** Allowed number of positional arguments and the message when it is not met. */
  positionals: { min: number; max: number; message: string };
  /** Pairs of flags that may not be given together. */
  conflicts?: ReadonlyArray<readonly [string, string]>;
}

export interface ParsedFlags {
  flags: Record<string, FlagValue | undefined>;
  positionals: string[];
}

export function helpText(spec: CommandSpec): string {
  const lines = spec.usage.map((u, i) => `${i === 0 ? "usage:" : "      "} ${spec.name} ${u}`);
  lines.push("", "flags:");
  for (const [name, def] of Object.entries(spec.flags)) {
    const names = `${def.alias ? `-${def.alias}, ` : ""}--${name}${def.kind === "boolean" ? "" : ` ${def.kind === "number" ? "N" : "VALUE"}`}`;
    const choices = def.choices ? ` (${def.choices.join(", ")})` : "";
    lines.push(`  ${names.padEnd(24)} ${def.describe}${choices}${def.required ? " (required)" : ""}`);
  }
  lines.push(`  ${"--help".padEnd(24)} show this help`);
  return lines.join("\n") + "\n";
}

/** Parses `args`; returns undefined when `--help` was given (the help text is then printed). */
export function parseFlags(args: readonly string[], spec: CommandSpec, out: (text: string) => void = writeStdout): ParsedFlags | undefined {
  // Errors name the command alone: main.ts prefixes every error with "bocker-imagetool: ".
  const who = spec.name.replace(/^bocker-imagetool /, "");
  const fail = (problem: FlagProblem): never => {
    switch (problem.kind) {
      case "unknown":
        throw new UsageError(`${who}: unknown flag ${problem.arg}\n${helpText(spec)}`);
      case "not-boolean":
        throw new UsageError(`flag ${problem.arg}: expected true or false, got ${JSON.stringify(problem.value)}`);
      case "no-value":
        throw new UsageError(`${who}: flag --${problem.name} needs a value`);
      case "not-a-choice":
        throw new UsageError(`${who}: --${problem.name} must be one of ${problem.choices.join(", ")}, got ${JSON.stringify(problem.value)}`);
      case "not-a-number":
        throw new UsageError(`${who}: --${problem.name} needs a number, got ${JSON.stringify(problem.value)}`);
      case "conflict":
        throw new UsageError(`${who}: --${problem.names[0]} and --${problem.names[1]} are mutually exclusive`);
      case "required":
        throw new UsageError(`${who}: --${problem.name} is required\n${helpText(spec)}`);
    }
  };
  const parsed = parseCommonFlags(args, spec.flags, { fail, negatable: true, haltOn: ["--help", "-h"], conflicts: spec.conflicts });
  if (parsed.halted !== undefined) {
    out(helpText(spec));
    return undefined;
  }
  const { min, max, message } = spec.positionals;
  if (parsed.positionals.length < min || parsed.positionals.length > max) throw new UsageError(`${who}: ${message}`);
  return { flags: parsed.flags, positionals: parsed.positionals };
}
