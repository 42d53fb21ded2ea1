/**
 * What a test gets: a private temp dir, a private runtime `--root`, bundles built in it (busybox
 * rootfs plus the checker at /checker), containers whose lifecycle it drives, and a cleanup stack
 * that runs whatever happens (delete --force every container, remove every dir and netns).
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Cleanup } from "../../common/cleanup.ts";
import { makeBusyboxRootfs } from "../../common/busybox-rootfs.ts";
import { AssertionFailure } from "./assert.ts";
import { CHECKER_BINARY, RECVTTY_BINARY } from "./checker-build.ts";
import { baseConfig, type Config } from "./config.ts";
import type { Report } from "./report.ts";
import { RuntimeCli, type CommandResult, type ContainerState } from "./runtime-cli.ts";

export class Bundle {
  constructor(
    readonly dir: string,
    public config: Config,
  ) {}

  get rootfs(): string {
    return join(this.dir, this.config.root?.path ?? "rootfs");
  }

  write(): void {
    writeFileSync(join(this.dir, "config.json"), JSON.stringify(this.config, null, 2));
  }
}

export class Container {
  readonly stdoutPath: string;
  readonly stderrPath: string;
  private recvtty?: Bun.Subprocess;

  constructor(
    readonly t: TestContext,
    readonly id: string,
    readonly bundle: Bundle,
  ) {
    this.stdoutPath = join(t.dir, `${id}.stdout`);
    this.stderrPath = join(t.dir, `${id}.stderr`);
    writeFileSync(this.stdoutPath, "");
    writeFileSync(this.stderrPath, "");
  }

  /** Runs `create`; with terminal=true, a console socket whose receiver copies the pty to stdoutPath. */
  async create(opts: { oomScoreAdj?: number; umask?: string } = {}): Promise<CommandResult> {
    const extra: string[] = [];
    if (this.bundle.config.process?.terminal) {
      const socket = join(this.t.dir, `${this.id}.sock`);
      const out = Bun.file(this.stdoutPath);
      this.recvtty = Bun.spawn([RECVTTY_BINARY, socket], { stdin: "ignore", stdout: out, stderr: "pipe" });
      const proc = this.recvtty;
      this.t.cleanup.add(`stop recvtty ${proc.pid}`, () => proc.kill("SIGKILL"));
      const deadline = Date.now() + 5000;
      while (!existsSync(socket) && Date.now() < deadline) await Bun.sleep(5);
      extra.push("--console-socket", socket);
    }
    return this.t.runtime.create(this.id, this.bundle.dir, { stdout: this.stdoutPath, stderr: this.stderrPath }, extra, opts);
  }

  start(): Promise<CommandResult> {
    return this.t.runtime.start(this.id);
  }

  state(): Promise<ContainerState | undefined> {
    return this.t.runtime.state(this.id);
  }

  kill(signal: string): Promise<CommandResult> {
    return this.t.runtime.kill(this.id, signal);
  }

  delete(force = false): Promise<CommandResult> {
    return this.t.runtime.delete(this.id, force);
  }

  /** Polls `state` until the status is `status` (or the container is gone, for "gone"). */
  async waitFor(status: string, timeoutMs = 10_000): Promise<ContainerState | undefined> {
    const deadline = Date.now() + timeoutMs;
    let last: ContainerState | undefined;
    for (;;) {
      last = await this.state();
      if (status === "gone" ? last === undefined : last?.status === status) return last;
      if (Date.now() > deadline) throw new AssertionFailure(`container ${this.id} did not reach status ${status} within ${timeoutMs} ms`, status, last?.status ?? "(state failed)");
      await Bun.sleep(20);
    }
  }

  /** What the container wrote to stdout; waits for the pty receiver to drain when there is one. */
  async stdout(): Promise<string> {
    if (this.recvtty) {
      const proc = this.recvtty;
      await Promise.race([proc.exited, Bun.sleep(5000)]);
    }
    return readFileSync(this.stdoutPath, "utf8");
  }

  stderr(): string {
    return readFileSync(this.stderrPath, "utf8");
  }

  async report(): Promise<Report> {
    const text = await this.stdout();
    const line = text.split(/\r?\n/).find((l) => l.startsWith("{"));
    if (!line) throw new AssertionFailure(`the checker printed no report`, "a JSON object on stdout", { stdout: text.slice(0, 2000), stderr: this.stderr().slice(0, 2000) });
    return JSON.parse(line) as Report;
  }
}

export class TestContext {
  readonly cleanup = new Cleanup();
  readonly dir: string;
  readonly runtime: RuntimeCli;
  private containers = 0;
  private readonly made: Container[] = [];

  constructor(binary: string, readonly testName: string) {
    this.dir = mkdtempSync(join(tmpdir(), "oci-validation-"));
    this.cleanup.add(`rm -rf ${this.dir}`, () => rmSync(this.dir, { recursive: true, force: true }));
    this.runtime = new RuntimeCli(binary, join(this.dir, "state"));
  }

  /** A bundle with a busybox rootfs, the checker at /checker and baseConfig() changed by `mutate`. */
  bundle(mutate: (c: Config) => void = () => {}, name = `bundle${this.containers}`): Bundle {
    const dir = join(this.dir, name);
    mkdirSync(dir, { recursive: true });
    const config = baseConfig();
    mutate(config);
    const bundle = new Bundle(dir, config);
    makeBusyboxRootfs(bundle.rootfs);
    copyFileSync(CHECKER_BINARY, join(bundle.rootfs, "checker"));
    Bun.spawnSync(["chmod", "0755", join(bundle.rootfs, "checker")]);
    bundle.write();
    return bundle;
  }

  /** A container object with a fresh id; `delete --force` is queued for cleanup. */
  container(bundle: Bundle, id = `ociv-${process.pid}-${++this.containers}-${Math.random().toString(36).slice(2, 8)}`): Container {
    const c = new Container(this, id, bundle);
    this.made.push(c);
    this.cleanup.add(`delete --force ${id}`, async () => {
      if ((await this.runtime.state(id)) !== undefined) {
        const r = await this.runtime.delete(id, true);
        if (r.exitCode !== 0) throw new Error(`delete --force ${id}: ${r.stderr}`);
      }
    });
    return c;
  }

  /** What the containers wrote to stderr (their own and the runtime's create errors), for diagnostics. */
  containerStderr(): string[] {
    return this.made.map((c) => `${c.id}: ${c.stderr().trim().slice(0, 600)}`).filter((l) => !l.endsWith(": "));
  }

  /** create → start → wait for stopped → report → delete: the common "what does the process see". */
  async runChecker(mutate: (c: Config) => void, checkerArgs: string[] = []): Promise<Report> {
    const bundle = this.bundle((c) => {
      c.process.args = ["/checker", "report", ...checkerArgs];
      mutate(c);
    });
    const c = this.container(bundle);
    await this.mustSucceed(c.create(), "create");
    await this.mustSucceed(c.start(), "start");
    await c.waitFor("stopped");
    const report = await c.report();
    await this.mustSucceed(c.delete(), "delete");
    return report;
  }

  /** create must fail and leave no container behind (runtime.md create: "a new container MUST NOT be created"). */
  async expectCreateFailure(mutate: (c: Config) => void, what: string): Promise<CommandResult> {
    const c = this.container(this.bundle(mutate));
    const r = await c.create();
    if (r.exitCode === 0) throw new AssertionFailure(`create succeeded, but ${what} must make it fail`, "non-zero exit", { exitCode: 0, state: await c.state() });
    const state = await c.state();
    if (state !== undefined) throw new AssertionFailure(`create failed but left a container behind`, "state fails for the id", state);
    return r;
  }

  async mustSucceed(p: Promise<CommandResult>, what: string): Promise<CommandResult> {
    const r = await p;
    if (r.exitCode !== 0) throw new AssertionFailure(`${what} failed (exit ${r.exitCode})`, "exit 0", r.stderr.trim() || r.stdout.trim());
    return r;
  }

  async mustFail(p: Promise<CommandResult>, what: string): Promise<CommandResult> {
    const r = await p;
    if (r.exitCode === 0) throw new AssertionFailure(`${what} succeeded but must generate an error`, "non-zero exit", { exitCode: 0, stdout: r.stdout });
    return r;
  }
}
