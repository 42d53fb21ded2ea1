/**
 * `exec ID [--process FILE | CMD ARGS...] [-d] [-t] [--console-socket S] [--pidfd-socket S] [--pid-file F]
 * [--env K=V]... [--cwd DIR] [--user UID[:GID]] [--additional-gids G]... [--cap CAP]...
 * [--no-new-privs] [--preserve-fds N] [--ignore-paused] [--cgroup [CONTROLLER:]PATH]...`.
 * Without --process the container's own process settings are the base and the flags override
 * them, as in runc (lib/lifecycle/exec-process.ts).
 */
import { boolFlag, intFlag, listFlag, parseArgs, requireId, stringFlag, type FlagValues } from "../lib/args.ts";
import type { CommandContext, CommandMain } from "../lib/context.ts";
import { withExitStatus } from "../lib/errors.ts";
import { execProcess } from "../lib/lifecycle/exec.ts";
import { forwardSignals } from "../lib/process/forward.ts";
import { pathFlag } from "./create-flags.ts";

const EXEC_FLAGS = {
  process: { kind: "string", alias: "p" },
  detach: { kind: "bool", alias: "d" },
  tty: { kind: "bool", alias: "t" },
  "console-socket": { kind: "string" },
  "pidfd-socket": { kind: "string" },
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
  const detach = boolFlag(flags, "detach");
  const started = await execProcess({
    root: ctx.root,
    id,
    settings: {
      file: stringFlag(flags, "process"),
      args,
      tty: boolFlag(flags, "tty"),
      env: listFlag(flags, "env"),
      cwd: stringFlag(flags, "cwd"),
      user: stringFlag(flags, "user"),
      additionalGids: listFlag(flags, "additional-gids"),
      caps: listFlag(flags, "cap"),
      noNewPrivs: boolFlag(flags, "no-new-privs"),
    },
    detach,
    consoleSocket: pathFlag(stringFlag(flags, "console-socket")),
    pidfdSocket: pathFlag(stringFlag(flags, "pidfd-socket")),
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
