/**
 * The create/start handshake (runc's exec.fifo). The container init blocks opening the FIFO for
 * writing (EXEC_FIFO_WAIT); `start` opens it for reading, which lets the init's open complete and
 * write "0". The init keeps the write end open, close-on-exec, until its execve: anything that
 * fails in between (a startContainer hook, seccomp, the execve itself) arrives as an `error`
 * line, and EOF means the user's program is running (runtime-spec: start returns after that, and
 * poststart hooks follow it). The read side is non-blocking until the init's "0" arrived, so an
 * init that died before connecting never hangs `start`.
 */
import { closeSync, constants, openSync, readSync, unlinkSync } from "node:fs";
import { RuntimeError, ioError } from "./errors.ts";
import { parseHelperLine } from "./process/protocol.ts";
import { errnoName, errnoOf } from "../../common/errors.ts";
import { errnoDescription } from "./sys/errno.ts";
import { setBlocking } from "./sys/ffi.ts";

export function releaseExecFifo(path: string, stillWaiting: () => boolean): void {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw ioError("open", path, err);
  }
  let text = "";
  try {
    const buf = Buffer.alloc(4096);
    // undefined: nothing available yet (EAGAIN, or no writer has opened the FIFO so far)
    const readSome = (): number | undefined => {
      try {
        const n = readSync(fd, buf);
        text += buf.toString("utf8", 0, n);
        return n === 0 && text === "" ? undefined : n;
      } catch (err) {
        if (errnoOf(err) !== "EAGAIN") throw ioError("read", path, err);
        return undefined;
      }
    };
    for (let pause = 0.05; ; pause = Math.min(pause * 2, 5)) {
      const n = readSome();
      if (n === 0) break; // EOF after "0": the init reached execve (or died, reported below)
      if (n !== undefined) {
        // The init is connected and holds the write end until its execve (close-on-exec) or its
        // death: from here a blocking read ends exactly then, without polling (runc reads to EOF).
        setBlocking(fd);
        continue;
      }
      // A short-lived process may write, exec and exit between two reads: look once more.
      if (!stillWaiting() && readSome() === undefined) break;
      Bun.sleepSync(pause);
    }
  } finally {
    closeSync(fd);
  }
  try {
    unlinkSync(path);
  } catch (err) {
    throw ioError("remove", path, err);
  }
  if (!text.startsWith("0")) throw new RuntimeError("BAD_STATUS", "the container process exited before it was started");
  const error = text.slice(1).split("\n").find((l) => l.startsWith("error "));
  if (error) {
    const msg = parseHelperLine(error);
    if (msg.kind === "error") {
      throw new RuntimeError("HELPER_FAILED", `starting the container process failed${msg.errno ? `: ${errnoDescription(msg.errno)}` : ""}: ${msg.message}`, { errno: msg.errno ? errnoName(msg.errno) : undefined });
    }
  }
}
