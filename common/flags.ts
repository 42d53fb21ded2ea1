/**
 * The one flag parser of the three tools, hand-written because a general one (yargs) cost 15–20 ms
 * of start-up per command. It accepts `--flag value`, `--flag=value`, `-flag value` and `-a`
 * aliases, repeated list flags, `--no-flag` for booleans where a tool allows it, `--` as the end
 * of flags, required flags and mutually exclusive pairs. It knows no words: every mistake goes to
 * the tool's `fail` as a FlagProblem, and the tool throws its own error with its own message; the
 * flag tables and usage text stay with each tool.
 */
export type FlagKind = "boolean" | "string" | "number" | "list";

export interface FlagDef {
  kind: FlagKind;
  /** One more name, usually a single letter (`-d`). */
  alias?: string;
  choices?: readonly string[];
  required?: boolean;
}

export type FlagSpec = Readonly<Record<string, FlagDef>>;
export type FlagValue = string | number | boolean | string[];
export type FlagValues = Record<string, FlagValue | undefined>;

/** What went wrong; `arg` is the word as given on the command line. */
export type FlagProblem =
  | { kind: "unknown"; arg: string }
  | { kind: "not-boolean"; arg: string; name: string; value: string }
  | { kind: "no-value"; arg: string; name: string }
  | { kind: "not-a-choice"; arg: string; name: string; value: string; choices: readonly string[] }
  | { kind: "not-a-number"; arg: string; name: string; value: string }
  | { kind: "conflict"; names: readonly [string, string] }
  | { kind: "required"; name: string };

export interface FlagRules {
  /** Throws the tool's error for a problem. */
  fail: (problem: FlagProblem) => never;
  /** `--no-NAME` turns a boolean off. */
  negatable?: boolean;
  /** `--` ends the flags; everything after it is positional. Otherwise it is an unknown flag. */
  endOfFlags?: boolean;
  /** After this many positionals everything else is positional (`exec ID CMD -x`, global flags before a command). */
  stopAfterPositionals?: number;
  /** Words that end parsing at once, whatever follows (`--help`). */
  haltOn?: readonly string[];
  /** Pairs of flags that may not be given together. */
  conflicts?: ReadonlyArray<readonly [string, string]>;
}

export interface ParsedFlags {
  flags: FlagValues;
  positionals: string[];
  /** The haltOn word that ended parsing, if one did. */
  halted?: string;
}

export function parseFlags(argv: readonly string[], spec: FlagSpec, rules: FlagRules): ParsedFlags {
  const byName = new Map<string, [string, FlagDef]>();
  for (const [name, def] of Object.entries(spec)) {
    byName.set(name, [name, def]);
    if (def.alias) byName.set(def.alias, [name, def]);
  }
  const flags: FlagValues = {};
  const positionals: string[] = [];
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (rules.haltOn?.includes(arg)) return { flags, positionals, halted: arg };
    if (arg === "--" && rules.endOfFlags) {
      i++;
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      positionals.push(arg);
      if (rules.stopAfterPositionals !== undefined && positionals.length >= rules.stopAfterPositionals) {
        i++;
        break;
      }
      continue;
    }
    const body = arg.startsWith("--") ? arg.slice(2) : arg.slice(1);
    const eq = body.indexOf("=");
    let key = eq >= 0 ? body.slice(0, eq) : body;
    let negated = false;
    if (rules.negatable && !byName.has(key) && key.startsWith("no-") && byName.get(key.slice(3))?.[1].kind === "boolean") {
      key = key.slice(3);
      negated = true;
    }
    const entry = byName.get(key);
    if (!entry) rules.fail({ kind: "unknown", arg });
    const [name, def] = entry;
    if (def.kind === "boolean") {
      const value = eq >= 0 ? body.slice(eq + 1) : "true";
      if (value !== "true" && value !== "false") rules.fail({ kind: "not-boolean", arg, name, value });
      flags[name] = (value === "true") !== negated;
      continue;
    }
    let raw: string;
    if (eq >= 0) raw = body.slice(eq + 1);
    else {
      if (i + 1 >= argv.length) rules.fail({ kind: "no-value", arg, name });
      raw = argv[++i]!;
    }
    if (def.choices && !def.choices.includes(raw)) rules.fail({ kind: "not-a-choice", arg, name, value: raw, choices: def.choices });
    if (def.kind === "number") {
      const n = Number(raw);
      if (raw.trim() === "" || !Number.isFinite(n)) rules.fail({ kind: "not-a-number", arg, name, value: raw });
      flags[name] = n;
    } else if (def.kind === "list") flags[name] = [...((flags[name] as string[] | undefined) ?? []), raw];
    else flags[name] = raw;
  }
  positionals.push(...argv.slice(i));
  const given = (name: string) => flags[name] !== undefined && flags[name] !== false;
  for (const [a, b] of rules.conflicts ?? []) {
    if (given(a) && given(b)) rules.fail({ kind: "conflict", names: [a, b] });
  }
  for (const [name, def] of Object.entries(spec)) {
    if (def.required && flags[name] === undefined) rules.fail({ kind: "required", name });
  }
  return { flags, positionals };
}
