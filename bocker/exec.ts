/**
 * Running the host tools bocker is built from (ip, iptables, bocker-runtime, bocker-imagetool).
 * A failure carries the command line, exit status and the tool's own stderr, so a user sees
 * e.g. `ip link add bridge0 type bridge: exit 2: RTNETLINK answers: Operation not permitted`.
 */
import { BockerError } from "./errors.ts";

export interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs argv to completion and returns what it printed, whatever its exit status. */
export function attempt(argv: readonly string[], stdin?: string): Outcome {
  let r;
  try {
    r = Bun.spawnSync([...argv], { stdin: stdin === undefined ? "ignore" : Buffer.from(stdin), stdout: "pipe", stderr: "pipe" });
  } catch (err) {
    throw new BockerError(`${argv[0]}: cannot run it (${(err as Error).message}); is it installed?`, { cause: err });
  }
  return { code: r.exitCode ?? 128, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

/** Runs argv and returns its stdout; a non-zero exit is an error naming the command. */
export function run(argv: readonly string[], stdin?: string): string {
  const r = attempt(argv, stdin);
  if (r.code !== 0) throw new BockerError(`${argv.join(" ")}: exit ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout;
}

/** Like `run`, but a failure whose stderr matches `benign` (e.g. /File exists/) counts as success. */
export function runUnless(argv: readonly string[], benign: RegExp): void {
  const r = attempt(argv);
  if (r.code !== 0 && !benign.test(r.stderr)) throw new BockerError(`${argv.join(" ")}: exit ${r.code}: ${r.stderr.trim()}`);
}
