/**
 * `exec ID [--process FILE | CMD ARGS...] [-d] [-t] [--console-socket S] [--pid-file F]
 * [--env K=V]... [--cwd DIR] [--user UID[:GID]] [--additional-gids G]... [--cap CAP]...
 * [--no-new-privs] [--preserve-fds N] [--ignore-paused] [--cgroup [CONTROLLER:]PATH]...`.
 * Without --process the container's own process settings are the base and the flags override
 * them, as in runc.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { boolFlag, intFlag, listFlag, parseArgs, requireId, stringFlag, type FlagValues } from "../lib/args.ts";
import type { CommandContext, CommandMain } from "../lib/context.ts";
import { RuntimeError, ioError, withExitStatus } from "../lib/errors.ts";
import { execProcess } from "../lib/lifecycle/exec.ts";
import { forwardSignals } from "../lib/process/forward.ts";
import type { Process } from "../lib/spec-types.ts";
import type { Process as SchemaProcess } from "../../schemas/generated/types/runtime-config.ts";
import { invalid, processIssues } from "../lib/config.ts";
import { containerDir, readRecord } from "../lib/state.ts";
import { pathFlag } from "./create.ts";

const EXEC_FLAGS = {
  process: { kind: "string", alias: "p" },
  detach: { kind: "bool", alias: "d" },
  tty: { kind: "bool", alias: "t" },
  "console-socket": { kind: "string" },
  "pid-file": { kind: "string" },
  env: { kind: "list", alias: "e" },
  cwd: { kind: "string" },
  user: { kind: "string", alias: "u" },
  "additional-gids": { kind: "list", alias: "g" },
  cap: { kind: "list", alias: "c" },
  "no-new-privs": { kind: "bool" },
  "preserve-fds": { kind: "string" },
  "ignore-paused": { kind: "bool" },
  cgroup: { kind: "list" },
} as const;

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

/** The file's process as parsed; processIssues (below) checks what the rest relies on. */
function processFromFile(path: string): SchemaProcess {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as SchemaProcess;
  } catch (err) {
    if (err instanceof SyntaxError) throw new RuntimeError("CONFIG_INVALID", `${path}: not valid JSON: ${err.message}`, { path });
    throw ioError("read", path, err);
  }
}

const exec: CommandMain = async (argv, ctx) => {
  const { flags, positionals } = parseArgs(argv, EXEC_FLAGS, { stopAfterPositionals: 1 });
  const id = requireId(positionals, "exec");
  try {
    return await execIn(id, flags, positionals.slice(1), ctx);
  } catch (err) {
    // runc exec.go: past the command line, its own failures exit 255, so a caller can tell them
    // from the process's exit status (which may well be 1).
    throw withExitStatus(err, 255);
  }
};

async function execIn(id: string, flags: FlagValues, args: string[], ctx: CommandContext): Promise<number> {
  const file = stringFlag(flags, "process");
  const base = readRecord(containerDir(ctx.root, id)).config.process!;
  let proc: SchemaProcess;
  if (file) {
    proc = processFromFile(resolve(file));
    // `user` is optional in a process file (schema); the container's user, not root, is the default.
    proc.user ??= base.user;
  } else {
    if (args.length === 0) throw new RuntimeError("USAGE", "exec: give the command to run, or --process FILE");
    const user = stringFlag(flags, "user") ? parseUser(stringFlag(flags, "user")!) : undefined;
    const caps = listFlag(flags, "cap");
    const addCaps = (set: string[] | undefined) => [...new Set([...(set ?? []), ...caps])];
    proc = {
      ...base,
      args,
      terminal: boolFlag(flags, "tty"),
      env: mergeEnv(base.env ?? [], listFlag(flags, "env")),
      cwd: stringFlag(flags, "cwd") ?? base.cwd,
      user: {
        ...base.user,
        ...(user ? { uid: user.uid, gid: user.gid ?? base.user.gid } : {}),
        ...(listFlag(flags, "additional-gids").length ? { additionalGids: listFlag(flags, "additional-gids").map(Number) } : {}),
      },
      noNewPrivileges: boolFlag(flags, "no-new-privs") || base.noNewPrivileges,
      capabilities: caps.length
        ? { ...base.capabilities, bounding: addCaps(base.capabilities?.bounding), effective: addCaps(base.capabilities?.effective), permitted: addCaps(base.capabilities?.permitted) }
        : base.capabilities,
    };
  }
  const issues = processIssues(proc, "");
  if (issues.length > 0) throw invalid(file ?? "exec", issues);
  const detach = boolFlag(flags, "detach");
  const started = await execProcess({
    root: ctx.root,
    id,
    process: proc as Process,
    processFile: file ?? "config.json",
    detach,
    consoleSocket: pathFlag(stringFlag(flags, "console-socket")),
    pidFile: pathFlag(stringFlag(flags, "pid-file")),
    preserveFds: intFlag(flags, "preserve-fds", 0),
    ignorePaused: boolFlag(flags, "ignore-paused"),
    subCgroups: listFlag(flags, "cgroup"),
    warn: (m) => ctx.log.warn(m),
    note: (m) => ctx.log.info(m),
  });
  if (detach) {
    await started.session.proc.exited;
    return 0;
  }
  const relay = started.consoleMaster === undefined ? undefined : (await import("../lib/process/console.ts")).relayConsole(started.consoleMaster);
  const stop = forwardSignals(started.pid);
  const code = await started.session.proc.exited;
  stop();
  await relay?.stop();
  return code;
}

export default exec;
