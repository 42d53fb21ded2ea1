/**
 * bocker-imagetool: pull, store, unpack and push OCI images. A table of commands, each in
 * imagetool/commands/<name>.ts exporting `run(args, globals)`; only the chosen one is imported.
 * Global flags (--root, --quiet, --debug) may appear before or after the command name.
 */
import pkg from "../package.json" with { type: "json" };
import { enableTrace, trace } from "./lib/trace.ts";
import { writeStdout, writeStderr } from "../common/stdio.ts";
import type { CommandRun, Globals } from "./commands/globals.ts";
import { UsageError } from "./lib/errors.ts";
import { rootlessStoreRoot } from "./lib/sys/rootless.ts";

const COMMANDS: Record<string, { load: () => Promise<{ run: CommandRun }>; summary: string }> = {
  pull: { load: () => import("./commands/pull.ts"), summary: "pull an image from a registry into the store" },
  images: { load: () => import("./commands/images.ts"), summary: "list stored images" },
  inspect: { load: () => import("./commands/inspect.ts"), summary: "print an image's manifest and config as JSON (docker://REF: on a registry)" },
  "list-tags": { load: () => import("./commands/list-tags.ts"), summary: "list a repository's tags on its registry" },
  tag: { load: () => import("./commands/tag.ts"), summary: "give an image another name" },
  rmi: { load: () => import("./commands/rmi.ts"), summary: "remove image names (blobs go at the next gc)" },
  login: { load: () => import("./commands/login.ts"), summary: "check credentials with a registry and record them" },
  logout: { load: () => import("./commands/logout.ts"), summary: "remove a registry's recorded credentials" },
  gc: { load: () => import("./commands/gc.ts"), summary: "remove blobs and snapshots no image references" },
  push: { load: () => import("./commands/push.ts"), summary: "push an image to a registry" },
  save: { load: () => import("./commands/save.ts"), summary: "write images to an OCI archive (tar)" },
  load: { load: () => import("./commands/load.ts"), summary: "read images from an OCI archive (tar)" },
  unpack: { load: () => import("./commands/unpack.ts"), summary: "unpack an image's layers into a snapshot" },
  bundle: { load: () => import("./commands/bundle.ts"), summary: "make an OCI runtime bundle from an image" },
  init: { load: () => import("./commands/init.ts"), summary: "make an image from a directory" },
  commit: { load: () => import("./commands/commit.ts"), summary: "save a container's changes as a new image" },
};

const DEFAULT_ROOT = "/var/lib/bocker";
/** Commands that write or remove snapshot trees: rootless, they run in the user's namespace (userns-reexec.ts). */
const TREE_WRITERS = new Set(["pull", "unpack", "bundle", "rmi", "gc", "commit", "load"]);

function usage(): string {
  const lines = ["usage: bocker-imagetool [--root DIR] [--quiet] [--debug] COMMAND [args]", "", "commands:"];
  for (const [name, c] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(9)} ${c.summary}`);
  lines.push("", `global flags: --root DIR (default ${DEFAULT_ROOT}; rootless: $XDG_DATA_HOME/bocker)  --quiet, -q  --debug  --version  --help`);
  lines.push("run 'bocker-imagetool COMMAND --help' for a command's flags");
  return lines.join("\n") + "\n";
}

/** Takes the global flags out of argv wherever they are (up to `--`); the rest is returned in order. */
function splitGlobals(argv: string[]): { globals: Globals; rest: string[]; version: boolean } {
  const globals: Globals = { root: process.env.BOCKER_ROOT || (process.geteuid!() === 0 ? DEFAULT_ROOT : rootlessStoreRoot()), quiet: false, debug: false };
  const rest: string[] = [];
  let version = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      rest.push(...argv.slice(i));
      break;
    }
    if (a === "--root") {
      const v = argv[++i];
      if (v === undefined || v === "") throw new UsageError("--root needs a directory");
      globals.root = v;
    } else if (a.startsWith("--root=")) globals.root = a.slice(7);
    else if (a === "--quiet" || a === "-q") globals.quiet = true;
    else if (a === "--debug") globals.debug = true;
    else if (a === "--version" && rest.length === 0) version = true;
    else rest.push(a);
  }
  return { globals, rest, version };
}

async function main(argv: string[]): Promise<number> {
  let debug = false;
  try {
    const { globals, rest, version } = splitGlobals(argv);
    debug = globals.debug;
    if (debug) enableTrace();
    if (version) {
      writeStdout(`bocker-imagetool version ${pkg.version}\n`);
      return 0;
    }
    const [name, ...args] = rest;
    if (!name || name === "help" || name === "--help" || name === "-h") {
      writeStdout(usage());
      return name ? 0 : 1;
    }
    const command = COMMANDS[name];
    if (!command) {
      writeStderr(`bocker-imagetool: unknown command '${name}'\n${usage()}`);
      return 1;
    }
    if (TREE_WRITERS.has(name) && !args.includes("--help")) {
      const userns = await import("./lib/sys/userns-reexec.ts");
      if (userns.wantsUserNamespace()) return await userns.runInUserNamespace(argv, globals.root);
    }
    const mod = await command.load();
    trace(`${name}: command loaded`);
    return await mod.run(args, globals);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    writeStderr(`bocker-imagetool: ${msg}\n`);
    if (debug && err instanceof Error) {
      writeStderr(`${err.stack}\n`);
      if (err.cause) writeStderr(`caused by: ${String((err.cause as Error).stack ?? err.cause)}\n`);
    }
    return 1;
  }
}

// No top-level await: bun build --bytecode emits CommonJS, where a module with exports cannot use it.
void main(process.argv.slice(2)).then((code) => process.exit(code));
