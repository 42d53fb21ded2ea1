/**
 * Shared set-up for the bocker-runtime integration tests: one busybox rootfs per file, a fresh
 * bundle and a private --root per test, and a cleanup that force-deletes every container the
 * test made and checks nothing stayed behind.
 */
import { chmodSync, existsSync, readdirSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { makeBusyboxRootfs } from "../../../common/busybox-rootfs.ts";
import { distBinary } from "../../fixtures/dist.ts";
import { Cleanup } from "../../../common/cleanup.ts";
import { defaultSpec } from "../../../runtime/lib/default-spec.ts";
import type { Spec } from "../../../runtime/lib/spec-types.ts";

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The default `spec` config without seccomp (faster; one test covers it), terminal off. */
export function testSpec(rootfs: string, args: string[]): Spec {
  const s = defaultSpec();
  delete s.linux!.seccomp;
  s.process!.terminal = false;
  s.process!.args = args;
  s.root = { path: rootfs, readonly: true };
  return s;
}

/** Whether the host has only the unified cgroup v2 hierarchy, at /sys/fs/cgroup. */
export const PURE_V2 = existsSync("/sys/fs/cgroup/cgroup.controllers");

/**
 * Every cgroup directory a container with this id would get by the default path rule: under our
 * own cgroup in each hierarchy, or on a pure v2 host under its parent (runtime/lib/cgroups/paths.ts).
 */
export function defaultCgroupDirs(id: string): string[] {
  const dirs: string[] = [];
  for (const line of readFileSync("/proc/self/cgroup", "utf8").trim().split("\n")) {
    const [, controllers, path] = line.split(":") as [string, string, string];
    if (PURE_V2) return [join("/sys/fs/cgroup", dirname(path), id)];
    const mount = controllers === "" ? "/sys/fs/cgroup/unified" : `/sys/fs/cgroup/${controllers.replace(/^name=/, "")}`;
    if (existsSync(mount)) dirs.push(join(mount, path, id));
  }
  return dirs;
}

/** The container's cgroup directory holding `controller` (v1: its hierarchy; v2: the one leaf). */
export function cgroupDirOf(id: string, controller: string): string {
  if (PURE_V2) return defaultCgroupDirs(id)[0]!;
  const dir = defaultCgroupDirs(id).find((d) => d.startsWith(`/sys/fs/cgroup/${controller}/`));
  if (!dir) throw new Error(`no ${controller} hierarchy mounted`);
  return dir;
}

export class RuntimeSuite {
  readonly dir: string;
  readonly rootfs: string;
  readonly root: string;
  cleanup = new Cleanup();
  private n = 0;

  /** `binary`: another bocker-runtime (with its bocker-init beside it) than dist's. */
  constructor(name: string, readonly binary = distBinary("bocker-runtime")) {
    this.dir = mkdtempSync(join(tmpdir(), `bocker-rt-${name}-`));
    chmodSync(this.dir, 0o755); // a user-namespaced root (an unprivileged host uid) must reach the rootfs
    this.rootfs = makeBusyboxRootfs(join(this.dir, "rootfs"));
    this.root = join(this.dir, "state");
  }

  /** A unique container id, force-deleted (and its cgroups checked) when the test ends. */
  id(): string {
    const id = `c${process.pid}-${++this.n}`;
    this.cleanup.add(`delete ${id}`, async () => {
      const r = await this.rt(["delete", "--force", id]);
      if (r.code !== 0) throw new Error(`delete --force ${id}: ${r.stderr}`);
      const left = defaultCgroupDirs(id).filter((d) => existsSync(d));
      if (left.length > 0) throw new Error(`cgroups left behind: ${left.join(" ")}`);
    });
    return id;
  }

  /** A bundle whose config.json is testSpec(args) changed by mut. */
  bundle(args: string[], mut: (s: Spec) => void = () => {}): string {
    const dir = join(this.dir, `bundle-${++this.n}`);
    mkdirSync(dir);
    const s = testSpec(this.rootfs, args);
    mut(s);
    writeFileSync(join(dir, "config.json"), JSON.stringify(s, null, 2));
    return dir;
  }

  /**
   * Runs the runtime with stdout/stderr in files: a detached container inherits them, so pipes
   * would never reach EOF while it runs (the same holds for runc).
   */
  async rt(args: string[], opts: { root?: string; stdin?: string; timeoutMs?: number } = {}): Promise<RunResult> {
    const out = join(this.dir, `out-${++this.n}`);
    const err = join(this.dir, `err-${this.n}`);
    const proc = Bun.spawn([this.binary, "--root", opts.root ?? this.root, ...args], {
      stdin: opts.stdin === undefined ? "ignore" : Buffer.from(opts.stdin),
      stdout: Bun.file(out),
      stderr: Bun.file(err),
      timeout: (opts.timeoutMs ?? 30_000) * SLOWDOWN,
    });
    const code = await proc.exited;
    const result = { code, stdout: readFileSync(out, "utf8"), stderr: readFileSync(err, "utf8") };
    rmSync(out);
    rmSync(err);
    return result;
  }

  async state(id: string): Promise<Record<string, unknown>> {
    const r = await this.rt(["state", id]);
    if (r.code !== 0) throw new Error(`state ${id}: ${r.stderr}`);
    return JSON.parse(r.stdout);
  }

  /** Force-deletes whatever a failed or timed-out test left in --root, then removes the files. */
  remove(): void {
    const ids = existsSync(this.root) ? readdirSync(this.root).filter((n) => !n.startsWith(".")) : [];
    for (const id of ids) {
      Bun.spawnSync([this.binary, "--root", this.root, "delete", "--force", id], { stdout: "ignore", stderr: "ignore" });
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * The host's mounts whose mount point lies under `dir` (a test's own directory, where an escaping
 * mount would land): unlike the whole mountinfo, unchanged by whatever else runs on the machine.
 */
export function mountsUnder(dir: string): string[] {
  return readFileSync("/proc/self/mountinfo", "utf8").split("\n").filter((line) => {
    const point = line.split(" ")[4];
    return point !== undefined && (point === dir || point.startsWith(`${dir}/`));
  });
}

/** How much slower than this machine the tests run: test/v2/run.sh's emulated VM sets 20. */
export const SLOWDOWN = Number(process.env.BOCKER_TEST_SLOWDOWN ?? 1);

/** Polls until fn() is true (or fails after timeoutMs, times SLOWDOWN). */
export async function waitFor(fn: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs * SLOWDOWN;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}
