/**
 * Running the criu(8) command line. runc drives `criu swrk` over its RPC socket; the CLI carries the
 * same options (criu builds one option set from either), so a plain `criu dump`/`criu restore`
 * with a log file covers checkpoint and restore without a protobuf codec in the runtime. What only
 * the RPC gives is a notification channel: the pty master of a restored terminal
 * (`orphan-pts-master`), so restore refuses process.terminal (lifecycle/restore.ts).
 *
 * For restore criu itself first joins the container's cgroups, so everything it forks is born
 * there (runc criuApplyCgroups: cgroupManager.Apply(criu's pid)); a small sh does that before it
 * execs criu, since Bun cannot run code between fork and exec. With the systemd driver the sh
 * first stops itself, so that a transient unit can be started with its pid (`beforeExec`), and
 * goes on when continued.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { RuntimeError } from "../errors.ts";
import { cString, errno, libcSymbols } from "../../../common/ffi.ts";
import { errnoName } from "../../../common/errors.ts";

export interface CriuRun {
  /** --criu (global flag) or "criu" from PATH. */
  binary: string;
  args: string[];
  /** Where criu writes its log (the work directory), and the log's name there. */
  logDir: string;
  logName: string;
  /** fds criu inherits as 3, 4, …: namespaces restore re-joins (`--inherit-fd`). */
  extraFds?: number[];
  /** criu gets our fds 0-2 (restore hands them to the restored tree); otherwise its output is captured. */
  inheritStdio?: boolean;
  /** cgroup.procs files criu joins before it runs. */
  cgroupProcs?: string[];
  /** Called with the pid that will exec criu, stopped before it joins `cgroupProcs` (a systemd unit takes it). */
  beforeExec?: (pid: number) => Promise<void>;
  what: string;
}

/** sh: write its pid into each file up to "--", then exec the rest. */
const ENTER_CGROUPS = 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 125; shift; done; shift; exec "$@"';
/** The same after stopping itself until the runtime continues it. */
const STOP_THEN_ENTER_CGROUPS = `kill -STOP $$; ${ENTER_CGROUPS}`;

/** Waits until `pid` is stopped (state T in /proc/<pid>/stat); false if it exited or 10 s passed. */
async function stopped(pid: number): Promise<boolean> {
  for (let i = 0; i < 2000; i++) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      return false;
    }
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    if (state === "T") return true;
    if (state === "Z" || state === "X") return false;
    await Bun.sleep(5);
  }
  return false;
}

export async function runCriu(r: CriuRun): Promise<void> {
  const wrapped = r.cgroupProcs?.length || r.beforeExec;
  const script = r.beforeExec ? STOP_THEN_ENTER_CGROUPS : ENTER_CGROUPS;
  const argv = wrapped ? ["/bin/sh", "-c", script, "sh", ...(r.cgroupProcs ?? []), "--", r.binary, ...r.args] : [r.binary, ...r.args];
  let proc;
  try {
    proc = Bun.spawn(argv, { stdio: [...(r.inheritStdio ? (["inherit", "inherit", "inherit"] as const) : (["ignore", "pipe", "pipe"] as const)), ...(r.extraFds ?? [])] });
  } catch (err) {
    throw new RuntimeError("CRIU_FAILED", `${r.what}: cannot run ${r.binary}: ${(err as Error).message} (install criu, or name it with --criu)`, {}, err);
  }
  if (r.beforeExec) {
    try {
      if (!(await stopped(proc.pid))) throw new RuntimeError("CRIU_FAILED", `${r.what}: the shell that runs criu did not stop before joining the cgroups`);
      await r.beforeExec(proc.pid);
    } catch (err) {
      proc.kill("SIGKILL");
      await proc.exited;
      throw err;
    }
    proc.kill("SIGCONT");
  }
  const text = (s: unknown) => (s instanceof ReadableStream ? new Response(s).text() : Promise.resolve(""));
  const [out, err, code] = await Promise.all([text(proc.stdout), text(proc.stderr), proc.exited]);
  if (code === 0) return;
  if (code === 127 && wrapped) throw new RuntimeError("CRIU_FAILED", `${r.what}: cannot run ${r.binary}: not found (install criu, or name it with --criu)`);
  if (code === 125 && wrapped) throw new RuntimeError("CRIU_FAILED", `${r.what}: cannot move criu into the container's cgroups: ${err.trim()}`);
  const log = join(r.logDir, r.logName);
  const quoted = criuLogErrors(log);
  const detail = quoted || (err + out).trim() || `exit status ${code}`;
  throw new RuntimeError("CRIU_FAILED", `${r.what}: criu exited with status ${code} (log: ${log}):\n${detail}`, { path: log });
}

/** `criu check --feature NAME` (runc checkCriuFeatures asks the same over RPC). */
export function criuHasFeature(binary: string, feature: string): boolean {
  try {
    return Bun.spawnSync([binary, "check", "--feature", feature], { stdout: "ignore", stderr: "ignore" }).exitCode === 0;
  } catch {
    return false;
  }
}

/**
 * The lines of a criu log that say "Error", each with the line before it (runc logCriuErrors
 * quotes five), at most 20, so the message names criu's reason without the whole log.
 */
export function criuLogErrors(path: string): string {
  let lines: string[];
  try {
    lines = readFileSync(path, "utf8").split("\n");
  } catch {
    return "";
  }
  const picked = new Set<number>();
  lines.forEach((l, i) => {
    if (!l.includes("Error")) return;
    if (i > 0) picked.add(i - 1);
    picked.add(i);
  });
  return [...picked].sort((a, b) => a - b).slice(-20).map((i) => lines[i]).join("\n");
}

const mountLib = libcSymbols({
  mount: { args: ["ptr", "ptr", "ptr", "u64", "ptr"], returns: "i32" },
  umount2: { args: ["ptr", "i32"], returns: "i32" },
  waitpid: { args: ["i32", "ptr", "i32"], returns: "i32" },
} as const);

const MS_BIND = 4096n;
const MS_REC = 16384n;
const MNT_DETACH = 2;

/** criu restores into --root, which must be a mount point (runc: rootfs bound at <state>/criu-root). */
export function bindRoot(source: string, target: string): void {
  if (mountLib().mount(cString(source), cString(target), null, MS_BIND | MS_REC, null) < 0) {
    throw new RuntimeError("IO", `mount --rbind ${source} ${target}: ${errnoName(errno())}`, { path: target });
  }
}

export function unbindRoot(target: string): void {
  mountLib().umount2(cString(target), MNT_DETACH);
}

/**
 * Waits for a child that criu's --restore-sibling made ours (not one Bun spawned, so Bun's own
 * wait cannot see it): its exit code, or 128 + the signal that ended it (as `run`).
 */
export function waitChild(pid: number): number {
  const status = new Int32Array(1);
  for (;;) {
    if (mountLib().waitpid(pid, status, 0) === pid) break;
    if (errno() !== 4 /* EINTR */) return 255;
  }
  const s = status[0]!;
  return (s & 0x7f) === 0 ? (s >> 8) & 0xff : 128 + (s & 0x7f);
}
