/**
 * create (runtime-spec runtime.md "Lifecycle" steps 1-6): validate and compile first, then make
 * the state dir (recording enough for `delete --force` at every moment: status "creating", the
 * cgroup placement, later the pid), the cgroups, exec.fifo, and let bocker-init build the
 * container. Any failure kills what started and removes what was made, newest first.
 */
import { chmodSync, existsSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { RuntimeError, ioError } from "../errors.ts";
import { encodePlan } from "../plan/encode.ts";
import { compileCreate } from "../plan/compile.ts";
import type { Logger } from "../log.ts";
import { runHooksOrFail } from "../hooks.ts";
import { spawnHelper, type HelperSession, type StdioTarget } from "../process/helper.ts";
import { ParentProtocol, helperError } from "../process/protocol.ts";
import { closeFd } from "../../../common/ffi.ts";
import { acceptFd, listenUnix, mkfifo } from "../sys/ffi.ts";
import { createContainerDir, creatingRecord, EXEC_FIFO, procStat, removeContainerDir, writeFileAtomic, writeRecord, writeSpareCgroup, type ContainerLock, type ContainerRecord } from "../state.ts";
import { prepareCreate, type Prepared } from "./prepare.ts";
import { destroyCgroup, killCgroup, placeContainer, removeSystemdCgroup, startSystemdCgroup } from "../cgroups/index.ts";
import { hookStateJson, listenerPayloadJson, pidInItsNamespace } from "./hook-state.ts";

export interface CreateOptions {
  root: string;
  id: string;
  bundle: string;
  pidFile?: string;
  consoleSocket?: string;
  /** --pidfd-socket: the init sends a pidfd of itself there (runc 1.2). */
  pidfdSocket?: string;
  noPivot: boolean;
  preserveFds: number;
  systemdCgroup: boolean;
  /** `run` in the foreground: the helper waits for the container and exits with its status. */
  foreground: boolean;
  stdio?: [StdioTarget, StdioTarget, StdioTarget];
  /** Foreground `run`: relay a terminal ourselves when there is no --console-socket (runc). */
  allocateTerminal?: boolean;
  log: Logger;
}

export interface CreatedContainer {
  dir: string;
  record: ContainerRecord;
  lock: ContainerLock;
  session: HelperSession;
  /** The pty master, when allocateTerminal applied. */
  consoleMaster?: number;
}

const SIGKILL = 9;

export async function createContainer(opts: CreateOptions): Promise<CreatedContainer> {
  const dir = join(opts.root, opts.id);
  const trace = (what: string) => opts.log.debug(`create ${opts.id}: ${what} (${performance.now().toFixed(1)} ms after start-up)`);
  trace("modules loaded");
  // The helper first: its exec and sealed self-copy overlap with the validation; it does nothing
  // before the plan arrives.
  const session = spawnHelper({ stdio: opts.stdio ?? ["inherit", "inherit", "inherit"], preserveFds: opts.preserveFds });
  trace("bocker-init started");
  let prepared: Prepared;
  let lock: ContainerLock;
  try {
    prepared = await prepareCreate({ bundle: opts.bundle, stateDir: dir, consoleSocket: opts.consoleSocket, pidfdSocket: opts.pidfdSocket, noPivot: opts.noPivot, preserveFds: opts.preserveFds, foreground: opts.foreground, cacheRoot: opts.root, allocateTerminal: opts.allocateTerminal });
    trace("config validated");
    lock = createContainerDir(opts.root, opts.id);
  } catch (err) {
    // Nothing exists yet but the helper, which has not seen a plan: it dies without a trace.
    session.proc.kill(SIGKILL);
    await session.proc.exited;
    throw err;
  }
  const { spec } = prepared.config;
  const record = creatingRecord(opts.id, prepared.config);
  let consoleListener: number | undefined;
  try {
    writeRecord(dir, record);
    trace("state dir made");
    // delete --force finds the cgroups in the spare file until the record is written again with
    // the pid: first what is about to be made (a SIGKILL mid-setup leaves no unrecorded directory),
    // then exactly what was made.
    record.cgroup = placeContainer(opts.id, spec, opts.systemdCgroup, opts.log, process.geteuid!(), (planned) => writeSpareCgroup(dir, planned));
    writeSpareCgroup(dir, record.cgroup);
    trace("cgroups placed");
    const rdt = spec.linux?.intelRdt;
    if (rdt && prepared.resctrlRoot) {
      const { applyResctrl, planResctrl } = await import("../linux/resctrl.ts");
      const root = prepared.resctrlRoot;
      record.resctrl = applyResctrl(planResctrl(opts.id, rdt, root, existsSync), root, (made) => {
        record.resctrl = made;
        writeRecord(dir, record);
      });
      writeRecord(dir, record);
      trace("resctrl group made");
    }
    const fifo = join(dir, EXEC_FIFO);
    try {
      mkfifo(fifo, 0o622);
      chmodSync(fifo, 0o622);
    } catch (err) {
      throw ioError("mkfifo", fifo, err);
    }
    if (prepared.internalConsole) consoleListener = listenUnix(prepared.internalConsole);
    trace("exec fifo made");
    const compiled = compileCreate(spec, {
      ...prepared.facts,
      cgroupProcs: record.cgroup.procsFiles,
      resctrlTasks: record.resctrl?.tasks ?? [],
      cgroupSync: record.cgroup.systemdUnit !== undefined,
      cgroupLayout: { ...prepared.facts.cgroupLayout, containerDirs: containerDirsByHierarchy(record.cgroup.procsFiles) },
    });
    for (const w of compiled.warnings) opts.log.warn(w);
    for (const n of compiled.notes) opts.log.info(n);
    if (prepared.facts.seccomp?.skippedSyscalls?.length) opts.log.debug(`seccomp: skipped syscalls unknown to libseccomp: ${prepared.facts.seccomp.skippedSyscalls.join(", ")}`);
    trace("plan compiled with the cgroup placement");
    session.send(encodePlan(compiled.plan));
    trace(`plan of ${Object.values(compiled.plan).reduce((n, s) => n + s.length, 0)} steps sent to bocker-init`);
    const protocol = new ParentProtocol(compiled.plan.init.some((s) => s.op === "HOOKS_SYNC"), compiled.plan.parent.some((s) => s.op === "CGROUP_SYNC"));
    for (;;) {
      const msg = session.next();
      const phase = protocol.accept(msg);
      if (msg.kind === "error") throw helperError(msg, compiled.origins, prepared.config.file);
      if (msg.kind === "cgroup") {
        // stage1 waits: the scope must take its pid before anything runs in the container.
        try {
          record.cgroup = await startSystemdCgroup(record.cgroup, msg.pid, { id: opts.id, cgroupsPath: spec.linux?.cgroupsPath, resources: spec.linux?.resources ?? {}, warn: (m) => opts.log.warn(m), debug: (m) => opts.log.debug(m) });
        } catch (err) {
          session.abort();
          throw err;
        }
        writeSpareCgroup(dir, record.cgroup);
        trace(`systemd unit ${record.cgroup.systemdUnit} started with pid ${msg.pid}`);
        session.replyPlaced();
        protocol.placed();
      } else if (msg.kind === "init") {
        record.pid = msg.pid;
        record.starttime = procStat(msg.pid)?.starttime ?? "";
        writeRecord(dir, record);
        trace(`container init is pid ${msg.pid}`);
      } else if (phase === "hooks") {
        // runtime-spec runtime.md: "created" is the status after lifecycle step 2 (the environment
        // exists), and these hooks are steps 3 and 4; crun passes "created" too, runc "creating".
        const state = hookStateJson(record, "created");
        try {
          runHooksOrFail("prestart", spec.hooks?.prestart, state);
          runHooksOrFail("createRuntime", spec.hooks?.createRuntime, state);
        } catch (err) {
          session.abort();
          throw err;
        }
        const listener = compiled.plan.init.some((st) => st.op === "SECCOMP" && st.args[2] !== -1);
        // createContainer and startContainer hooks run in the container: the pid as it sees it.
        session.replyHooks(hookStateJson({ ...record, pid: pidInItsNamespace(record.pid) }, "created"), listener ? listenerPayloadJson(record, "creating", spec.linux?.seccomp?.listenerMetadata) : undefined);
        protocol.replied();
      } else if (phase === "done") break;
    }
    if (!opts.foreground) {
      const code = await session.proc.exited;
      if (code !== 0) throw new RuntimeError("HELPER_FAILED", `bocker-init exited with status ${code} after setting up the container`);
    }
    if (!procStat(record.pid)) throw new RuntimeError("HELPER_FAILED", `the container process ${record.pid} exited during setup`);
    trace("setup finished");
    record.phase = "created";
    delete record.creator;
    writeRecord(dir, record);
    if (opts.pidFile) writeFileAtomic(opts.pidFile, String(record.pid), 0o644);
    // The CONSOLE step ran before REPORT_DONE: the master is already waiting in the socket.
    const consoleMaster = consoleListener === undefined ? undefined : acceptFd(consoleListener);
    return { dir, record, lock, session, consoleMaster };
  } catch (err) {
    await undoCreate(dir, record, session, opts.log);
    lock.release();
    throw err;
  } finally {
    if (consoleListener !== undefined) closeFd(consoleListener);
  }
}

/** "/sys/fs/cgroup/memory/a/b/cgroup.procs" → { memory: "/sys/fs/cgroup/memory/a/b" } */
function containerDirsByHierarchy(procsFiles: readonly string[]): Record<string, string> {
  const dirs: Record<string, string> = {};
  for (const file of procsFiles) {
    const m = /^\/sys\/fs\/cgroup\/([^/]+)\//.exec(file);
    if (m) dirs[m[1]!] = dirname(file);
  }
  return dirs;
}

/** Kills what started (init, anything in its cgroups, the helper) and removes what was made. */
async function undoCreate(dir: string, record: ContainerRecord, session: HelperSession, log: Logger): Promise<void> {
  const steps: Array<[string, () => unknown]> = [
    ["kill the container init", () => record.pid > 0 && procStat(record.pid)?.starttime === record.starttime && process.kill(record.pid, SIGKILL)],
    ["kill the container cgroup", () => record.cgroup && killCgroup(record.cgroup, SIGKILL)],
    ["kill bocker-init", () => session.proc.kill(SIGKILL)],
  ];
  for (const [what, fn] of steps) {
    try {
      fn();
    } catch (err) {
      log.warn(`create cleanup: ${what}: ${(err as Error).message}`);
    }
  }
  await session.proc.exited;
  try {
    if (record.cgroup?.systemdUnit) await removeSystemdCgroup(record.cgroup);
    else if (record.cgroup) destroyCgroup(record.cgroup);
  } catch (err) {
    log.warn(`create cleanup: remove cgroups: ${(err as Error).message}`);
  }
  try {
    if (record.resctrl) (await import("../linux/resctrl.ts")).removeResctrl(record.resctrl);
  } catch (err) {
    log.warn(`create cleanup: remove the resctrl group: ${(err as Error).message}`);
  }
  try {
    removeContainerDir(dir);
  } catch (err) {
    log.warn(`create cleanup: ${(err as Error).message}`);
    rmSync(dir, { recursive: true, force: true });
  }
}
