/**
 * The options `run` and `logs` take beyond the original's positional arguments (common/flags.ts):
 * options come before the image (everything after it is the container's command, never ours).
 */
import { parseFlags, type FlagProblem } from "../common/flags.ts";
import { BockerError } from "./errors.ts";
import { parsePortMapping, type PortMapping } from "./network/ports.ts";
import type { RunRequest } from "./run.ts";

const USAGE_RUN = "bocker run [-d] [--name NAME] [-v SRC:DST[:ro]]... [-p HOST:CTR[/tcp|udp]]... <image_id> <command...>";

const RUN_FLAGS = {
  detach: { kind: "boolean", alias: "d" },
  name: { kind: "string" },
  volume: { kind: "list", alias: "v" },
  publish: { kind: "list", alias: "p" },
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
  return { image, command, detach: flags.detach === true, ...(name !== undefined ? { name } : {}), volumes: (flags.volume ?? []) as string[], ports };
}

/** `logs [-f|--follow] <container_id>` */
export function parseLogsArgs(argv: readonly string[]): { id: string; follow: boolean } {
  const usage = (): never => {
    throw new BockerError("usage: bocker logs [-f] <container_id>");
  };
  const { flags, positionals } = parseFlags(argv, { follow: { kind: "boolean", alias: "f" } }, { fail: usage });
  if (positionals.length !== 1 || positionals[0]!.startsWith("-")) usage();
  return { id: positionals[0]!, follow: flags.follow === true };
}
