/**
 * `bocker run`: the original's sequence (network namespace and veth, a snapshot of the image,
 * resolv.conf, the cgroup limits, then the command with its output shown and logged) with each
 * step handed to the tool that owns it: the network to bocker/network, the snapshot and
 * config.json to `bocker-imagetool bundle`, the container to `bocker-runtime run`.
 * A failure before the container exists removes everything made so far.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { Spec } from "../schemas/generated/types/runtime-config.ts";
import type { Context } from "./context.ts";
import { BockerError } from "./errors.ts";
import { removeContainer } from "./containers.ts";
import { containerEnv } from "./env.ts";
import { writeStdout } from "../common/stdio.ts";
import { launchMonitor } from "./lifecycle.ts";
import type { LogOptions } from "./logfile.ts";
import { superviseForeground, superviseTerminal } from "./monitor.ts";
import { connect, disconnect } from "./network/index.ts";
import type { PortMapping } from "./network/ports.ts";
import { gatewayOf } from "./network/ipam.ts";
import { containerHosts, containerResolvConf } from "./network/resolv.ts";
import type { RestartPolicy } from "./restart.ts";
import { customizeSpec } from "./spec.ts";
import { namesOf, type ContainerRecord } from "./store.ts";
import { resolveVolume } from "./volumes.ts";

export interface RunRequest {
  readonly image: string;
  readonly command: readonly string[];
  readonly detach: boolean;
  readonly name?: string;
  readonly volumes: readonly string[];
  readonly ports: readonly PortMapping[];
  /** -e, each KEY=VAL or KEY (bocker's own value). */
  readonly env: readonly string[];
  readonly envFiles: readonly string[];
  readonly workdir?: string;
  /** USER[:GROUP], names resolved in the image's /etc/passwd and /etc/group by the image tool. */
  readonly user?: string;
  /** --memory; BOCKER_MEM_LIMIT otherwise. */
  readonly memoryBytes?: number;
  /** --cpus: a CFS quota over a 100 ms period (the image tool writes it), next to BOCKER_CPU_SHARE. */
  readonly cpus?: number;
  readonly pidsLimit?: number;
  readonly readOnly: boolean;
  /** --rm: the container is removed once it ends for good (by its monitor when detached). */
  readonly remove: boolean;
  /** -t: the container gets a pseudo-terminal, relayed by the runtime to ours. */
  readonly tty: boolean;
  readonly restart?: RestartPolicy;
  readonly logOptions?: LogOptions;
}

export interface RunResult {
  readonly id: string;
  /** The container's exit status (foreground runs only). */
  readonly exitCode?: number;
}

export async function runContainer(ctx: Context, req: RunRequest): Promise<RunResult> {
  const { store } = ctx;
  store.requireImage(req.image);
  const env = containerEnv(req.envFiles, req.env); // a bad file fails before anything is made
  const volumes = req.volumes.map((v) => resolveVolume(v, store.volumesDir));
  const id = await store.allocate("ps", (dir) => {
    if (req.name !== undefined && store.list("ps").some((other) => store.nameOf(other) === req.name)) {
      throw new BockerError(`The container name '${req.name}' is already in use`);
    }
    const record: ContainerRecord = {
      id: basename(dir),
      image: req.image,
      command: req.command,
      ...(req.name !== undefined ? { name: req.name } : {}),
      ports: req.ports,
      volumes,
      created: new Date().toISOString(),
      ...(req.restart ? { restart: req.restart } : {}),
      ...(req.logOptions ? { logOptions: req.logOptions } : {}),
      ...(req.remove && req.detach ? { remove: true } : {}),
    };
    store.writeContainer(dir, record);
  });
  try {
    await prepare(ctx, id, req, volumes, env);
  } catch (err) {
    await removeContainer(ctx, id).catch(() => {}); // the original error is the one to report
    throw err;
  }
  if (req.detach) return startDetached(ctx, id);
  const result = req.tty ? await runOnTerminal(ctx, id) : await runForeground(ctx, id);
  if (req.remove) await removeContainer(ctx, id);
  return result;
}

/** Network, /etc files and the bundle: everything the runtime needs, nothing started yet. */
async function prepare(ctx: Context, id: string, req: RunRequest, volumes: readonly string[], env: readonly string[]): Promise<void> {
  const { store, settings } = ctx;
  const attachment = await connect(ctx.net, id, req.ports, namesOf(req));
  const etcDir = join(store.containerDir(id), "etc");
  mkdirSync(etcDir);
  const etcFiles = {
    hostname: `${id}\n`,
    hosts: containerHosts(id, attachment.ip, namesOf(req)),
    "resolv.conf": containerResolvConf(gatewayOf(settings.subnet), readHostFile("/etc/resolv.conf")),
  };
  for (const [name, text] of Object.entries(etcFiles)) writeFileSync(join(etcDir, name), text);

  const bundle = store.bundleDir(id);
  ctx.tools.imagetool(
    "--quiet", "bundle", req.image, bundle,
    "--hostname", id,
    "--netns", attachment.netnsPath,
    ...volumes.flatMap((v) => ["-v", v]),
    ...env.flatMap((e) => ["-e", e]),
    ...(req.workdir !== undefined ? ["-w", req.workdir] : []),
    ...(req.user !== undefined ? ["-u", req.user] : []),
    ...(req.cpus !== undefined ? ["--cpus", String(req.cpus)] : []),
    ...(req.tty ? ["--tty"] : []),
    ...(req.command.length > 0 ? ["--", ...processArgs(req.command)] : []),
  );
  const configPath = join(bundle, "config.json");
  const spec = customizeSpec(JSON.parse(readFileSync(configPath, "utf8")) as Spec, {
    id,
    cgroupParent: settings.cgroupParent,
    cpuShares: settings.cpuShares,
    memoryBytes: req.memoryBytes ?? settings.memLimitMb * 1_000_000,
    ...(req.pidsLimit !== undefined ? { pidsLimit: req.pidsLimit } : {}),
    readOnly: req.readOnly,
    etcFiles: Object.fromEntries(Object.keys(etcFiles).map((name) => [name, join(etcDir, name)])),
  });
  writeFileSync(configPath, JSON.stringify(spec, null, 2));
}

/**
 * The original ran every command as `/bin/sh -c "<words joined>"`, and its users (and its own
 * tests) write `bocker run img 'sleep 5 && ps aux'`. One argument holding a space is therefore a
 * shell command line; several arguments are executed as given, as `docker run` does, so an image
 * needs no shell and arguments keep their spaces.
 */
export function processArgs(command: readonly string[]): string[] {
  return command.length === 1 && /\s/.test(command[0]!) ? ["/bin/sh", "-c", command[0]!] : [...command];
}

function readHostFile(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

/** Its monitor runs it (monitor.ts); we return once it runs, or say why it could not start. */
async function startDetached(ctx: Context, id: string): Promise<RunResult> {
  const state = await launchMonitor(ctx, id);
  if (state.error !== undefined) {
    await removeContainer(ctx, id).catch(() => {});
    throw new BockerError(`cannot start ${id}: ${state.error}`);
  }
  return { id };
}

/**
 * Runs the container attached and waits for it; its exit status becomes ours and is recorded
 * (run-state.ts) for `wait` and `inspect`. `--keep` leaves it stopped, not deleted, so its cgroup
 * (and its limits) stay readable until `bocker rm`, as in the original's transcript. Ctrl-C
 * reaches the runtime (it forwards it to the container) through the terminal's process group, and
 * we stay until it ends; a SIGTERM sent to us alone is passed on.
 */
async function runAttached(ctx: Context, id: string, launch: (argv: string[]) => { proc: Bun.Subprocess; exitCode: Promise<number> }): Promise<RunResult> {
  const { proc, exitCode } = launch(ctx.tools.runtimeArgv("run", "--keep", "--bundle", ctx.store.bundleDir(id), id));
  const ignore = () => {};
  const forward = () => proc.kill("SIGTERM");
  process.on("SIGINT", ignore);
  process.on("SIGTERM", forward);
  try {
    return { id, exitCode: await exitCode };
  } finally {
    process.off("SIGINT", ignore);
    process.off("SIGTERM", forward);
    // Stopped: the namespace, veth and names go now; the address stays leased until rm.
    await disconnect(ctx.net, id);
  }
}

/** Without -t: the container's output goes to our stdout and its log while it runs (monitor.ts). */
function runForeground(ctx: Context, id: string): Promise<RunResult> {
  return runAttached(ctx, id, (argv) => {
    const proc = Bun.spawn(argv, { stdin: "inherit", stdout: "pipe", stderr: "pipe" });
    return { proc, exitCode: superviseForeground(ctx, id, proc, writeStdout) };
  });
}

/**
 * `-t`: the runtime's foreground run relays the container's pty to our terminal itself (as runc
 * does without --console-socket: raw mode, input, and SIGWINCH → TIOCSWINSZ on the pty master;
 * the signal reaches it through the terminal's process group), so it gets our stdio. The output
 * is the terminal's, not logged: a pty mixes the input's echo into it; its exit status is.
 */
function runOnTerminal(ctx: Context, id: string): Promise<RunResult> {
  return runAttached(ctx, id, (argv) => {
    const proc = Bun.spawn(argv, { stdio: ["inherit", "inherit", "inherit"] });
    return { proc, exitCode: superviseTerminal(ctx, id, proc) };
  });
}
