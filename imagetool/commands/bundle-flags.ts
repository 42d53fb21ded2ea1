/** The container overrides shared by `bundle` and `unpack` (-e, -w, -u, -v, --memory, …). */
import type { BundleOverrides } from "../lib/bundle/convert.ts";
import type { FlagValue } from "../../common/flags.ts";
import type { FlagSpec } from "./flags.ts";
import { UsageError } from "../lib/errors.ts";

export const OVERRIDE_FLAGS: FlagSpec = {
  env: { alias: "e", kind: "list", describe: "KEY=VALUE added to the image's Env" },
  workdir: { alias: "w", kind: "string", describe: "working directory (default: the image's WorkingDir)" },
  user: { alias: "u", kind: "string", describe: "user[:group] or uid[:gid] (default: the image's User)" },
  hostname: { kind: "string", describe: "container hostname" },
  volume: { alias: "v", kind: "list", describe: "bind mount SRC:DST[:ro]" },
  memory: { alias: "m", kind: "string", describe: "memory limit, e.g. 512m, 2g" },
  cpus: { kind: "number", describe: "CPU limit, e.g. 1.5" },
  netns: { kind: "string", describe: "join this network namespace path instead of a new one" },
  entrypoint: { kind: "string", describe: "replace the image's Entrypoint ('' clears it)" },
  tty: { alias: "t", kind: "boolean", describe: "process.terminal = true" },
};

/** Flags before `--`, the container command after it (kept verbatim, never parsed as flags). */
export function splitCommand(args: string[]): { args: string[]; command: string[] } {
  const i = args.indexOf("--");
  return i === -1 ? { args, command: [] } : { args: args.slice(0, i), command: args.slice(i + 1) };
}

export function parseSize(s: string): number {
  const m = /^([0-9]+)([bkmg]?)$/i.exec(s.trim());
  if (!m) throw new UsageError(`invalid size ${JSON.stringify(s)}: expected a number with an optional b, k, m or g suffix`);
  const unit = { "": 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as "" | "b" | "k" | "m" | "g"];
  return Number(m[1]) * unit;
}

export function overridesFrom(flags: Record<string, FlagValue | undefined>, command: string[]): BundleOverrides {
  const argv = flags as {
    env?: string[]; workdir?: string; user?: string; hostname?: string; volume?: string[]; memory?: string;
    cpus?: number; netns?: string; entrypoint?: string; tty?: boolean;
  };
  const o: BundleOverrides = {};
  if (command.length > 0) o.args = command;
  if (argv.env) o.env = argv.env;
  if (argv.workdir !== undefined) o.cwd = argv.workdir;
  if (argv.user !== undefined) o.user = argv.user;
  if (argv.hostname !== undefined) o.hostname = argv.hostname;
  if (argv.volume) o.volumes = argv.volume;
  if (argv.memory !== undefined) o.memory = parseSize(argv.memory);
  if (argv.cpus !== undefined) o.cpus = argv.cpus;
  if (argv.netns !== undefined) o.netns = argv.netns;
  if (argv.entrypoint !== undefined) o.entrypoint = argv.entrypoint === "" ? [] : [argv.entrypoint];
  if (argv.tty !== undefined) o.terminal = argv.tty;
  return o;
}
