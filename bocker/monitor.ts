/**
 * The process that owns a container while it runs: it holds the container's stdout and stderr
 * (pipes from `bocker-runtime run --keep`, which exits with the container's status), writes them
 * to the json-file log (logfile.ts), records the exit status in state.json (run-state.ts) and
 * applies the restart policy (restart.ts). A detached container gets one of its own,
 * `bocker monitor ps_N`, started by `run -d` and `start` in a session of its own (so it
 * outlives the command, and `ps` on the host shows it by that name); a foreground `bocker run` is
 * its container's owner itself (superviseForeground). `stop` and `rm` create the container's
 * `stop` file before killing it, so the owner does not restart it and exits; the last thing the
 * monitor does is take the container's network down (its names leave the bridge's DNS), as the
 * end of a foreground run does, and, for `run -d --rm`, remove the container.
 */
import type { Subprocess } from "bun";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { removeContainer } from "./containers.ts";
import type { Context } from "./context.ts";
import { LogWriter, type Stream } from "./logfile.ts";
import { disconnect } from "./network/index.ts";
import { nextBackoff, shouldRestart } from "./restart.ts";
import { BockerError } from "./errors.ts";
import { ownedByMe, ownerAlive, readRunState, removalRequested, stopRequested, updateRunState } from "./run-state.ts";

const POLL_MS = 5;
/** How much of the runtime's stderr a failed start reports. */
const ERROR_TAIL = 4096;

type Child = Subprocess<"ignore" | "inherit", "pipe", "pipe">;

function logWriter(ctx: Context, id: string): LogWriter {
  return new LogWriter(ctx.store.logPath(id), ctx.store.readContainer(id).logOptions ?? { maxFile: 1 });
}

/** Copies one stream into the log (and to `echo`); resolves with its last bytes, as text. */
async function pump(stream: ReadableStream<Uint8Array>, name: Stream, log: LogWriter, echo?: (chunk: Uint8Array) => void): Promise<string> {
  let tail = "";
  for await (const chunk of stream) {
    log.write(name, chunk);
    echo?.(chunk);
    tail = (tail + Buffer.from(chunk).toString("utf8")).slice(-ERROR_TAIL);
  }
  return tail;
}

/** Waits for `proc` and its output; returns its exit status and the tail of its stderr. */
async function collect(proc: Child, log: LogWriter, echo?: (chunk: Uint8Array) => void): Promise<{ code: number; stderr: string }> {
  const [, stderr, code] = await Promise.all([pump(proc.stdout, "stdout", log, echo), pump(proc.stderr, "stderr", log, echo), proc.exited]);
  return { code, stderr };
}

/** A foreground run is its container's owner: its start, exit status and end are recorded around `run`. */
async function owning(ctx: Context, id: string, run: () => Promise<number>): Promise<number> {
  const dir = ctx.store.containerDir(id);
  updateRunState(dir, { status: "running", startedAt: new Date().toISOString(), restartCount: 0, error: undefined, ...ownedByMe() });
  const code = await run();
  updateRunState(dir, { status: "exited", exitCode: code, finishedAt: new Date().toISOString() });
  return code;
}

/**
 * A foreground run: the container's output goes to the log and, both streams, to our stdout (the
 * original's `2>&1 | tee`); its exit status is recorded and returned.
 */
export async function superviseForeground(ctx: Context, id: string, proc: Child, echo: (chunk: Uint8Array) => void): Promise<number> {
  const log = logWriter(ctx, id);
  try {
    return await owning(ctx, id, async () => (await collect(proc, log, echo)).code);
  } finally {
    log.close();
  }
}

/** `run -t`: the terminal is the runtime's (run.ts runOnTerminal), so only the exit status is recorded. */
export function superviseTerminal(ctx: Context, id: string, proc: Subprocess): Promise<number> {
  return owning(ctx, id, () => proc.exited);
}

/**
 * Until the runtime has created the container (it writes --pid-file then, and starts it right
 * after), or gave up. A file to look at, not `bocker-runtime state` to run: polling with a
 * process every few milliseconds took the CPU the runtime needed and made run -d slower.
 */
async function untilCreated(pidFile: string, proc: Child): Promise<void> {
  while (proc.exitCode === null && proc.signalCode === null && !existsSync(pidFile)) await Bun.sleep(POLL_MS);
}

/** Sleeps `ms` unless a stop is requested meanwhile; returns whether it was. */
async function sleepUnlessStopped(dir: string, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await Bun.sleep(Math.min(50, end - Date.now()))) {
    if (stopRequested(dir)) return true;
  }
  return stopRequested(dir);
}

/** `bocker monitor ID`: runs the container until it ends for good; see the top of the file. */
export async function monitorContainer(ctx: Context, id: string): Promise<number> {
  const { store, tools } = ctx;
  const dir = store.containerDir(id);
  const before = readRunState(dir);
  if (ownerAlive(before)) throw new BockerError(`${id} already has an owner (pid ${before.ownerPid}); bocker run -d and start start its monitor`);
  const record = store.readContainer(id);
  const policy = record.restart ?? { name: "no" };
  const pidFile = join(dir, "container.pid");
  const log = logWriter(ctx, id);
  updateRunState(dir, ownedByMe());
  let restarts = 0;
  let backoff: number | undefined;
  try {
    for (;;) {
      // Its previous run's stopped state (run --keep) must go before the id is created again
      // (`start` removed what an earlier owner left).
      if (restarts > 0) tools.tryRuntime("delete", "--force", id);
      rmSync(pidFile, { force: true });
      const began = Date.now();
      const proc = Bun.spawn(tools.runtimeArgv("run", "--keep", "--pid-file", pidFile, "--bundle", store.bundleDir(id), id), { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
      const done = collect(proc, log);
      await untilCreated(pidFile, proc);
      if (existsSync(pidFile)) updateRunState(dir, { status: "running", startedAt: new Date().toISOString(), error: undefined });
      const { code, stderr } = await done;
      // The runtime deletes a container it could not create or start: that is no exit of the
      // container's, and no reason to try again.
      const failed = tools.status(id) === undefined && !stopRequested(dir);
      updateRunState(dir, { status: "exited", exitCode: code, finishedAt: new Date().toISOString(), ...(failed ? { error: stderr.trim() || `bocker-runtime exit ${code}` } : {}) });
      if (failed || stopRequested(dir) || !shouldRestart(policy, code, restarts)) break;
      backoff = nextBackoff(backoff, Date.now() - began);
      updateRunState(dir, { status: "restarting" });
      if (await sleepUnlessStopped(dir, backoff)) {
        updateRunState(dir, { status: "exited" });
        break;
      }
      restarts++;
      updateRunState(dir, { restartCount: restarts });
    }
  } finally {
    log.close();
    await disconnect(ctx.net, id);
  }
  // run -d --rm, as docker's AutoRemove: once it ended for good, unless its start failed (run -d
  // removes it then and says why) or `rm` is already removing it.
  if (record.remove === true && readRunState(dir).error === undefined && !removalRequested(dir)) await removeContainer(ctx, id);
  return 0;
}
