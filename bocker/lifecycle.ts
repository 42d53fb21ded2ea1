/**
 * A container's life after `run`, from the commands' side: `run -d` and `start` launch its
 * monitor (monitor.ts) and wait until the runtime has started it; `stop` asks the owner not to
 * restart it, then SIGTERM and SIGKILL after the grace period (docker stop); `kill` signals;
 * `wait` blocks until the current run ends and gives its exit status.
 */
import { closeSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Context } from "./context.ts";
import { BockerError } from "./errors.ts";
import { connect, disconnect } from "./network/index.ts";
import { clearStop, ownerAlive, readRunState, requestStop, writeRunState, type RunState } from "./run-state.ts";
import { namesOf } from "./store.ts";
import { bockerArgv } from "./tools.ts";

const POLL_MS = 50;
/** docker stop's default grace period before SIGKILL. */
export const STOP_TIMEOUT_MS = 10_000;
const KILL_WAIT_MS = 5_000;

export function containerPid(ctx: Context, id: string): number | undefined {
  const r = ctx.tools.tryRuntime("state", id);
  if (r.code !== 0) return undefined;
  const { status, pid } = JSON.parse(r.stdout) as { status: string; pid?: number };
  return status === "running" || status === "paused" ? pid : undefined;
}

export const isRunning = (ctx: Context, id: string) => containerPid(ctx, id) !== undefined;

/**
 * Starts the monitor of `id` (whose network is up and bundle made) and waits until the container
 * runs or its start failed; returns the state then (`error` set when it failed).
 */
export async function launchMonitor(ctx: Context, id: string): Promise<RunState> {
  const dir = ctx.store.containerDir(id);
  clearStop(dir);
  writeRunState(dir, { status: "starting", restartCount: 0 });
  const out = openSync(join(dir, "monitor.log"), "a");
  let proc;
  try {
    // setsid: its own session, so a terminal's hangup or Ctrl-C meant for us never reaches it.
    proc = Bun.spawn(["setsid", ...bockerArgv(), "monitor", id], { stdin: "ignore", stdout: out, stderr: out });
  } finally {
    closeSync(out);
  }
  proc.unref();
  for (;;) {
    const state = readRunState(dir);
    if (state.status !== "starting") return state;
    if (proc.exitCode !== null) {
      const why = readFileSync(join(dir, "monitor.log"), "utf8").trim();
      return { ...state, status: "exited", error: `its monitor exited with status ${proc.exitCode}${why ? `: ${why}` : ""}` };
    }
    await Bun.sleep(POLL_MS / 5);
  }
}

/** `bocker start`: a stopped container runs again with its filesystem as it left it. */
export async function startContainer(ctx: Context, idOrName: string): Promise<string> {
  const id = ctx.store.resolveContainer(idOrName);
  const dir = ctx.store.containerDir(id);
  const s = readRunState(dir);
  if (ownerAlive(s) && s.status !== "exited") return id; // running, or restarting: docker start does nothing
  // A monitor still finishing (taking the network down) after its container ended.
  if (!(await untilOwnerGone(dir, KILL_WAIT_MS))) throw new BockerError(`cannot start ${id}: its monitor (pid ${s.ownerPid}) has not finished`);
  // What the last run left in the runtime (run --keep keeps a stopped container): the id is free.
  if (ctx.tools.status(id) !== undefined) ctx.tools.tryRuntime("delete", "--force", id);
  // Its names come back to the bridge's DNS with its network (the monitor's end took them away).
  const record = ctx.store.readContainer(id);
  await connect(ctx.net, id, record.ports, namesOf(record));
  const state = await launchMonitor(ctx, id);
  if (state.error !== undefined) {
    await disconnect(ctx.net, id);
    throw new BockerError(`cannot start ${id}: ${state.error}`);
  }
  return id;
}

async function untilOwnerGone(dir: string, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await Bun.sleep(POLL_MS)) {
    if (!ownerAlive(readRunState(dir))) return true;
  }
  return !ownerAlive(readRunState(dir));
}

/**
 * SIGTERM, SIGKILL after `timeoutMs`, as `docker stop -t`; the owner is told first not to restart
 * it, and is waited for (it records the exit status); then the network goes.
 */
export async function stopContainer(ctx: Context, idOrName: string, timeoutMs = STOP_TIMEOUT_MS): Promise<string> {
  const id = ctx.store.resolveContainer(idOrName);
  const dir = ctx.store.containerDir(id);
  requestStop(dir);
  const killAt = Date.now() + timeoutMs;
  let termed: number | undefined;
  let killedAt: number | undefined;
  // The last owner seen: a `run -d --rm` monitor removes state.json with the container, and is
  // waited for until it has finished doing so.
  let owner = readRunState(dir);
  for (;;) {
    const pid = containerPid(ctx, id);
    const seen = readRunState(dir);
    if (seen.ownerPid !== undefined) owner = seen;
    if (pid === undefined && !ownerAlive(owner)) break;
    if (pid !== undefined && termed !== pid) {
      ctx.tools.tryRuntime("kill", id, "SIGTERM");
      termed = pid;
    }
    if (pid !== undefined && killedAt === undefined && Date.now() >= killAt) {
      ctx.tools.tryRuntime("kill", "--all", id, "SIGKILL");
      killedAt = Date.now();
    }
    if (killedAt !== undefined && Date.now() - killedAt > KILL_WAIT_MS) throw new BockerError(`${id} did not stop after SIGKILL`);
    await Bun.sleep(POLL_MS);
  }
  await disconnect(ctx.net, id);
  return id;
}

/**
 * For `rm`, once the container was killed: its owner gone before the container's directory goes
 * (it writes there). A monitor that does not end then is killed itself.
 */
export async function endOwner(ctx: Context, id: string): Promise<void> {
  const dir = ctx.store.containerDir(id);
  const state = readRunState(dir);
  if (!ownerAlive(state) || state.ownerPid === process.pid) return;
  if (await untilOwnerGone(dir, STOP_TIMEOUT_MS)) return;
  if (ownerAlive(readRunState(dir))) process.kill(state.ownerPid!, "SIGKILL");
}

/**
 * Like `docker kill`, a kill counts as stopping by hand: the restart policy no longer applies
 * until the next `start` (moby daemon/kill.go sets HasBeenManuallyStopped for every signal).
 */
export function killContainer(ctx: Context, idOrName: string, signal: string): string {
  const id = ctx.store.resolveContainer(idOrName);
  if (!isRunning(ctx, id)) throw new BockerError(`Container '${id}' exists but is not running`);
  requestStop(ctx.store.containerDir(id));
  const r = ctx.tools.tryRuntime("kill", id, signal);
  if (r.code !== 0) {
    clearStop(ctx.store.containerDir(id)); // nothing was sent: its policy still holds
    throw new BockerError(`kill ${id} ${signal}: ${r.stderr.trim()}`);
  }
  return id;
}

/** Blocks until the container's current run ends (at once if it is not running); its exit status. */
export async function waitContainer(ctx: Context, idOrName: string): Promise<number> {
  const id = ctx.store.resolveContainer(idOrName);
  const dir = ctx.store.containerDir(id);
  const first = readRunState(dir);
  for (let s = first; ; s = readRunState(dir)) {
    const running = s.status === "running" || s.status === "starting" || s.status === "created";
    if (!running || s.finishedAt !== first.finishedAt) {
      if (s.exitCode === undefined) throw new BockerError(`${id} has not run`);
      return s.exitCode;
    }
    if (!ownerAlive(s)) throw new BockerError(`${id}: its owner (pid ${s.ownerPid}) is gone without recording an exit status`);
    await Bun.sleep(POLL_MS);
  }
}
