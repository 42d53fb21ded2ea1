/**
 * A container's log in Docker's json-file format, one entry per line of output:
 *   {"log":"hello\n","stream":"stdout","time":"2026-12-07T16:46:05.123456789Z"}
 * written by the one process that holds the container's stdout and stderr pipes (its monitor, or
 * a foreground `bocker run`), so it can rotate: with `--log-opt max-size=10m,max-file=3` the file
 * is renamed to .1 (.1 to .2 ...) once it has reached max-size, before the next entry, and at most
 * max-file files are kept (moby daemon/logger/loggerutils/logfile.go checkCapacityAndRotate; with
 * max-file=1 the file is truncated instead). Sizes are decimal as in docker (units.FromHumanSize:
 * 10m = 10,000,000 bytes).
 *
 * Why a writer process and not copytruncate: a detached container used to write into the log file
 * itself, and a copy-then-truncate rotation loses what it writes between the copy and the
 * truncate, and cannot separate stdout from stderr or timestamp lines. Output is decoded as UTF-8
 * (as docker's json-file does), so bytes that are not UTF-8 come back as U+FFFD.
 */
import { closeSync, existsSync, fstatSync, openSync, renameSync, writeSync } from "node:fs";
import { BockerError } from "./errors.ts";

export type Stream = "stdout" | "stderr";

export interface LogEntry {
  readonly log: string;
  readonly stream: Stream;
  readonly time: string;
}

export interface LogOptions {
  /** Bytes; undefined: the file grows without limit (docker's default). */
  readonly maxSize?: number;
  readonly maxFile: number;
}

const PARTIAL_MAX = 16 * 1024;
const SIZE_UNITS: Record<string, number> = { "": 1, k: 1e3, m: 1e6, g: 1e9, t: 1e12, p: 1e15 };

/** docker's units.FromHumanSize: "10m", "10MB", "1.5k", "512" (bytes); decimal multiples. */
export function parseHumanSize(text: string, what: string): number {
  const m = /^(\d+(?:\.\d+)?) ?([kmgtp]?)i?b?$/i.exec(text);
  const n = m ? Math.floor(Number(m[1]) * SIZE_UNITS[m[2]!.toLowerCase()]!) : NaN;
  if (!(n > 0)) throw new BockerError(`${what}=${text}: expected a positive size like 10m, 512k or 1g`);
  return n;
}

/** `--log-opt` values, each `key=value` or several joined by commas (max-size=10m,max-file=3). */
export function parseLogOpts(values: readonly string[]): LogOptions {
  let maxSize: number | undefined;
  let maxFile = 1;
  for (const opt of values.flatMap((v) => v.split(",")).filter(Boolean)) {
    const [key, value = ""] = opt.split(/=(.*)/s);
    if (key === "max-size") maxSize = parseHumanSize(value, "--log-opt max-size");
    else if (key === "max-file") {
      if (!/^\d+$/.test(value) || Number(value) < 1) throw new BockerError(`--log-opt max-file=${value}: expected a whole number of at least 1`);
      maxFile = Number(value);
    } else throw new BockerError(`--log-opt ${opt}: unknown option (json-file takes max-size and max-file)`);
  }
  if (maxFile > 1 && maxSize === undefined) throw new BockerError("--log-opt max-file needs max-size (docker's rule: nothing rotates without it)");
  return maxSize === undefined ? { maxFile } : { maxSize, maxFile };
}

/** RFC3339 with nine fractional digits, as docker's RFC3339NanoFixed. */
export function timestampNow(): string {
  const ms = performance.timeOrigin + performance.now();
  const whole = Math.floor(ms);
  const nanos = String(Math.floor((ms - whole) * 1e6)).padStart(6, "0");
  return new Date(whole).toISOString().replace(/Z$/, `${nanos}Z`);
}

/** The files of a log, oldest first: path.N ... path.1, path. */
export function logFiles(path: string, maxFile = 100): string[] {
  const rotated: string[] = [];
  for (let i = 1; i < maxFile && existsSync(`${path}.${i}`); i++) rotated.unshift(`${path}.${i}`);
  return [...rotated, path];
}

export class LogWriter {
  private fd: number;
  private size: number;
  private readonly decoders = { stdout: new TextDecoder(), stderr: new TextDecoder() };
  private readonly partial = { stdout: "", stderr: "" };

  constructor(private readonly path: string, private readonly opts: LogOptions) {
    this.fd = openSync(path, "a");
    this.size = fstatSync(this.fd).size;
  }

  /** A chunk of a stream: complete lines become entries now, a trailing partial line waits. */
  write(stream: Stream, chunk: Uint8Array): void {
    const text = this.partial[stream] + this.decoders[stream].decode(chunk, { stream: true });
    const lines = text.split(/(?<=\n)/);
    this.partial[stream] = lines.at(-1)!.endsWith("\n") ? "" : lines.pop()!;
    // docker's copier flushes a line longer than its 16 KiB buffer as a partial entry.
    if (this.partial[stream].length >= PARTIAL_MAX) lines.push(this.partial[stream]), (this.partial[stream] = "");
    for (const line of lines) this.entry(stream, line);
  }

  /** The streams ended: what is left of a last line without newline is an entry of its own. */
  close(): void {
    for (const stream of ["stdout", "stderr"] as const) {
      const rest = this.partial[stream] + this.decoders[stream].decode();
      if (rest) this.entry(stream, rest);
    }
    closeSync(this.fd);
  }

  private entry(stream: Stream, log: string): void {
    const line = Buffer.from(`${JSON.stringify({ log, stream, time: timestampNow() })}\n`);
    if (this.opts.maxSize !== undefined && this.size >= this.opts.maxSize) this.rotate();
    for (let off = 0; off < line.length; ) off += writeSync(this.fd, line, off);
    this.size += line.length;
  }

  private rotate(): void {
    closeSync(this.fd);
    if (this.opts.maxFile >= 2) {
      for (let i = this.opts.maxFile - 1; i > 1; i--) {
        if (existsSync(`${this.path}.${i - 1}`)) renameSync(`${this.path}.${i - 1}`, `${this.path}.${i}`);
      }
      renameSync(this.path, `${this.path}.1`);
    }
    this.fd = openSync(this.path, "w");
    this.size = 0;
  }
}
