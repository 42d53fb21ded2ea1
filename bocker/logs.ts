/**
 * Container logs. The container's stdout and stderr are the log file itself (opened O_APPEND and
 * handed to the runtime, which passes its stdio through when process.terminal is false), so the
 * log survives a detached container whose `bocker` is long gone, with no shim process. A
 * foreground `run` and `logs -f` show it by following the file.
 */
import { closeSync, openSync, readSync } from "node:fs";
import { writeStdout } from "../common/stdio.ts";

const POLL_MS = 50;

/** Copies everything appended to `path` from `offset` on to `out`; returns the new offset. */
function drain(path: string, offset: number, out: (chunk: Uint8Array) => void): number {
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.alloc(64 * 1024);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, offset);
      if (n <= 0) return offset;
      out(buf.subarray(0, n));
      offset += n;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Follows the log until `finished()` says the writer is gone, then copies what it wrote last.
 * Returns the offset reached.
 */
export async function followLog(path: string, out: (chunk: Uint8Array) => void, finished: () => boolean, offset = 0): Promise<number> {
  for (;;) {
    const done = finished(); // checked before the read, so nothing written before exit is missed
    offset = drain(path, offset, out);
    if (done) return offset;
    await Bun.sleep(POLL_MS);
  }
}

export function printLog(path: string): void {
  drain(path, 0, writeStdout);
}
