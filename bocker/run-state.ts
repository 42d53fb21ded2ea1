/**
 * What happened to a container after `run`, kept by whoever owns its process: the monitor of a
 * detached container (monitor.ts) or the `bocker run` of a foreground one. One JSON file per
 * container, replaced by rename so a reader never sees half of it:
 *   containers/ps_N/state.json   status, exit code, start/finish times, restart count, owner pid
 *   containers/ps_N/stop         present while a stop/rm asked the owner not to restart it; "rm"
 *                                in it when `rm` removes the container itself
 * Readers (ps, wait, logs -f, inspect, stats) only read; the runtime's `state` stays the truth
 * about the container's processes.
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** docker's State.Status words for the states bocker has. */
export type RunStatus = "created" | "starting" | "running" | "restarting" | "exited";

export interface RunState {
  readonly status: RunStatus;
  /** The last run's exit status (128+signal when killed), once one ended. */
  readonly exitCode?: number;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  /** Restarts by the restart policy since the last `run`/`start`. */
  readonly restartCount: number;
  /** The process that owns the container (its monitor, or a foreground `bocker run`). */
  readonly ownerPid?: number;
  /** /proc/<pid>/stat starttime of the owner, so a reused pid is not mistaken for it. */
  readonly ownerStart?: number;
  /** Why the last start failed (the runtime's message). */
  readonly error?: string;
}

export const statePath = (dir: string) => join(dir, "state.json");
const stopPath = (dir: string) => join(dir, "stop");

export function readRunState(dir: string): RunState {
  try {
    return JSON.parse(readFileSync(statePath(dir), "utf8")) as RunState;
  } catch {
    return { status: "created", restartCount: 0 };
  }
}

export function writeRunState(dir: string, state: RunState): void {
  const tmp = `${statePath(dir)}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(tmp, statePath(dir));
}

export function updateRunState(dir: string, change: Partial<RunState>): RunState {
  const next = { ...readRunState(dir), ...change };
  writeRunState(dir, next);
  return next;
}

/** Field 22 of /proc/<pid>/stat (after the parenthesised command, which may hold spaces). */
export function processStart(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
  } catch {
    return undefined;
  }
}

export function ownerAlive(state: RunState): boolean {
  return state.ownerPid !== undefined && processStart(state.ownerPid) === state.ownerStart;
}

export function ownedByMe(): Pick<RunState, "ownerPid" | "ownerStart"> {
  return { ownerPid: process.pid, ownerStart: processStart(process.pid)! };
}

/** `by`: "rm" when the caller removes the container, so a `run -d --rm` monitor leaves that to it. */
export const requestStop = (dir: string, by: "stop" | "rm" = "stop") => writeFileSync(stopPath(dir), by === "rm" ? "rm" : "");
export const clearStop = (dir: string) => rmSync(stopPath(dir), { force: true });
export const stopRequested = (dir: string) => existsSync(stopPath(dir));
export function removalRequested(dir: string): boolean {
  try {
    return readFileSync(stopPath(dir), "utf8") === "rm";
  } catch {
    return false;
  }
}
