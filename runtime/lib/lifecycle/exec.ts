/**
 * exec: a new process in every namespace and cgroup of a running container (runc
 * setns_init_linux.go). The container's init is checked against its recorded start time first,
 * so a recycled pid can never make us join someone else's namespaces.
 */
import { readlinkSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { CompiledPlan } from "../plan/builder.ts";
import { closeFd } from "../../../common/ffi.ts";
import { acceptFd, listenUnix } from "../sys/ffi.ts";
import { RuntimeError } from "../errors.ts";
import { compileExec } from "../plan/compile.ts";
import { setgroupsDenied } from "../linux/idmap.ts";
import { ownBoundingSet } from "../linux/capabilities.ts";
import type { ContainerRecord } from "../state.ts";
import { hookStateJson, listenerPayloadJson } from "./hook-state.ts";
import { encodePlan } from "../plan/encode.ts";
import { NAMESPACE_PROC_NAMES } from "../linux/namespaces.ts";
import { detectLsm } from "../linux/lsm.ts";
import { spawnHelper, type HelperSession } from "../process/helper.ts";
import { ParentProtocol, helperError } from "../process/protocol.ts";
import { execCgroupProcs } from "../cgroups/index.ts";
import { containerDir, initAlive, readRecord, status, writeFileAtomic } from "../state.ts";
import { seccompProgram } from "../seccomp-cache.ts";
import { execProcessOf, type ExecProcessSettings } from "./exec-process.ts";

export interface ExecOptions {
  root: string;
  id: string;
  /** The process to start, from exec's command line (merged with the container's by execProcessOf). */
  settings: ExecProcessSettings;
  detach: boolean;
  consoleSocket?: string;
  /** --pidfd-socket: the process sends a pidfd of itself there (runc 1.2). */
  pidfdSocket?: string;
  pidFile?: string;
  preserveFds: number;
  ignorePaused: boolean;
  /** exec --cgroup: sub-cgroups of the container's cgroup to join instead (runc 1.1). */
  subCgroups?: string[];
  /** Compiler warnings, for the log. */
  warn: (message: string) => void;
  /** Compiler notes (skipped ambient capabilities): --debug and --log only. */
  note: (message: string) => void;
}

export interface ExecStarted {
  pid: number;
  session: HelperSession;
  /** The pty master for a foreground -t without --console-socket (the caller relays it). */
  consoleMaster?: number;
}

function sameNamespace(pid: number, name: string): boolean {
  try {
    return readlinkSync(`/proc/${pid}/ns/${name}`) === readlinkSync(`/proc/self/ns/${name}`);
  } catch {
    return false;
  }
}

export async function execProcess(opts: ExecOptions): Promise<ExecStarted> {
  const dir = containerDir(opts.root, opts.id);
  const rec = readRecord(dir);
  const proc = execProcessOf(rec.config.process!, opts.settings);
  const st = status(dir, rec);
  if (st === "stopped" || st === "creating") throw new RuntimeError("BAD_STATUS", `cannot exec in container ${opts.id}: it is ${st}`);
  if (st === "paused" && !opts.ignorePaused) throw new RuntimeError("BAD_STATUS", `cannot exec in container ${opts.id}: it is paused (use --ignore-paused)`);
  if (proc.terminal && !opts.consoleSocket && opts.detach) throw new RuntimeError("USAGE", "exec -d -t needs --console-socket (bocker-runtime sends the pty master there)");
  // Foreground -t without a socket: listen ourselves and relay, as runc does.
  const internalConsole = proc.terminal && !opts.consoleSocket ? join(dir, `console-${process.pid}.sock`) : undefined;
  const types = (rec.config.linux?.namespaces ?? []).map((n) => n.type).filter((t) => !sameNamespace(rec.pid, NAMESPACE_PROC_NAMES[t]!));
  const compiled = compileExec(proc, {
    pid: rec.pid,
    namespaces: types,
    // An exec'd process joins the container's resctrl groups too (runc: WriteIntelRdtTasks for setns processes).
    cgroupProcs: [...execCgroupProcs(rec.cgroup, opts.subCgroups ?? []), ...(rec.resctrl?.tasks ?? [])],
    consoleSocket: opts.consoleSocket ?? internalConsole,
    pidfdSocket: opts.pidfdSocket,
    preserveFds: opts.preserveFds,
    foreground: !opts.detach,
    seccomp: await seccompProgram(rec.config, opts.root),
    pointerBase: "",
    lsm: detectLsm(proc),
    setgroupsDenied: setgroupsDenied(rec.pid),
    grantableCaps: ownBoundingSet(),
    memoryPolicy: rec.config.linux?.memoryPolicy,
  });
  for (const w of compiled.warnings) opts.warn(w);
  for (const n of compiled.notes) opts.note(n);
  // Checked again right before the helper opens /proc/<pid>/ns/*: the window is this function.
  if (!initAlive(rec)) throw new RuntimeError("BAD_STATUS", `cannot exec in container ${opts.id}: its init process ${rec.pid} is gone`);
  const listener = internalConsole ? listenUnix(internalConsole) : undefined;
  try {
    return await runExecHelper(opts, compiled, listener, rec);
  } finally {
    if (listener !== undefined) closeFd(listener);
    if (internalConsole) rmSync(internalConsole, { force: true });
  }
}

async function runExecHelper(opts: ExecOptions, compiled: CompiledPlan, listener: number | undefined, rec: ContainerRecord): Promise<ExecStarted> {
  const session = spawnHelper({ stdio: ["inherit", "inherit", "inherit"], preserveFds: opts.preserveFds });
  // The only sync of an exec: the seccomp agent's payload, when the profile notifies.
  const protocol = new ParentProtocol(compiled.plan.init.some((st) => st.op === "HOOKS_SYNC"));
  let pid = 0;
  try {
    session.send(encodePlan(compiled.plan));
    for (;;) {
      const msg = session.next();
      const phase = protocol.accept(msg);
      if (msg.kind === "error") throw helperError(msg, compiled.origins, opts.settings.file ?? "config.json");
      if (phase === "hooks") {
        // `init <pid>` always came first: pid is the exec'd process's.
        session.replyHooks(hookStateJson(rec, "running"), listenerPayloadJson(rec, "running", rec.config.linux?.seccomp?.listenerMetadata, pid));
        protocol.replied();
      }
      if (msg.kind === "init") pid = msg.pid;
      if (phase === "done") break;
    }
    // EOF came with the execve (close-on-exec sync socket): the user's program is running. A pid
    // file that cannot be written ends it (runc runner.run terminates the process too).
    if (opts.pidFile) writeFileAtomic(opts.pidFile, String(pid), 0o644);
  } catch (err) {
    session.proc.kill(9);
    if (pid > 0) {
      try {
        process.kill(pid, 9);
      } catch {
        // already gone
      }
    }
    await session.proc.exited;
    throw err;
  }
  return { pid, session, consoleMaster: listener === undefined ? undefined : acceptFd(listener) };
}
