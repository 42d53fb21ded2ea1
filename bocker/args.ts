/**
 * The options `run` and `logs` take beyond the original's positional arguments (common/flags.ts):
 * options come before the image (everything after it is the container's command, never ours).
 */
import { parseFlags, type FlagProblem } from "../common/flags.ts";
import { BockerError } from "./errors.ts";
import { parseLogOpts } from "./logfile.ts";
import { parseSince, type LogQuery } from "./logs.ts";
import { parsePortMapping, type PortMapping } from "./network/ports.ts";
import { parseRestartPolicy } from "./restart.ts";
import type { RunRequest } from "./run.ts";

const USAGE_RUN =
  "bocker run [-d] [--rm] [-it] [--name NAME] [-v SRC:DST[:ro]]... [-p HOST:CTR[/tcp|udp]]... [-e KEY=VAL]... [--env-file FILE]... " +
  "[-w DIR] [-u USER[:GROUP]] [--memory SIZE] [--cpus N] [--pids-limit N] [--read-only] [--restart POLICY] [--log-opt max-size=S,max-file=N] " +
  "<image_id> <command...>";

const RUN_FLAGS = {
  detach: { kind: "boolean", alias: "d" },
  name: { kind: "string" },
  volume: { kind: "list", alias: "v" },
  publish: { kind: "list", alias: "p" },
  env: { kind: "list", alias: "e" },
  "env-file": { kind: "list" },
  workdir: { kind: "string", alias: "w" },
  user: { kind: "string", alias: "u" },
  memory: { kind: "string", alias: "m" },
  cpus: { kind: "string" },
  "pids-limit": { kind: "string" },
  "read-only": { kind: "boolean" },
  rm: { kind: "boolean" },
  interactive: { kind: "boolean", alias: "i" },
  tty: { kind: "boolean", alias: "t" },
  restart: { kind: "string" },
  "log-opt": { kind: "list" },
} as const;

/** The word as typed, without `=value`: what the messages name. */
const spelled = (arg: string) => arg.split("=")[0]!;

function runUsageError(problem: FlagProblem): never {
  if (problem.kind === "no-value") throw new BockerError(`${spelled(problem.arg)} needs a value\nusage: ${USAGE_RUN}`);
  throw new BockerError(`unknown option ${"arg" in problem ? spelled(problem.arg) : problem.kind}\nusage: ${USAGE_RUN}`);
}

/**
 * Docker's bundled one-letter switches (`-it`, `-dit`) as separate words, up to the image: the
 * shared parser reads `-it` as one flag named "it". Words after the image are the command's.
 */
function splitBundledSwitches(argv: readonly string[]): string[] {
  const takesValue = new Set(Object.entries(RUN_FLAGS).flatMap(([name, def]) => (def.kind === "boolean" ? [] : [`--${name}`, ..."alias" in def ? [`-${def.alias}`] : []])));
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (/^-[dit]{2,}$/.test(word)) out.push(...[...word.slice(1)].map((c) => `-${c}`));
    else out.push(word);
    if (takesValue.has(word) && i + 1 < argv.length) out.push(argv[++i]!);
    else if (!word.startsWith("-")) return [...out, ...argv.slice(i + 1)]; // the image
  }
  return out;
}

/** Docker's sizes: a number of bytes, or with b, k, m or g (powers of 1024): 512m. */
export function parseSize(text: string, flag: string): number {
  const m = /^(\d+)([bkmg]?)$/i.exec(text);
  const bytes = m ? Number(m[1]) * 1024 ** "bkmg".indexOf((m[2] || "b").toLowerCase()) : NaN;
  if (!(bytes > 0) || !Number.isSafeInteger(bytes)) throw new BockerError(`${flag} ${text}: expected a size such as 512m or 2g (b, k, m, g)`);
  return bytes;
}

function positive(text: string | undefined, flag: string, integer: boolean): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !(n > 0) || (integer && !Number.isInteger(n))) {
    throw new BockerError(`${flag} ${text}: expected a positive ${integer ? "integer" : "number"}`);
  }
  return n;
}

export function parseRunArgs(argv: readonly string[]): RunRequest {
  const { flags, positionals } = parseFlags(splitBundledSwitches(argv), RUN_FLAGS, { fail: runUsageError, stopAfterPositionals: 1 });
  const [image, ...command] = positionals;
  if (image === "-") throw new BockerError(`unknown option -\nusage: ${USAGE_RUN}`);
  const name = flags.name as string | undefined;
  if (name !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) throw new BockerError(`--name ${name}: expected [A-Za-z0-9][A-Za-z0-9_.-]*`);
  const ports: PortMapping[] = ((flags.publish ?? []) as string[]).map(parsePortMapping);
  if (!image) throw new BockerError(`run needs an image\nusage: ${USAGE_RUN}`);
  const detach = flags.detach === true;
  const tty = flags.tty === true;
  // The monitor of a detached container holds pipes, not a terminal: there is no pty to hand over.
  if (detach && tty) throw new BockerError("-d and -t cannot be combined: a detached container has no terminal to attach to");
  const restart = flags.restart === undefined ? undefined : parseRestartPolicy(flags.restart as string);
  // A foreground run ends with its container; only a monitor (-d) can start it again.
  if (restart && restart.name !== "no" && !detach) throw new BockerError(`--restart ${flags.restart as string} needs -d`);
  const logOptions = flags["log-opt"] === undefined ? undefined : parseLogOpts(flags["log-opt"] as string[]);
  const memory = flags.memory as string | undefined;
  const cpus = positive(flags.cpus as string | undefined, "--cpus", false);
  const pidsLimit = positive(flags["pids-limit"] as string | undefined, "--pids-limit", true);
  return {
    image,
    command,
    detach,
    ...(name !== undefined ? { name } : {}),
    volumes: (flags.volume ?? []) as string[],
    ports,
    env: (flags.env ?? []) as string[],
    envFiles: (flags["env-file"] ?? []) as string[],
    ...(flags.workdir !== undefined ? { workdir: flags.workdir as string } : {}),
    ...(flags.user !== undefined ? { user: flags.user as string } : {}),
    ...(memory !== undefined ? { memoryBytes: parseSize(memory, "--memory") } : {}),
    ...(cpus !== undefined ? { cpus } : {}),
    ...(pidsLimit !== undefined ? { pidsLimit } : {}),
    readOnly: flags["read-only"] === true,
    remove: flags.rm === true,
    tty,
    ...(restart ? { restart } : {}),
    ...(logOptions ? { logOptions } : {}),
  };
}

const LOGS_FLAGS = {
  follow: { kind: "boolean", alias: "f" },
  timestamps: { kind: "boolean", alias: "t" },
  tail: { kind: "string" },
  since: { kind: "string" },
} as const;

/** `logs [-f] [-t] [--tail N|all] [--since WHEN] <container_id>` */
export function parseLogsArgs(argv: readonly string[]): { id: string; follow: boolean; query: LogQuery } {
  const usage = (): never => {
    throw new BockerError("usage: bocker logs [-f] [-t] [--tail N] [--since WHEN] <container_id>");
  };
  const { flags, positionals } = parseFlags(argv, LOGS_FLAGS, { fail: usage });
  if (positionals.length !== 1 || positionals[0]!.startsWith("-")) usage();
  const tail = flags.tail as string | undefined;
  if (tail !== undefined && tail !== "all" && !/^\d+$/.test(tail)) throw new BockerError(`--tail ${tail}: expected a number of lines or all`);
  const query: LogQuery = {
    timestamps: flags.timestamps === true,
    ...(tail !== undefined && tail !== "all" ? { tail: Number(tail) } : {}),
    ...(flags.since !== undefined ? { sinceMs: parseSince(flags.since as string) } : {}),
  };
  return { id: positionals[0]!, follow: flags.follow === true, query };
}
