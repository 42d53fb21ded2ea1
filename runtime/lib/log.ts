/**
 * runc-compatible log lines. containerd and podman pass `--log FILE --log-format json` and parse
 * one JSON object per line with `level`, `msg` and `time` (logrus JSONFormatter); the text format
 * is logrus's `time="…" level=… msg="…"`. Without --log, warnings and errors go to stderr.
 */
import { appendFileSync } from "node:fs";
import { writeStderr } from "../../common/stdio.ts";

export type LogLevel = "debug" | "info" | "warning" | "error";
export type LogFormat = "text" | "json";

export interface LogOptions {
  file?: string;
  format: LogFormat;
  debug: boolean;
}

export class Logger {
  constructor(private readonly options: LogOptions) {}

  debug(msg: string): void {
    if (this.options.debug) this.write("debug", msg);
  }
  info(msg: string): void {
    this.write("info", msg);
  }
  warn(msg: string): void {
    this.write("warning", msg);
  }
  error(msg: string): void {
    this.write("error", msg);
  }

  private write(level: LogLevel, msg: string): void {
    const line = formatLogLine(level, msg, this.options.format, new Date());
    if (this.options.file) {
      try {
        appendFileSync(this.options.file, line);
        return;
      } catch {
        // The log file is unusable (full disk, removed dir): stderr is the only channel left.
      }
    }
    // errors are printed by main.ts itself; stderr only carries warnings (and debug on request).
    if (level !== "error" && (level !== "info" || this.options.debug)) writeStderr(line);
  }
}

export function formatLogLine(level: LogLevel, msg: string, format: LogFormat, time: Date): string {
  const iso = time.toISOString();
  if (format === "json") return JSON.stringify({ level, msg, time: iso }) + "\n";
  return `time="${iso}" level=${level} msg=${JSON.stringify(msg)}\n`;
}
