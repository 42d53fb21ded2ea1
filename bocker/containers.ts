/** Containers after `run`: ps, logs, exec, stop, rm. */
import { existsSync } from "node:fs";
import type { Context } from "./context.ts";
import { BockerError } from "./errors.ts";
import { collectGarbage } from "./images.ts";
import { writeStdout } from "../common/stdio.ts";
import { followLog, printLog } from "./logs.ts";
import { disconnect, release } from "./network/index.ts";

const STOP_TIMEOUT_MS = 10_000; // Docker's default grace period before SIGKILL

export function listContainers(ctx: Context): Array<{ id: string; command: string }> {
  return ctx.store.list("ps").map((id) => ({ id, command: ctx.store.containerCommand(id) }));
}

export function isRunning(ctx: Context, id: string): boolean {
  const status = ctx.tools.status(id);
  return status === "running" || status === "paused";
}

export async function showLogs(ctx: Context, idOrName: string, follow: boolean): Promise<void> {
  const id = ctx.store.resolveContainer(idOrName);
  if (!follow) return printLog(ctx.store.logPath(id));
  let running = true;
  let lastCheck = 0;
  // Asking the runtime costs a process; once every half second is enough to notice the end.
  await followLog(ctx.store.logPath(id), writeStdout, () => {
    if (Date.now() - lastCheck >= 500) {
      lastCheck = Date.now();
      running = isRunning(ctx, id);
    }
    return !running;
  });
}

/** Runs a command in a running container with our stdio; returns its exit status. */
export async function execIn(ctx: Context, idOrName: string, command: readonly string[]): Promise<number> {
  const id = ctx.store.resolveContainer(idOrName);
  if (!isRunning(ctx, id)) throw new BockerError(`Container '${id}' exists but is not running`);
  const proc = Bun.spawn(ctx.tools.runtimeArgv("exec", id, ...command), { stdio: ["inherit", "inherit", "inherit"] });
  return proc.exited;
}

async function waitStopped(ctx: Context, id: string, timeoutMs: number): Promise<boolean> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await Bun.sleep(50)) {
    if (!isRunning(ctx, id)) return true;
  }
  return !isRunning(ctx, id);
}

/** SIGTERM, then SIGKILL after the grace period, as `docker stop` does; then the network goes. */
export async function stopContainer(ctx: Context, idOrName: string, timeoutMs = STOP_TIMEOUT_MS): Promise<string> {
  const id = ctx.store.resolveContainer(idOrName);
  if (isRunning(ctx, id)) {
    ctx.tools.tryRuntime("kill", id, "SIGTERM");
    if (!(await waitStopped(ctx, id, timeoutMs))) {
      ctx.tools.tryRuntime("kill", "--all", id, "SIGKILL");
      if (!(await waitStopped(ctx, id, 5_000))) throw new BockerError(`${id} did not stop after SIGKILL`);
    }
  }
  await disconnect(ctx.net, id);
  return id;
}

/**
 * Removes a container and everything it holds, in the reverse order of `run`: its processes and
 * runtime state (cgroups included), its rootfs snapshot and bundle, its network and address, and
 * its directory. Each step tolerates what an interrupted run never made.
 */
export async function removeContainer(ctx: Context, id: string): Promise<void> {
  const { tools, store } = ctx;
  if (tools.status(id) !== undefined) {
    // --force kills a running container first (runc semantics), then removes state and cgroups.
    const del = tools.tryRuntime("delete", "--force", id);
    if (del.code !== 0) throw new BockerError(`bocker-runtime delete --force ${id}: ${del.stderr.trim()}`);
  }
  // The imagetool removes a bundle it failed to make, so a bundle directory is a whole bundle.
  if (existsSync(store.bundleDir(id))) tools.imagetool("bundle", "--remove", store.bundleDir(id));
  await disconnect(ctx.net, id);
  release(ctx.net, id);
  store.remove("ps", id);
  collectGarbage(ctx);
}
