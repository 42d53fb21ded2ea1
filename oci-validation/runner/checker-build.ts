/**
 * Builds the container-side checker and the console-socket receiver (static C, see
 * ../checker/Makefile) on demand, once per run; make only rebuilds what changed.
 */
import { join } from "node:path";

export const CHECKER_DIR = join(import.meta.dir, "..", "checker");
export const CHECKER_BINARY = join(CHECKER_DIR, "build", "checker");
export const RECVTTY_BINARY = join(CHECKER_DIR, "build", "recvtty");

let built = false;

export function buildChecker(): void {
  if (built) return;
  const r = Bun.spawnSync(["make", "-s", "-C", CHECKER_DIR], { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) {
    throw new Error(`building ${CHECKER_DIR} failed (make exit ${r.exitCode}): ${r.stderr.toString()}${r.stdout.toString()}`);
  }
  built = true;
}
