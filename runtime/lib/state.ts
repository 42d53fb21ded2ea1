/**
 * The --root layout: <root>/<id>/ holds state.json (written to a temp name and renamed, so a
 * reader never sees half a file), exec.fifo while the container is "created", and `cgroup`, a
 * second copy of the cgroup placement so `delete --force` can clean up even when state.json is
 * lost. Commands that change a container hold flock(2) on its directory; it dies with the process,
 * so a runtime killed with -9 never leaves a stale lock.
 */
import { chmodSync, closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RuntimeError, ioError } from "./errors.ts";
import { errnoOf } from "../../common/errors.ts";
import { lockFd } from "../../common/lock.ts";
import type { Spec } from "./spec-types.ts";
import type { CgroupPlacement } from "./cgroups/index.ts";
import type { ResctrlRecord } from "./linux/resctrl.ts";

export type Status = "creating" | "created" | "running" | "stopped" | "paused";

/** What we persist; `state` prints the OCI subset (runtime-spec runtime.md "State"). */
export interface ContainerRecord {
  ociVersion: string;
  id: string;
  /** Host pid of the container init; 0 until the helper reported it. */
  pid: number;
  /** /proc/<pid>/stat field 22: tells a recycled pid from ours. */
  starttime: string;
  bundle: string;
  rootfs: string;
  created: string;
  /** "creating" until create finished; afterwards the live status is derived (see status()). */
  phase: "creating" | "created";
  /**
   * The runtime process running `create` (pid and start time), while phase is "creating": once it
   * is gone (killed with -9 part-way) nothing will ever finish the container, which reads stopped.
   */
  creator?: { pid: number; starttime: string };
  paused: boolean;
  annotations: Record<string, string>;
  cgroup?: CgroupPlacement;
  /** linux.intelRdt: the CLOS (and monitoring group) joined, and which of them create made. */
  resctrl?: ResctrlRecord;
  /** The validated config, for hooks at delete time and defaults of exec (runc keeps it too). */
  config: Spec;
}

/**
 * --root when none is given: /run/bocker-runtime for root; for anyone else $XDG_RUNTIME_DIR/bocker-runtime
 * (runc: $XDG_RUNTIME_DIR/runc when euid != 0), since /run is root's. Falls back to /run/bocker-runtime,
 * whose EACCES then names the path.
 */
export function defaultStateRoot(euid: number, env: Record<string, string | undefined>): { root: string; xdg: boolean } {
  const xdg = env.XDG_RUNTIME_DIR;
  if (euid !== 0 && xdg) return { root: join(xdg, "bocker-runtime"), xdg: true };
  return { root: "/run/bocker-runtime", xdg: false };
}

/**
 * The XDG base-directory spec lets the session manager clean $XDG_RUNTIME_DIR of files that are
 * not sticky; runc marks its root 0700|sticky for that reason, and so do we.
 */
export function ensureXdgStateRoot(root: string): void {
  try {
    mkdirSync(root, { recursive: true, mode: 0o700 });
    chmodSync(root, 0o1700);
  } catch (err) {
    throw ioError("create state root", root, err);
  }
}

/** runc's pattern, minus a leading dot: <root>/.cache belongs to the runtime. */
const ID_PATTERN = /^[\w+-][\w+.-]*$/;

export function validateId(id: string): void {
  if (!ID_PATTERN.test(id) || id.length > 1024) {
    throw new RuntimeError("USAGE", `invalid container id ${JSON.stringify(id)}: use letters, digits, '_', '+', '-' and '.' (not first)`);
  }
}

export function containerDir(root: string, id: string): string {
  validateId(id);
  return join(root, id);
}

export const STATE_FILE = "state.json";
export const EXEC_FIFO = "exec.fifo";
export const CGROUP_FILE = "cgroup";
/** restore binds the rootfs here while criu runs (criu wants its root to be a mount point). */
export const CRIU_ROOT = "criu-root";

/** A held per-container lock; release() (or process exit) drops it. */
export class ContainerLock {
  constructor(readonly dir: string, private fd: number | undefined) {}
  release(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

function lockDir(dir: string): ContainerLock {
  let fd: number;
  try {
    fd = openSync(dir, "r");
  } catch (err) {
    throw errnoOf(err) === "ENOENT" ? notFound(dir) : ioError("open", dir, err);
  }
  lockFd(fd, true);
  // The holder we waited for may have been `delete`: a removed directory has no links left.
  if (fstatSync(fd).nlink === 0) {
    closeSync(fd);
    throw notFound(dir);
  }
  return new ContainerLock(dir, fd);
}

function notFound(dir: string): RuntimeError {
  return new RuntimeError("CONTAINER_NOT_FOUND", `container ${dir.split("/").pop()} does not exist (no ${dir})`, { path: dir });
}

/** Creates the container directory; exactly one of several concurrent creates gets it (mkdir is atomic). */
export function createContainerDir(root: string, id: string): ContainerLock {
  const dir = containerDir(root, id);
  try {
    mkdirSync(root, { recursive: true, mode: 0o711 });
  } catch (err) {
    throw ioError("mkdir", root, err);
  }
  try {
    mkdirSync(dir, { mode: 0o711 });
  } catch (err) {
    if (errnoOf(err) === "EEXIST") throw new RuntimeError("CONTAINER_EXISTS", `container ${id} already exists`, { path: dir });
    throw ioError("mkdir", dir, err);
  }
  return lockDir(dir);
}

export function lockContainer(root: string, id: string): ContainerLock {
  return lockDir(containerDir(root, id));
}

/**
 * Atomic write: temp file in the same directory, then rename, so a runtime that dies at any
 * point leaves the old or the new file, never half of one. No fsync: --root lives on tmpfs
 * (/run) and must survive the runtime process, not the machine (as runc's state.json).
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, data, { mode });
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw ioError("write", path, err);
  }
}

export function writeRecord(dir: string, rec: ContainerRecord): void {
  writeFileAtomic(join(dir, STATE_FILE), JSON.stringify(rec));
}

/**
 * The record of a container being made by this process (create, restore): phase "creating", no pid
 * yet, and this process as its creator, so a runtime killed part-way leaves a container that reads
 * stopped and `delete` removes.
 */
export function creatingRecord(id: string, loaded: { spec: Spec; bundle: string; rootfs: string }): ContainerRecord {
  return {
    ociVersion: loaded.spec.ociVersion,
    id,
    pid: 0,
    starttime: "",
    bundle: loaded.bundle,
    rootfs: loaded.rootfs,
    created: new Date().toISOString(),
    phase: "creating",
    creator: { pid: process.pid, starttime: procStat(process.pid)?.starttime ?? "" },
    paused: false,
    annotations: loaded.spec.annotations ?? {},
    config: loaded.spec,
  };
}

/** The spare copy of the placement, written once right after the cgroups exist. */
export function writeSpareCgroup(dir: string, placement: CgroupPlacement): void {
  writeFileAtomic(join(dir, CGROUP_FILE), JSON.stringify(placement));
}

/** Reads state.json; a missing, empty or truncated file is STATE_CORRUPT, naming the path. */
export function readRecord(dir: string): ContainerRecord {
  const path = join(dir, STATE_FILE);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if (errnoOf(err) === "ENOENT" && !existsSync(dir)) throw notFound(dir);
    throw new RuntimeError("STATE_CORRUPT", `${path}: cannot read container state (${errnoOf(err) ?? err})`, { path }, err);
  }
  try {
    const rec = JSON.parse(text) as ContainerRecord;
    if (typeof rec.id !== "string" || typeof rec.pid !== "number") throw new Error("missing id or pid");
    return rec;
  } catch (err) {
    throw new RuntimeError("STATE_CORRUPT", `${path}: container state is damaged (${(err as Error).message}); \`delete --force\` still removes the container`, { path }, err);
  }
}

/** The cgroup placement from the spare copy, when state.json is gone. */
export function readSpareCgroup(dir: string): CgroupPlacement | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, CGROUP_FILE), "utf8")) as CgroupPlacement;
  } catch {
    return undefined;
  }
}

export function removeContainerDir(dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch (err) {
    throw ioError("remove", dir, err);
  }
}

/** /proc/<pid>/stat: state letter and start time (field 22), or undefined when the pid is gone. */
export function procStat(pid: number): { state: string; starttime: string } | undefined {
  if (!(pid > 0)) return undefined;
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // comm (field 2) may contain spaces and parentheses: parse after the last ')'.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return { state: fields[0]!, starttime: fields[19]! };
}

/** Our init (or another recorded process) is alive: same pid, same start time, not a zombie. */
export function initAlive(rec: Pick<ContainerRecord, "pid" | "starttime">): boolean {
  const st = procStat(rec.pid);
  return st !== undefined && st.starttime === rec.starttime && st.state !== "Z" && st.state !== "X";
}

/**
 * runc's status rules: not alive → stopped; FIFO still there → created; else running. A create
 * whose runtime died part-way reads stopped, so `delete` removes what it left (runc never shows
 * such a container: it writes state.json only once create succeeded).
 */
export function status(dir: string, rec: ContainerRecord): Status {
  if (rec.phase === "creating") {
    if (rec.creator && !initAlive(rec.creator)) return "stopped";
    return initAlive(rec) || rec.pid === 0 ? "creating" : "stopped";
  }
  if (!initAlive(rec)) return "stopped";
  if (existsSync(join(dir, EXEC_FIFO))) return "created";
  return rec.paused ? "paused" : "running";
}

/** The OCI state document (runtime-spec runtime.md), plus runc's rootfs/created/owner. */
export function ociState(dir: string, rec: ContainerRecord): Record<string, unknown> {
  const st = status(dir, rec);
  return {
    ociVersion: rec.ociVersion,
    id: rec.id,
    status: st,
    pid: st === "stopped" ? 0 : rec.pid,
    bundle: rec.bundle,
    rootfs: rec.rootfs,
    created: rec.created,
    owner: "",
    ...(Object.keys(rec.annotations).length > 0 ? { annotations: rec.annotations } : {}),
  };
}
