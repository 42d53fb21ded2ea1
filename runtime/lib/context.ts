/** What every command receives from main.ts: the global flags, resolved. */
import type { Logger } from "./log.ts";

export interface CommandContext {
  /** State root (--root), default /run/bocker-runtime. */
  root: string;
  log: Logger;
  /** --systemd-cgroup: cgroupsPath is "slice:prefix:name". */
  systemdCgroup: boolean;
  /** --criu: the criu binary checkpoint and restore run (default "criu" from PATH). */
  criu?: string;
}

/** A command module's default export: parses its own flags, returns the exit code. */
export type CommandMain = (argv: string[], ctx: CommandContext) => Promise<number>;
