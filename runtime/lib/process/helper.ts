/**
 * Spawns bocker-init with the container's stdio, the preserved fds (3 .. 3+N-1) and the sync
 * socket right after them, writes the encoded plan, and reads the helper's messages (blocking:
 * the runtime has nothing else to do while the container is being set up).
 */
import { existsSync, readSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Subprocess } from "bun";
import { RuntimeError, ioError } from "../errors.ts";
import { setBlocking } from "../sys/ffi.ts";
import { parseHelperLine, type HelperMessage } from "./protocol.ts";

/** Next to the running executable (dist/bocker-runtime → dist/bocker-init), else the repo's dist/. */
export function findHelper(): string {
  const candidates = [join(dirname(process.execPath), "bocker-init"), join(import.meta.dir, "..", "..", "..", "dist", "bocker-init")];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new RuntimeError("IO", `bocker-init not found (looked at ${candidates.join(", ")}): run \`npm run build\``);
  return found;
}

export type StdioTarget = "inherit" | "ignore" | number;

export interface SpawnHelperOptions {
  stdio: [StdioTarget, StdioTarget, StdioTarget];
  preserveFds: number;
}

export class HelperSession {
  private buffered = "";
  private eof = false;

  constructor(readonly proc: Subprocess, private readonly syncFd: number) {}

  /** Blocks for the next message (one line, or EOF). */
  next(): HelperMessage {
    for (;;) {
      const nl = this.buffered.indexOf("\n");
      if (nl >= 0) {
        const line = this.buffered.slice(0, nl);
        this.buffered = this.buffered.slice(nl + 1);
        return parseHelperLine(line);
      }
      if (this.eof) return { kind: "eof" };
      const buf = Buffer.allocUnsafe(4096);
      let n: number;
      try {
        n = readSync(this.syncFd, buf);
      } catch (err) {
        if ((err as { code?: string }).code === "EINTR") continue;
        throw ioError("read", "bocker-init sync socket", err);
      }
      if (n === 0) this.eof = true;
      else this.buffered += buf.toString("utf8", 0, n);
    }
  }

  send(data: string | Uint8Array): void {
    const bytes = typeof data === "string" ? Buffer.from(data) : data;
    let off = 0;
    while (off < bytes.length) off += writeSync(this.syncFd, bytes, off, bytes.length - off);
  }

  /** Answer to `cgroup`: stage1 is placed (README: `ok\n`). */
  replyPlaced(): void {
    this.send("ok\n");
  }

  /** Answer to `hooks`: the state JSON for createContainer/startContainer hooks. */
  /** README: `ok <len>[ <len2>]\n<state>[<listener payload>]`; the payload only with a seccomp listener. */
  replyHooks(stateJson: string, listenerPayload?: string): void {
    const body = Buffer.from(stateJson);
    const second = listenerPayload === undefined ? undefined : Buffer.from(listenerPayload);
    const head = second ? `ok ${body.length} ${second.length}\n` : `ok ${body.length}\n`;
    this.send(Buffer.concat([Buffer.from(head), body, ...(second ? [second] : [])]));
  }

  abort(): void {
    try {
      this.send("abort\n");
    } catch {
      // the helper may already be gone; it exits either way
    }
  }
}

/** Starts bocker-init; it waits for the plan (`session.send(encodePlan(...))`) before doing anything. */
export function spawnHelper(opts: SpawnHelperOptions): HelperSession {
  const preserved = Array.from({ length: opts.preserveFds }, (_, i) => 3 + i);
  const syncIndex = 3 + opts.preserveFds;
  const proc = Bun.spawn([findHelper(), String(syncIndex), String(opts.preserveFds)], {
    stdio: [...opts.stdio, ...preserved, "pipe"] as never,
  });
  const syncFd = (proc.stdio as unknown as Array<number | null>)[syncIndex];
  if (typeof syncFd !== "number") throw new RuntimeError("IO", "could not create the sync socket for bocker-init");
  setBlocking(syncFd);
  return new HelperSession(proc, syncFd);
}
