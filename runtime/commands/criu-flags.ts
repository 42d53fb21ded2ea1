/** The flags checkpoint and restore share (runc checkpoint.go / restore.go), and their defaults. */
import { resolve } from "node:path";
import { boolFlag, stringFlag, type FlagValues } from "../lib/args.ts";
import { RuntimeError } from "../lib/errors.ts";
import { writeStdout } from "../../common/stdio.ts";
import { CGROUPS_MODES, type CgroupsMode, type CriuCommonOptions } from "../lib/criu/options.ts";

export const CRIU_FLAGS = {
  "image-path": { kind: "string" },
  "work-path": { kind: "string" },
  "tcp-established": { kind: "bool" },
  "ext-unix-sk": { kind: "bool" },
  "shell-job": { kind: "bool" },
  "file-locks": { kind: "bool" },
  "manage-cgroups-mode": { kind: "string" },
  // podman asks `<runtime> checkpoint --help` whether the runtime can checkpoint (exit status 0).
  help: { kind: "bool", alias: "h" },
} as const;

/** `checkpoint --help`: the usage line, exit 0. */
export function criuUsage(flags: FlagValues, usage: string): boolean {
  if (!boolFlag(flags, "help")) return false;
  writeStdout(`usage: bocker-runtime ${usage}\n`);
  return true;
}

/** Paths resolved against the caller's directory; the image path defaults to ./checkpoint (runc). */
export function criuCommonOptions(flags: FlagValues): CriuCommonOptions {
  const imagePath = resolve(stringFlag(flags, "image-path") || "checkpoint");
  const work = stringFlag(flags, "work-path");
  const mode = stringFlag(flags, "manage-cgroups-mode") || "soft";
  if (!(CGROUPS_MODES as readonly string[]).includes(mode)) {
    throw new RuntimeError("USAGE", `--manage-cgroups-mode: expected ${CGROUPS_MODES.join(", ")}, got ${JSON.stringify(mode)}`);
  }
  return {
    imagePath,
    workPath: work ? resolve(work) : imagePath,
    tcpEstablished: boolFlag(flags, "tcp-established"),
    extUnixSk: boolFlag(flags, "ext-unix-sk"),
    shellJob: boolFlag(flags, "shell-job"),
    fileLocks: boolFlag(flags, "file-locks"),
    manageCgroupsMode: mode as CgroupsMode,
  };
}
