/**
 * bocker's commands: each parses its arguments, calls the library and prints what the original
 * printed ("Created: img_N", "Removed: ps_N", tab-separated listings). A command returns the exit
 * status; errors are thrown as BockerError and printed by bocker.ts.
 */
import { parseLogsArgs, parseRunArgs } from "./args.ts";
import { execIn, listContainers, removeContainer, showLogs } from "./containers.ts";
import type { Context } from "./context.ts";
import { BockerError, noContainer } from "./errors.ts";
import { commitContainer, initImage, listImages, pullImage, removeImage } from "./images.ts";
import { writeStdout } from "../common/stdio.ts";
import { killContainer, startContainer, stopContainer, waitContainer } from "./lifecycle.ts";
import { parseFlags } from "../common/flags.ts";
import { runContainer } from "./run.ts";

type Command = (ctx: Context, args: string[]) => Promise<number>;

const say = (line: string) => writeStdout(`${line}\n`);

function expectArgs(args: string[], count: number, usage: string): void {
  if (args.length !== count) throw new BockerError(`usage: bocker ${usage}`);
}

/** The original's #HELP lines, in its order, then what this bocker adds. */
export const HELP: ReadonlyArray<[string, string]> = [
  ["Create an image from a directory:", "init <directory>"],
  ["Pull an image from Docker Hub (or BOCKER_REGISTRY):", "pull <name> <tag>"],
  ["Delete an image or container:", "rm <image_id or container_id>"],
  ["List images:", "images"],
  ["List containers:", "ps"],
  ["Create a container (-d: in the background):", "run [-d] [--name <name>] [-v <src>:<dst>[:ro]] [-p <host_port>:<port>[/udp]] <image_id> <command>"],
  ["Execute a command in a running container:", "exec <container_id> <command>"],
  ["View logs from a container (-f: follow):", "logs [-f] <container_id>"],
  ["Commit a container to an image:", "commit <container_id> <image_id>"],
  ["Stop a running container:", "stop <container_id>"],
  ["Display this message:", "help"],
  ["Run with Docker's run-time options (-it: a terminal; --rm: removed when it exits, -d too):", "run [--rm] [-it] [-e <key>=<value>]... [--env-file <file>]... [-w <dir>] [-u <user>[:<group>]] [--memory <size>] [--cpus <n>] [--pids-limit <n>] [--read-only] <image_id> <command>"],
  ["Restart a container with -d (no, on-failure[:max-retries], always):", "run -d --restart <policy> <image_id> <command>"],
  ["Rotate a container's log (json-file: max-size=10m,max-file=3):", "run --log-opt max-size=<size>[,max-file=<n>] <image_id> <command>"],
  ["View logs with times, the last N lines, or those since a time:", "logs [-t] [--tail <n>] [--since <10m|date>] <container_id>"],
  ["Start a stopped container again, with its filesystem as it left it:", "start <container_id>"],
  ["Stop, with SIGKILL after the given seconds (default 10):", "stop [-t <seconds>] <container_id>"],
  ["Send a signal to a running container (default SIGKILL):", "kill [-s <signal>] <container_id>"],
  ["Wait for a container to stop, then print its exit code:", "wait <container_id>"],
  ["Show containers' CPU, memory, network and block I/O, pids:", "stats [--no-stream] [<container_id>...]"],
  ["Show a container or an image as JSON:", "inspect <container_id or image_id>"],
  ["Internal: keep a detached container (started by run -d and start):", "monitor <container_id>"],
];

/** A verb's own flags (common/flags.ts); a mistake prints its usage. */
function verbFlags(args: string[], spec: Parameters<typeof parseFlags>[1], usage: string, count: [number, number]) {
  const fail = (): never => {
    throw new BockerError(`usage: bocker ${usage}`);
  };
  const parsed = parseFlags(args, spec, { fail });
  if (parsed.positionals.length < count[0] || parsed.positionals.length > count[1]) fail();
  return parsed;
}

export function helpText(): string {
  return HELP.map(([what, usage]) => `${what}\n\tbocker ${usage}\n\n`).join("");
}

export const COMMANDS: Record<string, Command> = {
  async init(ctx, args) {
    expectArgs(args, 1, "init <directory>");
    say(`Created: ${await initImage(ctx, args[0]!)}`);
    return 0;
  },
  async pull(ctx, args) {
    expectArgs(args, 2, "pull <name> <tag>");
    say(`Created: ${await pullImage(ctx, args[0]!, args[1]!)}`);
    return 0;
  },
  async images(ctx) {
    say("IMAGE_ID\t\tSOURCE");
    for (const { id, source } of listImages(ctx)) say(`${id}\t\t${source}`);
    return 0;
  },
  async ps(ctx) {
    say("CONTAINER_ID\t\tCOMMAND");
    for (const { id, command } of listContainers(ctx)) say(`${id}\t\t${command}`);
    return 0;
  },
  async run(ctx, args) {
    const result = await runContainer(ctx, parseRunArgs(args));
    if (result.exitCode === undefined) say(result.id);
    return result.exitCode ?? 0;
  },
  async exec(ctx, args) {
    if (args.length < 2) throw new BockerError("usage: bocker exec <container_id> <command>");
    return execIn(ctx, args[0]!, args.slice(1));
  },
  async logs(ctx, args) {
    const { id, follow, query } = parseLogsArgs(args);
    await showLogs(ctx, id, query, follow);
    return 0;
  },
  async commit(ctx, args) {
    expectArgs(args, 2, "commit <container_id> <image_id>");
    commitContainer(ctx, args[0]!, args[1]!);
    say(`Removed: ${args[1]}`);
    say(`Created: ${args[1]}`);
    return 0;
  },
  async stop(ctx, args) {
    const { flags, positionals } = verbFlags(args, { time: { kind: "string", alias: "t" } }, "stop [-t <seconds>] <container_id>", [1, 1]);
    const t = flags.time as string | undefined;
    if (t !== undefined && !/^\d+$/.test(t)) throw new BockerError(`stop -t ${t}: expected a whole number of seconds`);
    say(await stopContainer(ctx, positionals[0]!, t === undefined ? undefined : Number(t) * 1000));
    return 0;
  },
  async rm(ctx, args) {
    expectArgs(args, 1, "rm <image_id or container_id>");
    const target = args[0]!;
    if (ctx.store.imageExists(target)) {
      removeImage(ctx, target);
    } else {
      let id: string;
      try {
        id = ctx.store.resolveContainer(target);
      } catch {
        throw noContainer(target); // the original's word for any unknown id given to rm
      }
      await removeContainer(ctx, id);
    }
    say(`Removed: ${target}`);
    return 0;
  },
  async start(ctx, args) {
    expectArgs(args, 1, "start <container_id>");
    say(await startContainer(ctx, args[0]!));
    return 0;
  },
  async kill(ctx, args) {
    const { flags, positionals } = verbFlags(args, { signal: { kind: "string", alias: "s" } }, "kill [-s <signal>] <container_id>", [1, 1]);
    say(killContainer(ctx, positionals[0]!, (flags.signal as string | undefined) ?? "SIGKILL"));
    return 0;
  },
  async wait(ctx, args) {
    expectArgs(args, 1, "wait <container_id>");
    say(String(await waitContainer(ctx, args[0]!)));
    return 0;
  },
  async stats(ctx, args) {
    const { flags, positionals } = verbFlags(args, { "no-stream": { kind: "boolean" } }, "stats [--no-stream] [<container_id>...]", [0, Infinity]);
    const { showStats } = await import("./stats.ts");
    await showStats(ctx, positionals, flags["no-stream"] !== true);
    return 0;
  },
  async inspect(ctx, args) {
    expectArgs(args, 1, "inspect <container_id or image_id>");
    const { inspect } = await import("./inspect.ts");
    writeStdout(`${JSON.stringify([inspect(ctx, args[0]!)], null, 2)}\n`);
    return 0;
  },
  async monitor(ctx, args) {
    expectArgs(args, 1, "monitor <container_id>");
    const { monitorContainer } = await import("./monitor.ts");
    return monitorContainer(ctx, ctx.store.resolveContainer(args[0]!));
  },
  async help() {
    writeStdout(helpText());
    return 0;
  },
};
