/**
 * Drives the runtime under test through the OCI command line (runtime.md "Operations"; the flags
 * are runc's, which every runc-compatible runtime accepts): `--root DIR` private to the run,
 * create/start/state/kill/delete. Every invocation is recorded for the failure diagnostics.
 */
import { closeSync, openSync, readFileSync } from "node:fs";

export interface CommandResult {
  argv: string[];
  exitCode: number;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface SpawnOptions {
  /** File descriptors the command (and so a container's process, for create) gets as stdout/stderr. */
  stdoutFd?: number;
  stderrFd?: number;
  /** Run the command with this oom_score_adj (to observe what the runtime does with the inherited value). */
  oomScoreAdj?: number;
  /** Run the command with this umask (octal string), to observe what the runtime does with it. */
  umask?: string;
  timeoutMs?: number;
}

export interface ContainerState {
  ociVersion: string;
  id: string;
  status: string;
  pid?: number;
  bundle: string;
  annotations?: Record<string, string>;
}

export class RuntimeCli {
  readonly history: CommandResult[] = [];

  constructor(
    readonly binary: string,
    readonly root: string,
  ) {}

  async run(args: string[], opts: SpawnOptions = {}): Promise<CommandResult> {
    let argv = [this.binary, "--root", this.root, ...args];
    const prefix = [
      ...(opts.oomScoreAdj !== undefined ? [`echo ${opts.oomScoreAdj} > /proc/self/oom_score_adj`] : []),
      ...(opts.umask !== undefined ? [`umask ${opts.umask}`] : []),
    ];
    if (prefix.length > 0) argv = ["/bin/sh", "-c", `${prefix.join(" && ")} && exec "$@"`, "sh", ...argv];
    const started = performance.now();
    const proc = Bun.spawn(argv, {
      stdin: "ignore",
      stdout: opts.stdoutFd ?? "pipe",
      stderr: opts.stderrFd ?? "pipe",
    });
    const timeoutMs = opts.timeoutMs ?? 30_000;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      proc.kill("SIGKILL");
    }, timeoutMs);
    const [stdout, stderr, exitCode] = await Promise.all([
      opts.stdoutFd === undefined ? new Response(proc.stdout as ReadableStream).text() : Promise.resolve(""),
      opts.stderrFd === undefined ? new Response(proc.stderr as ReadableStream).text() : Promise.resolve(""),
      proc.exited,
    ]);
    clearTimeout(timer);
    const result: CommandResult = {
      argv: args,
      exitCode,
      stdout,
      stderr: timedOut ? `${stderr}\n(killed after ${timeoutMs} ms)` : stderr,
      ms: Math.round(performance.now() - started),
    };
    this.history.push(result);
    return result;
  }

  /** create with the container's stdio going to files (the process inherits create's stdio). */
  async create(id: string, bundle: string, files: { stdout: string; stderr: string }, extra: string[] = [], opts: SpawnOptions = {}): Promise<CommandResult> {
    const out = openSync(files.stdout, "a");
    const err = openSync(files.stderr, "a");
    try {
      const result = await this.run(["create", "--bundle", bundle, ...extra, id], { ...opts, stdoutFd: out, stderrFd: err });
      // The runtime's own error messages went to the same file as the container's stderr.
      result.stderr = readFileSync(files.stderr, "utf8");
      return result;
    } finally {
      closeSync(out);
      closeSync(err);
    }
  }

  start(id: string): Promise<CommandResult> {
    return this.run(["start", id]);
  }

  kill(id: string, signal: string): Promise<CommandResult> {
    return this.run(["kill", id, signal]);
  }

  delete(id: string, force = false): Promise<CommandResult> {
    return this.run(["delete", ...(force ? ["--force"] : []), id]);
  }

  /** The parsed state, or undefined when `state` fails (unknown container). */
  async state(id: string): Promise<ContainerState | undefined> {
    const r = await this.run(["state", id]);
    if (r.exitCode !== 0) return undefined;
    return JSON.parse(r.stdout) as ContainerState;
  }
}
