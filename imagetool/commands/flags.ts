/**
 * The imagetool's flag parser. yargs cost ~15–20 ms of start-up per command (measured on the
 * compiled binary: `images` 21 ms with it, ~10 without), more than a pull of a small image spends
 * on anything else, and the bocker wrapper runs several commands per verb (pull: pull, tag, rmi). Accepts `--flag value`, `--flag=value`, `-f value`, `--no-flag`/`--flag=false` for
 * booleans, repeated list flags, and `--help`. Unknown flags are errors (as yargs' strictOptions).
 */
import { writeStdout } from "../../common/stdio.ts";
import { UsageError } from "../lib/errors.ts";

export interface FlagDef {
  kind: "boolean" | "string" | "number" | "list";
  alias?: string;
  describe: string;
  choices?: readonly string[];
  /** The flag must be given (yargs' demandOption). */
  required?: boolean;
}

export type FlagSpec = Record<string, FlagDef>;
export type FlagValue = string | number | boolean | string[];

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

function booleanValue(raw: string, flag: string): boolean {
  if (raw === "true") return true;
  if (raw === "false") return false;
  throw new UsageError(`flag ${flag}: expected true or false, got ${JSON.stringify(raw)}`);
}

/** Parses `args`; returns undefined when `--help` was given (the help text is then printed). */
export function parseFlags(args: readonly string[], spec: CommandSpec, out: (text: string) => void = writeStdout): ParsedFlags | undefined {
  // Errors name the command alone: main.ts prefixes every error with "bocker-imagetool: ".
  const who = spec.name.replace(/^bocker-imagetool /, "");
  const byName = new Map<string, [string, FlagDef]>();
  for (const [name, def] of Object.entries(spec.flags)) {
    byName.set(name, [name, def]);
    if (def.alias) byName.set(def.alias, [name, def]);
  }
  const flags: Record<string, FlagValue | undefined> = {};
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--help" || arg === "-h") {
      out(helpText(spec));
      return undefined;
    }
    if (!arg.startsWith("-") || arg === "-") {
      positionals.push(arg);
      continue;
    }
    const body = arg.startsWith("--") ? arg.slice(2) : arg.slice(1);
    const eq = body.indexOf("=");
    let key = eq >= 0 ? body.slice(0, eq) : body;
    let negated = false;
    if (!byName.has(key) && key.startsWith("no-") && byName.get(key.slice(3))?.[1].kind === "boolean") {
      key = key.slice(3);
      negated = true;
    }
    const entry = byName.get(key);
    if (!entry) throw new UsageError(`${who}: unknown flag ${arg}\n${helpText(spec)}`);
    const [name, def] = entry;
    if (def.kind === "boolean") {
      const v = eq >= 0 ? booleanValue(body.slice(eq + 1), arg) : true;
      flags[name] = negated ? !v : v;
      continue;
    }
    let raw: string;
    if (eq >= 0) raw = body.slice(eq + 1);
    else {
      if (i + 1 >= args.length) throw new UsageError(`${who}: flag --${name} needs a value`);
      raw = args[++i]!;
    }
    if (def.choices && !def.choices.includes(raw)) throw new UsageError(`${who}: --${name} must be one of ${def.choices.join(", ")}, got ${JSON.stringify(raw)}`);
    if (def.kind === "number") {
      const n = Number(raw);
      if (raw.trim() === "" || !Number.isFinite(n)) throw new UsageError(`${who}: --${name} needs a number, got ${JSON.stringify(raw)}`);
      flags[name] = n;
    } else if (def.kind === "list") flags[name] = [...((flags[name] as string[] | undefined) ?? []), raw];
    else flags[name] = raw;
  }
  const given = (name: string) => flags[name] !== undefined && flags[name] !== false;
  for (const [a, b] of spec.conflicts ?? []) {
    if (given(a) && given(b)) throw new UsageError(`${who}: --${a} and --${b} are mutually exclusive`);
  }
  for (const [name, def] of Object.entries(spec.flags)) {
    if (def.required && flags[name] === undefined) throw new UsageError(`${who}: --${name} is required\n${helpText(spec)}`);
  }
  const { min, max, message } = spec.positionals;
  if (positionals.length < min || positionals.length > max) throw new UsageError(`${who}: ${message}`);
  return { flags, positionals };
}
