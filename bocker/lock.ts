/**
 * An exclusive flock(2) on a file, held while `fn` runs. The kernel drops it if we die, so a
 * crashed bocker never leaves a stale lock (a mkdir- or pid-file lock would). Used where two
 * concurrent bocker commands would otherwise race: id allocation and first-use bridge setup.
 */
import { dlopen, FFIType } from "bun:ffi";
import { closeSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import { BockerError } from "./errors.ts";

const LOCK_EX = 2;
const LOCK_UN = 8;

let libc: { symbols: { flock: (fd: number, op: number) => number } } | undefined;
function flock(fd: number, op: number, path: string): void {
  libc ??= dlopen("libc.so.6", { flock: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 } });
  if (libc.symbols.flock(fd, op) !== 0) throw new BockerError(`flock ${path}: failed`);
}

/**
 * flock(2) locks belong to open file descriptions, so a second lock of the same file from this
 * process would block its only thread forever; calls within one process queue here instead
 * (so `fn` must not take the same lock again).
 */
const queues = new Map<string, Promise<unknown>>();

export function withLock<T>(path: string, fn: () => T | Promise<T>): Promise<T> {
  const previous = queues.get(path) ?? Promise.resolve();
  const next = previous.then(() => lockedCall(path, fn));
  queues.set(path, next.catch(() => undefined));
  return next;
}

async function lockedCall<T>(path: string, fn: () => T | Promise<T>): Promise<T> {
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, "a", 0o600);
  try {
    flock(fd, LOCK_EX, path); // blocks this (single) thread until the holder finishes; that is the point
    try {
      return await fn();
    } finally {
      flock(fd, LOCK_UN, path);
    }
  } finally {
    closeSync(fd);
  }
}
