/** start (runtime-spec runtime.md "start"): release the init from the exec FIFO, then poststart hooks. */
import { join } from "node:path";
import { RuntimeError } from "../errors.ts";
import { releaseExecFifo } from "../exec-fifo.ts";
import { runHooksWarn } from "../hooks.ts";
import type { Logger } from "../log.ts";
import { EXEC_FIFO, initAlive, lockContainer, readRecord, status, type ContainerLock } from "../state.ts";
import { hookStateJson } from "./hook-state.ts";

export function startContainer(root: string, id: string, log: Logger, held?: ContainerLock): void {
  const lock = held ?? lockContainer(root, id);
  try {
    const rec = readRecord(lock.dir);
    const st = status(lock.dir, rec);
    if (st !== "created") throw new RuntimeError("BAD_STATUS", `cannot start container ${id}: it is ${st}, not created`);
    releaseExecFifo(join(lock.dir, EXEC_FIFO), () => initAlive(rec));
    // runtime-spec: poststart hooks run after the user process started; a failure is a warning.
    runHooksWarn("poststart", rec.config.hooks?.poststart, hookStateJson(rec, "running"), (m) => log.warn(m));
  } finally {
    lock.release();
  }
}
