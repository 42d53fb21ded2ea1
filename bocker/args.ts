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

const USAGE_RUN = "bocker run [-d] [--name NAME] [-v SRC:DST[:ro]]... [-p HOST:CTR[/tcp|udp]]... [--restart POLICY] [--log-opt max-size=S,max-file=N] <image_id> <command...>";

const RUN_FLAGS = {
  detach: { kind: "boolean", alias: "d" },
  name: { kind: "string" },
  volume: { kind: "list", alias: "v" },
  publish: { kind: "list", alias: "p" },
  restart: { kind: "string" },
  "log-opt": { kind: "list" },
} as const;

/** The word as typed, without `=value`: what the messages name. */
const spelled = (arg: string) => arg.split("=")[0]!;

function runUsageError(problem: FlagProblem): never {
  if (problem.kind === "no-value") throw new BockerError(`${spelled(problem.arg)} needs a value\nusage: ${USAGE_RUN}`);
  throw new BockerError(`unknown option ${"arg" in problem ? spelled(problem.arg) : problem.kind}\nusage: ${USAGE_RUN}`);
}

export function parseRunArgs(argv: readonly string[]): RunRequest {
  const { flags, positionals } = parseFlags(argv, RUN_FLAGS, { fail: runUsageError, stopAfterPositionals: 1 });
  const [image, ...command] = positionals;
  if (image === "-") throw new BockerError(`unknown option -\nusage: ${USAGE_RUN}`);
  const name = flags.name as string | undefined;
  if (name !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) throw new BockerError(`--name ${name}: expected [A-Za-z0-9][A-Za-z0-9_.-]*`);
  const ports: PortMapping[] = ((flags.publish ?? []) as string[]).map(parsePortMapping);
  if (!image) throw new BockerError(`run needs an image\nusage: ${USAGE_RUN}`);
  const restart = flags.restart === undefined ? undefined : parseRestartPolicy(flags.restart as string);
  // A foreground run ends with its container; only a monitor (-d) can start it again.
  if (restart && restart.name !== "no" && flags.detach !== true) throw new BockerError(`--restart ${flags.restart as string} needs -d`);
  const logOptions = flags["log-opt"] === undefined ? undefined : parseLogOpts(flags["log-opt"] as string[]);
  return {
    image, command, detach: flags.detach === true, ...(name !== undefined ? { name } : {}), volumes: (flags.volume ?? []) as string[], ports,
    ...(restart ? { restart } : {}), ...(logOptions ? { logOptions } : {}),
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
