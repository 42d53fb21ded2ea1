/**
 * stdout/stderr through write(2), for all three tools. Bun's process.stdout and process.stderr
 * build a Node stream on first use, which adds ~13 ms to a compiled runtime's run time: more than
 * the whole `state` command otherwise takes, and containerd and podman call `state` constantly.
 * It cost each imagetool `pull` and `bundle` as much. Synchronous, so nothing is lost to a
 * process.exit() right after (stdout may be a pipe).
 */
import { writeSync } from "node:fs";

function writeAll(fd: number, data: string | Uint8Array): void {
  const bytes = typeof data === "string" ? Buffer.from(data) : data;
  for (let off = 0; off < bytes.length; ) {
    try {
      off += writeSync(fd, bytes, off);
    } catch (err) {
      // An inherited non-blocking pipe that is full: wait for the reader instead of losing output.
      if ((err as { code?: string }).code !== "EAGAIN") throw err;
      Bun.sleepSync(1);
    }
  }
}

/** Output the caller asked for (state JSON, --version): a failure to deliver it is an error. */
export function writeStdout(data: string | Uint8Array): void {
  writeAll(1, data);
}

/** Diagnostics: if stderr is gone there is nowhere left to report that, so failures are dropped. */
export function writeStderr(text: string): void {
  try {
    writeAll(2, text);
  } catch {
    // stderr closed (EPIPE, EBADF): the exit status still tells the caller.
  }
}
