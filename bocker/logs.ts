/**
 * `bocker logs [-f] [--tail N] [--since WHEN] [-t] ID`: the entries of a container's json-file
 * log (logfile.ts), rotated files first, each stream to our own stream of that name as `docker
 * logs` does; `-t` puts the entry's RFC3339Nano time in front. Without options the output is the
 * container's output as it was written, as the original's `cat ps_N.log` showed it.
 * `-f` follows the file across rotations (the renamed file is read to its end, then the new one).
 */
import { closeSync, fstatSync, openSync, readSync, statSync } from "node:fs";
import { writeStderr, writeStdout } from "../common/stdio.ts";
import { BockerError } from "./errors.ts";
import { logFiles, type LogEntry } from "./logfile.ts";

const POLL_MS = 50;

export interface LogQuery {
  /** Only the last N entries (before following). */
  readonly tail?: number;
  /** Only entries at or after this time (ms since the epoch). */
  readonly sinceMs?: number;
  readonly timestamps: boolean;
}

const GO_DURATION_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, ms: 1, s: 1e3, m: 6e4, h: 3.6e6 };

/** docker's --since: a Go duration before now (10m, 1h30m), a Unix time (1700000000.5) or an RFC 3339 date. */
export function parseSince(text: string, now = Date.now()): number {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  if (/^((\d+(\.\d+)?)(ns|us|µs|ms|s|m|h))+$/.test(text)) {
    let ms = 0;
    for (const [, n, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(n) * GO_DURATION_MS[unit!]!;
    return now - ms;
  }
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new BockerError(`--since ${text}: expected a duration (10m, 1h30m), a Unix time or an RFC 3339 date`);
  return t;
}

/** The time of an entry in ms (the nanoseconds past the millisecond do not matter to --since). */
const entryMs = (e: LogEntry) => Date.parse(e.time);

/** Complete lines of a log file → entries. */
export function parseLines(text: string): LogEntry[] {
  const out: LogEntry[] = [];
  for (const line of text.split("\n")) {
    if (!line) continue;
    let entry: Partial<LogEntry> | undefined;
    try {
      entry = JSON.parse(line) as Partial<LogEntry>;
    } catch {
      // not JSON
    }
    // A container's log from before the json-file format is its output itself: shown as it is.
    out.push(typeof entry?.log === "string" ? (entry as LogEntry) : { log: `${line}\n`, stream: "stdout", time: "" });
  }
  return out;
}

function show(e: LogEntry, timestamps: boolean): void {
  const text = timestamps ? `${e.time} ${e.log}` : e.log;
  if (e.stream === "stderr") writeStderr(text);
  else writeStdout(text);
}

/** Reads a file from `offset` to its end; returns the complete lines' entries and the new offset. */
function readFrom(fd: number, offset: number): { entries: LogEntry[]; offset: number } {
  const chunks: Buffer[] = [];
  const buf = Buffer.alloc(64 * 1024);
  for (let at = offset; ; ) {
    const n = readSync(fd, buf, 0, buf.length, at);
    if (n <= 0) break;
    chunks.push(Buffer.from(buf.subarray(0, n)));
    at += n;
  }
  const all = Buffer.concat(chunks);
  const end = all.lastIndexOf(0x0a) + 1; // a line still being written waits for the next read
  return { entries: parseLines(all.subarray(0, end).toString("utf8")), offset: offset + end };
}

function readFile(path: string): LogEntry[] {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return [];
  }
  try {
    return readFrom(fd, 0).entries;
  } finally {
    closeSync(fd);
  }
}

function select(entries: LogEntry[], q: LogQuery): LogEntry[] {
  if (q.sinceMs !== undefined) entries = entries.filter((e) => entryMs(e) >= q.sinceMs!);
  if (q.tail !== undefined) entries = q.tail === 0 ? [] : entries.slice(-q.tail);
  return entries;
}

export function printLog(path: string, q: LogQuery): void {
  for (const e of select(logFiles(path).flatMap(readFile), q)) show(e, q.timestamps);
}

/**
 * Prints the log as printLog does, then what is appended, until `finished()` (checked before
 * each read, so nothing written before the end is missed).
 */
export async function followLog(path: string, q: LogQuery, finished: () => boolean): Promise<void> {
  let fd = openSync(path, "r"); // first, so a rotation from here on is seen as one
  try {
    const start = readFrom(fd, 0);
    let offset = start.offset;
    for (const e of select([...logFiles(path).slice(0, -1).flatMap(readFile), ...start.entries], q)) show(e, q.timestamps);
    const since = { ...q, tail: undefined };
    for (;;) {
      const done = finished();
      if (fstatSync(fd).size < offset) offset = 0; // truncated in place (max-file=1)
      const read = readFrom(fd, offset);
      offset = read.offset;
      for (const e of select(read.entries, since)) show(e, q.timestamps);
      let rotated = false;
      try {
        rotated = statSync(path).ino !== fstatSync(fd).ino;
      } catch {
        // between the rename and the new file: the next round sees it
      }
      if (rotated) {
        // What reached the old file between the read above and its rename, then the new file.
        for (const e of select(readFrom(fd, offset).entries, since)) show(e, q.timestamps);
        closeSync(fd);
        fd = openSync(path, "r");
        offset = 0;
        continue;
      }
      if (done) return;
      await Bun.sleep(POLL_MS);
    }
  } finally {
    closeSync(fd);
  }
}
