/**
 * The image tool's lock on a file name (index.json, snapshot metadata): an flock (common/lock.ts),
 * polled until a deadline, on a file that also holds the owner's pid. The kernel drops the flock
 * when its owner dies; the pid keeps the policy older bocker-imagetools followed, which took the
 * file with O_EXCL and no flock: a pid that still lives holds the lock, a dead one is stale and
 * taken over. Inside one process the callers are queued, so concurrent pulls don't poll each other.
 */
import { closeSync, constants, fstatSync, ftruncateSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { errnoOf } from "../../../common/errors.ts";
import { lockFd, queued } from "../../../common/lock.ts";
import { ImagetoolError } from "../errors.ts";

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoOf(err) === "EPERM";
  }
}

/** The fd holding the lock, or undefined while someone else holds it. */
function tryAcquire(path: string): number | undefined {
  const fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, 0o644);
  let held = false;
  try {
    if (!lockFd(fd, false)) return undefined;
    // Its last owner removed the file after we opened it: lock the file now at `path` instead.
    if (fstatSync(fd).nlink === 0) return undefined;
    // Empty: its creator died before writing its pid (the O_EXCL lock waited on that forever).
    const owner = Number(readFileSync(fd, "utf8"));
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && pidAlive(owner)) return undefined;
    ftruncateSync(fd, 0);
    writeSync(fd, String(process.pid), 0);
    held = true;
    return fd;
  } finally {
    if (!held) closeSync(fd);
  }
}

/** Runs `fn` holding the lock file `path`; gives up after `timeoutMs`. */
export function withFileLock<T>(path: string, fn: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  return queued(path, async () => {
    const deadline = Date.now() + timeoutMs;
    let delay = 5;
    let fd: number | undefined;
    while ((fd = tryAcquire(path)) === undefined) {
      if (Date.now() > deadline) throw new ImagetoolError("LOCKED", `could not lock ${path} within ${timeoutMs} ms (held by another bocker-imagetool?)`);
      await Bun.sleep(delay);
      delay = Math.min(delay * 2, 200);
    }
    try {
      return await fn();
    } finally {
      // Removed while still locked, so a waiter that opened this file sees it unlinked and retries.
      try {
        unlinkSync(path);
      } catch {
        // Already gone (removed by hand): nothing else to release.
      }
      closeSync(fd);
    }
  });
}
