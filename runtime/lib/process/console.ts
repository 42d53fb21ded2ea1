/**
 * Foreground `run` of a terminal container without --console-socket: like runc, the runtime
 * holds the pty master itself and relays between it and its own stdio (raw mode when stdin is a
 * terminal, window size kept in sync on SIGWINCH).
 */
import { read, writeSync } from "node:fs";
import { closeFd } from "../../../common/ffi.ts";
import { setWindowSize } from "../sys/ffi.ts";

export interface Relay {
  /** Stops relaying input, restores the terminal, waits for the output to drain. */
  stop(): Promise<void>;
}

export function relayConsole(master: number): Relay {
  // Relaying is the one long-running loop of the runtime: back to the normal JIT policy (the
  // executable starts with a reluctant one for run-once code, scripts/build.ts).
  Bun.unsafe.setJITPolicy(1);
  const resize = () => {
    if (process.stdout.isTTY) setWindowSize(master, process.stdout.rows, process.stdout.columns);
  };
  resize();
  process.on("SIGWINCH", resize);
  const raw = process.stdin.isTTY === true;
  if (raw) process.stdin.setRawMode(true);
  const onInput = (chunk: Buffer) => {
    try {
      writeSync(master, chunk);
    } catch {
      // the container side is gone
    }
  };
  process.stdin.on("data", onInput);

  // Output ends with EIO once every slave fd in the container is closed.
  const output = new Promise<void>((resolve) => {
    const buf = Buffer.alloc(16384);
    const pump = () =>
      read(master, buf, 0, buf.length, null, (err, n) => {
        if (err || n === 0) return resolve();
        process.stdout.write(buf.subarray(0, n), () => pump());
      });
    pump();
  });

  return {
    async stop() {
      process.off("SIGWINCH", resize);
      process.stdin.off("data", onInput);
      process.stdin.pause();
      if (raw) process.stdin.setRawMode(false);
      await Promise.race([output, Bun.sleep(1000)]);
      closeFd(master);
    },
  };
}
