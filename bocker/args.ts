/**
 * The options `run` and `logs` take beyond the original's positional arguments, parsed by hand:
 * options come before the image (everything after it is the container's command, never ours).
 */
import { BockerError } from "./errors.ts";
import { parsePortMapping, type PortMapping } from "./network/ports.ts";
import type { RunRequest } from "./run.ts";

const USAGE_RUN = "bocker run [-d] [--name NAME] [-v SRC:DST[:ro]]... [-p HOST:CTR[/tcp|udp]]... <image_id> <command...>";

/** Splits `--opt=value` and looks the value up in the next word otherwise. */
function takeValue(argv: readonly string[], i: number, opt: string): [string, number] {
  const eq = argv[i]!.indexOf("=");
  if (eq > 0) return [argv[i]!.slice(eq + 1), i];
  const value = argv[i + 1];
  if (value === undefined) throw new BockerError(`${opt} needs a value\nusage: ${USAGE_RUN}`);
  return [value, i + 1];
}

export function parseRunArgs(argv: readonly string[]): RunRequest {
  let detach = false;
  let name: string | undefined;
  const volumes: string[] = [];
  const ports: PortMapping[] = [];
  let i = 0;
  for (; i < argv.length && argv[i]!.startsWith("-"); i++) {
    const opt = argv[i]!.split("=")[0]!;
    let value: string;
    switch (opt) {
      case "-d":
      case "--detach":
        detach = true;
        break;
      case "--name":
        [value, i] = takeValue(argv, i, opt);
        if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(value)) throw new BockerError(`--name ${value}: expected [A-Za-z0-9][A-Za-z0-9_.-]*`);
        name = value;
        break;
      case "-v":
      case "--volume":
        [value, i] = takeValue(argv, i, opt);
        volumes.push(value);
        break;
      case "-p":
      case "--publish":
        [value, i] = takeValue(argv, i, opt);
        ports.push(parsePortMapping(value));
        break;
      default:
        throw new BockerError(`unknown option ${opt}\nusage: ${USAGE_RUN}`);
    }
  }
  const [image, ...command] = argv.slice(i);
  if (!image) throw new BockerError(`run needs an image\nusage: ${USAGE_RUN}`);
  return { image, command, detach, ...(name !== undefined ? { name } : {}), volumes, ports };
}

/** `logs [-f|--follow] <container_id>` */
export function parseLogsArgs(argv: readonly string[]): { id: string; follow: boolean } {
  const follow = argv.some((a) => a === "-f" || a === "--follow");
  const rest = argv.filter((a) => a !== "-f" && a !== "--follow");
  if (rest.length !== 1 || rest[0]!.startsWith("-")) throw new BockerError("usage: bocker logs [-f] <container_id>");
  return { id: rest[0]!, follow };
}
