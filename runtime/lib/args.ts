/**
 * Hand-written flag parsing (no yargs on the create/start path: start-up budget). Accepts the
 * spellings runc's urfave/cli accepts: `--flag value`, `--flag=value`, `-flag value`, and
 * single-letter aliases (`-d`, `-t`, `-q`).
 */
import { RuntimeError } from "./errors.ts";

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

export function parseArgs(argv: readonly string[], spec: FlagSpec, opts: ParseOptions = {}): ParsedArgs {
  const flags: FlagValues = {};
  const positionals: string[] = [];
  const byName = new Map<string, [string, FlagDef]>();
  for (const [name, def] of Object.entries(spec)) {
    byName.set(name, [name, def]);
    if (def.alias) byName.set(def.alias, [name, def]);
  }
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      i++;
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      positionals.push(arg);
      if (opts.stopAtFirstPositional) {
        i++;
        break;
      }
      if (opts.stopAfterPositionals !== undefined && positionals.length >= opts.stopAfterPositionals) {
        i++;
        break;
      }
      continue;
    }
    const body = arg.replace(/^--?/, "");
    const eq = body.indexOf("=");
    const key = eq >= 0 ? body.slice(0, eq) : body;
    const entry = byName.get(key);
    if (!entry) throw new RuntimeError("USAGE", `unknown flag: ${arg}`);
    const [name, def] = entry;
    if (def.kind === "bool") {
      const v = eq >= 0 ? body.slice(eq + 1) : "true";
      if (v !== "true" && v !== "false") throw new RuntimeError("USAGE", `flag ${arg}: expected true or false`);
      flags[name] = v === "true";
      continue;
    }
    let value: string;
    if (eq >= 0) value = body.slice(eq + 1);
    else {
      if (i + 1 >= argv.length) throw new RuntimeError("USAGE", `flag --${name} needs a value`);
      value = argv[++i]!;
    }
    if (def.kind === "list") flags[name] = [...((flags[name] as string[] | undefined) ?? []), value];
    else flags[name] = value;
  }
  positionals.push(...argv.slice(i));
  return { flags, positionals };
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
