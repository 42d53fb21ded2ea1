/** Containers after `run`: ps, logs, exec, rm (lifecycle.ts: start, stop, kill, wait). */
import { existsSync } from "node:fs";
import type { Context } from "./context.ts";
import { BockerError } from "./errors.ts";
import { collectGarbage } from "./images.ts";
import { endOwner, isRunning } from "./lifecycle.ts";
import { followLog, printLog, type LogQuery } from "./logs.ts";
import { disconnect, release } from "./network/index.ts";
import { ownerAlive, readRunState, requestStop } from "./run-state.ts";

export function listContainers(ctx: Context): Array<{ id: string; command: string }> {
  return ctx.store.list("ps").map((id) => ({ id, command: ctx.store.containerCommand(id) }));
}

/** `-f` follows until the container's owner is gone: it ended and will not be restarted. */
export async function showLogs(ctx: Context, idOrName: string, q: LogQuery, follow: boolean): Promise<void> {
  const id = ctx.store.resolveContainer(idOrName);
  if (!follow) return printLog(ctx.store.logPath(id), q);
  await followLog(ctx.store.logPath(id), q, () => !ownerAlive(readRunState(ctx.store.containerDir(id))));
}

/** Runs a command in a running container with our stdio; returns its exit status. */
export async function execIn(ctx: Context, idOrName: string, command: readonly string[]): Promise<number> {
  const id = ctx.store.resolveContainer(idOrName);
  if (!isRunning(ctx, id)) throw new BockerError(`Container '${id}' exists but is not running`);
  const proc = Bun.spawn(ctx.tools.runtimeArgv("exec", id, ...command), { stdio: ["inherit", "inherit", "inherit"] });
  return proc.exited;
}

/**
 * Removes a container and everything it holds, in the reverse order of `run`: its processes and
 * runtime state (cgroups included), its rootfs snapshot and bundle, its network and address, and
 * its directory. Each step tolerates what an interrupted run never made.
 */
export async function removeContainer(ctx: Context, id: string): Promise<void> {
  const { tools, store } = ctx;
  if (existsSync(store.containerDir(id))) requestStop(store.containerDir(id), "rm"); // its monitor must not restart (nor remove) it
  // Twice: a restart that was already under way when the stop was asked for ends with the owner.
  for (const _ of [1, 2]) {
    if (tools.status(id) !== undefined) {
      // --force kills a running container first (runc semantics), then removes state and cgroups.
      const del = tools.tryRuntime("delete", "--force", id);
      if (del.code !== 0) throw new BockerError(`bocker-runtime delete --force ${id}: ${del.stderr.trim()}`);
    }
    await endOwner(ctx, id);
  }
  // The imagetool removes a bundle it failed to make, so a bundle directory is a whole bundle.
  if (existsSync(store.bundleDir(id))) tools.imagetool("bundle", "--remove", store.bundleDir(id));
  await disconnect(ctx.net, id);
  release(ctx.net, id);
  store.remove("ps", id);
  collectGarbage(ctx);
}
