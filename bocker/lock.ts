/**
 * bocker's lock policy over common/lock.ts: an exclusive flock on a file, waited for, held while
 * `fn` runs. Used where two concurrent bocker commands would otherwise race: id allocation and
 * first-use bridge setup. A crashed bocker leaves no stale lock: the kernel drops it.
 */
import { closeSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import { lockFd, queued, unlockFd } from "../common/lock.ts";
import { BockerError } from "./errors.ts";

/** Within one process the callers queue (so `fn` must not take the same lock again). */
export function withLock<T>(path: string, fn: () => T | Promise<T>): Promise<T> {
  return queued(path, () => lockedCall(path, fn));
}

async function lockedCall<T>(path: string, fn: () => T | Promise<T>): Promise<T> {
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, "a", 0o600);
  try {
    // Blocks this (single) thread until the holder finishes; that is the point.
    if (!lockFd(fd, true)) throw new BockerError(`flock ${path}: failed`);
    try {
      return await fn();
    } finally {
      if (!unlockFd(fd)) throw new BockerError(`flock ${path}: failed`);
    }
  } finally {
    closeSync(fd);
  }
}
