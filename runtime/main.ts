/**
 * bocker-runtime: runc's command line. Parses the global flags by hand and imports only the
 * module of the chosen command, so `state` or `kill` never load the plan compiler.
 */
import { parseArgs, boolFlag, stringFlag } from "./lib/args.ts";
import { RuntimeError, exitStatusOf } from "./lib/errors.ts";
import { Logger, type LogFormat } from "./lib/log.ts";
import { writeStderr, writeStdout } from "../common/stdio.ts";
import type { CommandMain } from "./lib/context.ts";
import pkg from "../package.json" with { type: "json" };

const COMMANDS: Record<string, { load: () => Promise<{ default: CommandMain }>; summary: string }> = {
  create: { load: () => import("./commands/create.ts"), summary: "create a container" },
  start: { load: () => import("./commands/start.ts"), summary: "execute the user process in a created container" },
  state: { load: () => import("./commands/state.ts"), summary: "output the state of a container" },
  kill: { load: () => import("./commands/kill.ts"), summary: "send a signal to the container's init process" },
  delete: { load: () => import("./commands/delete.ts"), summary: "delete a container and everything it holds" },
  run: { load: () => import("./commands/run.ts"), summary: "create and start a container" },
  exec: { load: () => import("./commands/exec.ts"), summary: "run a new process inside a container" },
  list: { load: () => import("./commands/list.ts"), summary: "list containers" },
  ps: { load: () => import("./commands/ps.ts"), summary: "list the processes of a container" },
  spec: { load: () => import("./commands/spec.ts"), summary: "write a default config.json" },
  features: { load: () => import("./commands/features.ts"), summary: "print the features this runtime supports" },
  explain: { load: () => import("./commands/explain.ts"), summary: "print the plan create would execute, touching nothing" },
  pause: { load: () => import("./commands/pause.ts"), summary: "freeze every process of a container" },
  resume: { load: () => import("./commands/resume.ts"), summary: "thaw a paused container" },
  update: { load: () => import("./commands/update.ts"), summary: "update a container's resource limits" },
  events: { load: () => import("./commands/events.ts"), summary: "print container resource statistics" },
  checkpoint: { load: () => import("./commands/checkpoint.ts"), summary: "checkpoint a running container with criu" },
  restore: { load: () => import("./commands/restore.ts"), summary: "restore a container from a checkpoint with criu" },
};

const GLOBAL_FLAGS = {
  root: { kind: "string" },
  log: { kind: "string" },
  "log-format": { kind: "string" },
  debug: { kind: "bool" },
  version: { kind: "bool", alias: "v" },
  help: { kind: "bool", alias: "h" },
  "systemd-cgroup": { kind: "bool" },
  rootless: { kind: "string" },
  criu: { kind: "string" },
} as const;

function usage(): string {
  const lines = ["usage: bocker-runtime [global flags] COMMAND [flags] [args]", "", "commands:"];
  for (const [name, c] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(10)} ${c.summary}`);
  lines.push("", "global flags: --root DIR  --log FILE  --log-format text|json  --debug  --systemd-cgroup  --criu PATH  --version");
  return lines.join("\n") + "\n";
}

async function main(argv: string[]): Promise<number> {
  let log = new Logger({ format: "text", debug: false });
  try {
    const { flags, positionals } = parseArgs(argv, GLOBAL_FLAGS, { stopAtFirstPositional: true });
    const format = stringFlag(flags, "log-format") ?? "text";
    if (format !== "text" && format !== "json") throw new RuntimeError("USAGE", `--log-format: expected text or json, got ${format}`);
    log = new Logger({ file: stringFlag(flags, "log"), format: format as LogFormat, debug: boolFlag(flags, "debug") });
    if (boolFlag(flags, "version")) {
      writeStdout(`bocker-runtime version ${pkg.version}\nspec: 1.3.0\n`);
      return 0;
    }
    const [name, ...rest] = positionals;
    if (!name || boolFlag(flags, "help") || name === "help") {
      writeStdout(usage());
      return name || boolFlag(flags, "help") ? 0 : 1;
    }
    const command = COMMANDS[name];
    if (!command) throw new RuntimeError("USAGE", `unknown command ${JSON.stringify(name)}\n${usage()}`);
    let root = stringFlag(flags, "root");
    if (root === undefined) {
      const { defaultStateRoot, ensureXdgStateRoot } = await import("./lib/state.ts");
      const fallback = defaultStateRoot(process.geteuid!(), process.env);
      if (fallback.xdg) ensureXdgStateRoot(fallback.root);
      root = fallback.root;
    }
    const mod = await command.load();
    return await mod.default(rest, { root, log, systemdCgroup: boolFlag(flags, "systemd-cgroup"), criu: stringFlag(flags, "criu") });
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    log.error(msg);
    writeStderr(`bocker-runtime: ${msg}\n`);
    if (process.env.BOCKER_DEBUG_STACK && err instanceof Error) writeStderr(`${err.stack}\n`);
    return exitStatusOf(err);
  }
}

void main(process.argv.slice(2)).then((code) => process.exit(code));
