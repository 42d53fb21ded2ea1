/**
 * `--restart no|on-failure[:N]|always` (docker run's policies) and the monitor's back-off:
 * 100 ms doubling up to 10 s between restarts, back to 100 ms once a run lasted 10 s (moby's
 * restartmanager, whose ceiling is a minute). Pure: the monitor asks, this answers.
 */
import { BockerError } from "./errors.ts";

export type RestartPolicy =
  | { readonly name: "no" }
  | { readonly name: "always" }
  | { readonly name: "on-failure"; readonly maxRetries?: number };

export const BACKOFF_START_MS = 100;
export const BACKOFF_MAX_MS = 10_000;
/** A run this long resets the back-off. */
export const BACKOFF_RESET_MS = 10_000;

export function parseRestartPolicy(text: string): RestartPolicy {
  if (text === "no" || text === "always") return { name: text };
  const m = /^on-failure(?::(\d+))?$/.exec(text);
  if (m) return m[1] === undefined ? { name: "on-failure" } : { name: "on-failure", maxRetries: Number(m[1]) };
  throw new BockerError(`--restart ${text}: expected no, on-failure[:max-retries] or always`);
}

export function formatRestartPolicy(p: RestartPolicy): string {
  return p.name === "on-failure" && p.maxRetries !== undefined ? `on-failure:${p.maxRetries}` : p.name;
}

/** Whether a run that ended with `exitCode` is started again, after `restarts` restarts so far. */
export function shouldRestart(p: RestartPolicy, exitCode: number, restarts: number): boolean {
  if (p.name === "always") return true;
  if (p.name === "on-failure") return exitCode !== 0 && (p.maxRetries === undefined || restarts < p.maxRetries);
  return false;
}

/** The delay before the next restart, given the last delay and how long the last run lasted. */
export function nextBackoff(previousMs: number | undefined, ranMs: number): number {
  if (previousMs === undefined || ranMs >= BACKOFF_RESET_MS) return BACKOFF_START_MS;
  return Math.min(previousMs * 2, BACKOFF_MAX_MS);
}
