/**
 * Running bocker-runtime as an unprivileged user from a root test: a temp dir owned by that user
 * (bundle, rootfs, XDG_RUNTIME_DIR), the runtime started through setpriv with no capabilities and
 * no supplementary groups, and a cleanup that force-deletes what the user left, kills leftover
 * container inits by PID and removes the dir. Test users come from useradd (which also gives them
 * /etc/subuid and /etc/subgid ranges) and go with userdel (which takes those ranges back).
 */
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeBusyboxRootfs } from "../../../common/busybox-rootfs.ts";
import { distBinary } from "../../fixtures/dist.ts";
import type { Spec } from "../../../runtime/lib/spec-types.ts";
import { procStat } from "../../../runtime/lib/state.ts";

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface TestUser {
  name: string;
  uid: number;
  gid: number;
  /** First id of the user's /etc/subuid and /etc/subgid range, and its size. */
  subuid?: { start: number; count: number };
  subgid?: { start: number; count: number };
}

export const NOBODY: TestUser = { name: "nobody", uid: 65534, gid: 65534 };

function subRange(file: string, name: string): { start: number; count: number } | undefined {
  const line = readFileSync(file, "utf8").split("\n").find((l) => l.startsWith(`${name}:`));
  if (!line) return undefined;
  const [, start, count] = line.split(":");
  return { start: Number(start), count: Number(count) };
}

/** useradd (no home); the caller must userdelTestUser it. */
export function useraddTestUser(name: string): TestUser {
  const r = Bun.spawnSync(["useradd", "-M", "-s", "/usr/sbin/nologin", name], { stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`useradd ${name}: ${r.stderr.toString()}`);
  const id = (flag: string) => Number(Bun.spawnSync(["id", flag, name]).stdout.toString().trim());
  return { name, uid: id("-u"), gid: id("-g"), subuid: subRange("/etc/subuid", name), subgid: subRange("/etc/subgid", name) };
}

export function userdelTestUser(user: TestUser): void {
  const r = Bun.spawnSync(["userdel", user.name], { stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`userdel ${user.name}: ${r.stderr.toString()}`);
}

export class UnprivilegedSuite {
  readonly dir: string;
  readonly rootfs: string;
  readonly xdg: string;
  readonly binary = distBinary("bocker-runtime");
  private n = 0;

  constructor(readonly user: TestUser, name: string) {
    this.dir = mkdtempSync(join(tmpdir(), `bocker-userns-${name}-`));
    chmodSync(this.dir, 0o755);
    this.rootfs = makeBusyboxRootfs(join(this.dir, "rootfs"));
    this.xdg = join(this.dir, "xdg");
    mkdirSync(this.xdg, { mode: 0o700 });
    chownSync(this.dir, user.uid, user.gid);
    chownSync(this.xdg, user.uid, user.gid);
  }

  /** The state root the runtime picks by itself for this user. */
  get stateRoot(): string {
    return join(this.xdg, "bocker-runtime");
  }

  /** A bundle dir owned by the user holding config.json = mut(base). */
  bundle(base: Spec, mut: (s: Spec) => void = () => {}): string {
    const dir = join(this.dir, `bundle-${++this.n}`);
    mkdirSync(dir);
    const s = structuredClone(base);
    mut(s);
    writeFileSync(join(dir, "config.json"), JSON.stringify(s, null, 2));
    chownSync(dir, this.user.uid, this.user.gid);
    chownSync(join(dir, "config.json"), this.user.uid, this.user.gid);
    return dir;
  }

  /** An empty dir owned by the user (for `spec --rootless`). */
  emptyDir(): string {
    const dir = join(this.dir, `dir-${++this.n}`);
    mkdirSync(dir);
    chownSync(dir, this.user.uid, this.user.gid);
    return dir;
  }

  /** bocker-runtime ARGS as the user, in cwd, stdout/stderr in files (a detached container keeps pipes open). */
  async rt(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<RunResult> {
    const out = join(this.dir, `out-${++this.n}`);
    const err = join(this.dir, `err-${this.n}`);
    const env = { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", XDG_RUNTIME_DIR: this.xdg, ...opts.env };
    const proc = Bun.spawn(
      ["setpriv", `--reuid=${this.user.uid}`, `--regid=${this.user.gid}`, "--clear-groups", "--inh-caps=-all", this.binary, ...args],
      { cwd: opts.cwd ?? this.dir, env, stdin: "ignore", stdout: Bun.file(out), stderr: Bun.file(err), timeout: 30_000 },
    );
    const code = await proc.exited;
    const result = { code, stdout: readFileSync(out, "utf8"), stderr: readFileSync(err, "utf8") };
    rmSync(out);
    rmSync(err);
    return result;
  }

  /** Container inits recorded in the user's state root, with their start times (for cleanup by PID). */
  recordedInits(): Array<{ pid: number; starttime: string }> {
    if (!existsSync(this.stateRoot)) return [];
    const inits: Array<{ pid: number; starttime: string }> = [];
    for (const id of readdirSync(this.stateRoot).filter((n) => !n.startsWith("."))) {
      try {
        const { pid, starttime } = JSON.parse(readFileSync(join(this.stateRoot, id, "state.json"), "utf8"));
        if (pid > 0) inits.push({ pid, starttime });
      } catch {
        // no state.json: nothing started
      }
    }
    return inits;
  }

  /** delete --force every container the user left, SIGKILL any recorded init still there, remove the dir. */
  async remove(): Promise<void> {
    const inits = this.recordedInits();
    const ids = existsSync(this.stateRoot) ? readdirSync(this.stateRoot).filter((n) => !n.startsWith(".")) : [];
    for (const id of ids) await this.rt(["delete", "--force", id]);
    // Only a pid that is still the same process (same start time): never a recycled one.
    for (const init of inits) if (procStat(init.pid)?.starttime === init.starttime) process.kill(init.pid, "SIGKILL");
    rmSync(this.dir, { recursive: true, force: true });
  }
}
