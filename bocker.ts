/**
 * bocker: the original bocker's commands (pull, init, images, run, ps, logs, exec, commit, rm,
 * help) and a few of Docker's (run -d/--name/-v/-p/--restart/--log-opt, start, stop, kill, wait,
 * logs -f/-t/--tail/--since, stats, inspect), over bocker-imagetool and bocker-runtime. Settings come from the environment: BOCKER_ROOT (/var/bocker),
 * BOCKER_REGISTRY (Docker Hub), BOCKER_CPU_SHARE (512), BOCKER_MEM_LIMIT (512, MB),
 * BOCKER_BRIDGE (bridge0), BOCKER_SUBNET (10.0.0.0/24), BOCKER_CGROUP_PARENT ("").
 */
import { COMMANDS, helpText } from "./bocker/commands.ts";
import { makeContext } from "./bocker/context.ts";
import { BockerError } from "./bocker/errors.ts";
import { writeStderr, writeStdout } from "./common/stdio.ts";

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    writeStdout(helpText());
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    writeStderr(`bocker: unknown command '${name}'\n\n${helpText()}`);
    return 1;
  }
  try {
    return await command(makeContext(), args);
  } catch (err) {
    if (!(err instanceof BockerError) || process.env.BOCKER_DEBUG) writeStderr(`${(err as Error).stack ?? err}\n`);
    // The original printed its errors on stdout; stderr is where a message that is not output belongs.
    writeStderr(`${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

// No top-level await: bun build --bytecode emits CommonJS.
void main(process.argv.slice(2)).then((code) => process.exit(code));
