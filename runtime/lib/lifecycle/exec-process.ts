/**
 * The process `exec` starts (runc exec.go getProcess): either a --process file, whose missing
 * `user` falls back to the container's, or the container's own process with the command-line
 * settings on top (--env adds or replaces by name, --cap adds to the bounding, effective and
 * permitted sets, --user UID[:GID] keeps the container's gid when GID is left out). Pure apart
 * from reading the --process file; the result passes processIssues or is an error naming the file.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Process as SchemaProcess } from "../../../schemas/generated/types/runtime-config.ts";
import { invalid, processIssues } from "../config.ts";
import { RuntimeError, ioError } from "../errors.ts";
import type { Process } from "../spec-types.ts";

/** What `exec` was told on its command line about the process to start. */
export interface ExecProcessSettings {
  /** --process FILE: the whole process; the settings below are then ignored, as in runc. */
  file?: string;
  args: readonly string[];
  tty: boolean;
  env: readonly string[];
  cwd?: string;
  /** --user UID[:GID] as given. */
  user?: string;
  additionalGids: readonly string[];
  caps: readonly string[];
  noNewPrivs: boolean;
}

function parseUser(text: string): { uid: number; gid?: number } {
  const m = /^(\d+)(?::(\d+))?$/.exec(text);
  if (!m) throw new RuntimeError("USAGE", `--user: expected UID[:GID] as numbers, got ${JSON.stringify(text)}`);
  return { uid: Number(m[1]), gid: m[2] === undefined ? undefined : Number(m[2]) };
}

function mergeEnv(base: readonly string[], extra: readonly string[]): string[] {
  const out = new Map(base.map((e) => [e.split("=")[0]!, e]));
  for (const e of extra) out.set(e.split("=")[0]!, e);
  return [...out.values()];
}

/** The file's process as parsed; processIssues checks what the rest relies on. */
function processFromFile(path: string): SchemaProcess {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as SchemaProcess;
  } catch (err) {
    if (err instanceof SyntaxError) throw new RuntimeError("CONFIG_INVALID", `${path}: not valid JSON: ${err.message}`, { path });
    throw ioError("read", path, err);
  }
}

function fromSettings(base: Process, s: ExecProcessSettings): SchemaProcess {
  if (s.args.length === 0) throw new RuntimeError("USAGE", "exec: give the command to run, or --process FILE");
  const user = s.user ? parseUser(s.user) : undefined;
  const addCaps = (set: string[] | undefined) => [...new Set([...(set ?? []), ...s.caps])];
  return {
    ...base,
    args: [...s.args],
    terminal: s.tty,
    env: mergeEnv(base.env ?? [], s.env),
    cwd: s.cwd ?? base.cwd,
    user: {
      ...base.user,
      ...(user ? { uid: user.uid, gid: user.gid ?? base.user.gid } : {}),
      ...(s.additionalGids.length ? { additionalGids: s.additionalGids.map(Number) } : {}),
    },
    noNewPrivileges: s.noNewPrivs || base.noNewPrivileges,
    capabilities: s.caps.length
      ? { ...base.capabilities, bounding: addCaps(base.capabilities?.bounding), effective: addCaps(base.capabilities?.effective), permitted: addCaps(base.capabilities?.permitted) }
      : base.capabilities,
  };
}

/** `base` is the container's process (config.json as recorded at create). */
export function execProcessOf(base: Process, s: ExecProcessSettings): Process {
  let proc: SchemaProcess;
  if (s.file) {
    proc = processFromFile(resolve(s.file));
    // `user` is optional in a process file (schema); the container's user, not root, is the default.
    proc.user ??= base.user;
  } else {
    proc = fromSettings(base, s);
  }
  const issues = processIssues(proc, "");
  if (issues.length > 0) throw invalid(s.file ?? "exec", issues);
  return proc as Process;
}
