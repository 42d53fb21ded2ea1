/**
 * A cross-process lock on a file name: created with O_EXCL, holding the owner's pid. A lock whose
 * pid no longer exists is stale (the owner crashed) and is taken over. Inside one process the
 * callers are queued as well, so concurrent pulls in one process don't poll each other.
 */
import { openSync, closeSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { ImagetoolError, errnoCode } from "../errors.ts";

const queues = new Map<string, Promise<unknown>>();

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoCode(err) === "EPERM";
  }
}

function tryAcquire(path: string): boolean {
  try {
    const fd = openSync(path, "wx", 0o644);
    writeSync(fd, String(process.pid));
    closeSync(fd);
    return true;
  } catch (err) {
    if (errnoCode(err) !== "EEXIST") throw err;
  }
  let owner = NaN;
  try {
    owner = Number(readFileSync(path, "utf8"));
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return false; // released meanwhile: retry
  }
  // An empty file is a lock being written right now; only a dead pid is stale.
  if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && !pidAlive(owner)) {
    try {
      unlinkSync(path);
    } catch (err) {
      if (errnoCode(err) !== "ENOENT") throw err;
    }
  }
  return false;
}

/** Runs `fn` holding the lock file `path`; gives up after `timeoutMs`. */
export async function withFileLock<T>(path: string, fn: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const previous = queues.get(path) ?? Promise.resolve();
  const run = previous.catch(() => {}).then(async () => {
    const deadline = Date.now() + timeoutMs;
    let delay = 5;
    while (!tryAcquire(path)) {
      if (Date.now() > deadline) throw new ImagetoolError("LOCKED", `could not lock ${path} within ${timeoutMs} ms (held by another bocker-imagetool?)`);
      await Bun.sleep(delay);
      delay = Math.min(delay * 2, 200);
    }
    try {
      return await fn();
    } finally {
      try {
        unlinkSync(path);
      } catch {
        // Already gone (taken over as stale): nothing to release.
      }
    }
  });
  queues.set(path, run);
  try {
    return await run;
  } finally {
    if (queues.get(path) === run) queues.delete(path);
  }
}
