/**
 * Locks on files for all three tools. flock(2) is the primitive: the kernel drops the lock when
 * its holder dies, so a command killed with -9 never leaves a stale one. flock locks belong to
 * open file descriptions, so a second lock of the same file from this process would block its
 * only thread forever: callers within one process queue per file instead (queued).
 * What a tool does while it waits (block, poll until a deadline) and what its lock file means
 * besides (the image tool's pid files) is the tool's own policy, kept in its own module.
 */
import { flock, LOCK_EX, LOCK_NB, LOCK_UN } from "./ffi.ts";

/** Takes an exclusive flock on fd: waits for it when `wait`, else returns false when it is held elsewhere. */
export function lockFd(fd: number, wait: boolean): boolean {
  return flock(fd, wait ? LOCK_EX : LOCK_EX | LOCK_NB);
}

export function unlockFd(fd: number): boolean {
  return flock(fd, LOCK_UN);
}

const queues = new Map<string, Promise<unknown>>();

/** Runs fn after every earlier call queued under the same key has settled (failed ones too). */
export async function queued<T>(key: string, fn: () => T | Promise<T>): Promise<T> {
  const run = (queues.get(key) ?? Promise.resolve()).catch(() => undefined).then(fn);
  queues.set(key, run);
  try {
    return await run;
  } finally {
    if (queues.get(key) === run) queues.delete(key);
  }
}
