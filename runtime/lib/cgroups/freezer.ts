/**
 * Pause/resume and signalling through the cgroup. v1: freezer.state (FROZEN/THAWED, with FREEZING in
 * between); v2: cgroup.freeze and the "frozen" key of cgroup.events (cgroup-v2.rst "Core interface
 * files"). On a hybrid host the v1 freezer is used when mounted, else the v2 core files.
 */
import { readdirSync } from "node:fs";
import { constants } from "node:os";
import { posix } from "node:path";
import { RuntimeError } from "../errors.ts";
import { errnoOf } from "../../../common/errors.ts";
import { detectCgroups } from "./detect.ts";
import { cgroupError, leafFor, placementLeaves, readCgroupFile, sleepMs, writeCgroupFile, type Leaf } from "./fs.ts";
import type { CgroupPlacement } from "./types.ts";

const TIMEOUT_MS = 10_000;

type Freezer = { kind: "v1"; file: string } | { kind: "v2"; file: string; events: string };

function freezerOf(p: CgroupPlacement): Freezer {
  const leaves = placementLeaves(p.procsFiles, detectCgroups());
  const v1 = leaves.find((l) => l.hierarchy.version === 1 && l.hierarchy.controllers.includes("freezer"));
  if (v1) return { kind: "v1", file: posix.join(v1.dir, "freezer.state") };
  const v2 = leafFor(leaves, "cgroup");
  if (v2) return { kind: "v2", file: posix.join(v2.dir, "cgroup.freeze"), events: posix.join(v2.dir, "cgroup.events") };
  throw new RuntimeError("IO", "cannot pause: the container has no freezer cgroup (no v1 freezer and no cgroup v2 hierarchy)");
}

function v2Frozen(events: string): boolean | undefined {
  const m = /^frozen (\d)$/m.exec(readCgroupFile(events) ?? "");
  return m ? m[1] === "1" : undefined;
}

/** "frozen", "freezing" or "thawed"; undefined when the cgroup is gone. */
export function freezerState(p: CgroupPlacement): "frozen" | "freezing" | "thawed" | undefined {
  const f = freezerOf(p);
  if (f.kind === "v1") {
    const s = readCgroupFile(f.file)?.trim();
    return s === "FROZEN" ? "frozen" : s === "FREEZING" ? "freezing" : s === "THAWED" ? "thawed" : undefined;
  }
  const wanted = readCgroupFile(f.file)?.trim();
  const frozen = v2Frozen(f.events);
  if (wanted === undefined || frozen === undefined) return undefined;
  return frozen ? "frozen" : wanted === "1" ? "freezing" : "thawed";
}

/** Whether the container's freezer holds it frozen (or freezing): its tasks cannot die until thawed. */
export function isFrozen(p: CgroupPlacement): boolean {
  const state = freezerState(p);
  return state === "frozen" || state === "freezing";
}

function set(f: Freezer, frozen: boolean): void {
  const value = f.kind === "v1" ? (frozen ? "FROZEN" : "THAWED") : frozen ? "1" : "0";
  try {
    writeCgroupFile(f.file, value);
  } catch (err) {
    throw cgroupError(`write ${value} to`, f.file, err);
  }
}

function reached(f: Freezer, frozen: boolean): boolean {
  if (f.kind === "v2") return v2Frozen(f.events) === frozen;
  return readCgroupFile(f.file)?.trim() === (frozen ? "FROZEN" : "THAWED");
}

/** Sets the state and waits until the kernel reports it. */
function change(p: CgroupPlacement, frozen: boolean): void {
  const f = freezerOf(p);
  const start = Date.now();
  set(f, frozen);
  for (let i = 1, delay = 1; !reached(f, frozen); i++) {
    if (Date.now() - start > TIMEOUT_MS) {
      if (frozen) set(f, false); // never leave a half-frozen container behind
      throw new RuntimeError("IO", `${frozen ? "freeze" : "thaw"} ${f.file}: still not ${frozen ? "frozen" : "thawed"} after ${TIMEOUT_MS / 1000}s`, { path: f.file });
    }
    // runc fs/freezer.go: a v1 cgroup can stay FREEZING while a task sits in an uninterruptible
    // vfork; thawing and freezing again lets it make progress.
    if (frozen && f.kind === "v1" && i % 100 === 0) set(f, false);
    if (f.kind === "v1") set(f, frozen);
    sleepMs(delay);
    delay = Math.min(delay * 2, 10);
  }
}

/**
 * The first of the container's directories that the kernel holds frozen, if any: a cgroup frozen
 * by someone else (or below a frozen parent) would freeze the container's init mid-setup, which
 * runc refuses ("container's cgroup unexpectedly frozen") rather than hang.
 */
export function frozenDir(leaves: Leaf[]): string | undefined {
  for (const leaf of leaves) {
    if (leaf.hierarchy.version === 1 && leaf.hierarchy.controllers.includes("freezer")) {
      const state = readCgroupFile(posix.join(leaf.dir, "freezer.state"))?.trim();
      if (state !== undefined && state !== "THAWED") return leaf.dir;
    }
    if (leaf.hierarchy.version === 2 && v2Frozen(posix.join(leaf.dir, "cgroup.events"))) return leaf.dir;
  }
  return undefined;
}

export function freezeCgroup(p: CgroupPlacement): void {
  change(p, true);
}

export function thawCgroup(p: CgroupPlacement): void {
  change(p, false);
}

function collectPids(dir: string, into: Set<number>): void {
  for (const line of (readCgroupFile(posix.join(dir, "cgroup.procs")) ?? "").split("\n")) {
    if (line) into.add(Number(line));
  }
  let entries: string[] = [];
  try {
    entries = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return;
  }
  for (const name of entries) collectPids(posix.join(dir, name), into);
}

/** Every process in the container's cgroups, sub-cgroups included, in any hierarchy. */
export function cgroupPids(p: CgroupPlacement): number[] {
  const pids = new Set<number>();
  for (const file of p.procsFiles) collectPids(posix.dirname(file), pids);
  return [...pids].sort((a, b) => a - b);
}

function signalNumber(signal: NodeJS.Signals | number): number {
  if (typeof signal === "number") return signal;
  const n = (constants.signals as Record<string, number | undefined>)[signal];
  if (n === undefined) throw new RuntimeError("USAGE", `unknown signal ${signal}`);
  return n;
}

function tryCgroupKill(leaves: Leaf[]): boolean {
  const v2 = leafFor(leaves, "cgroup");
  if (!v2) return false;
  const file = posix.join(v2.dir, "cgroup.kill");
  try {
    writeCgroupFile(file, "1");
    return true;
  } catch (err) {
    if (errnoOf(err) === "ENOENT") return false; // kernel before 5.14
    throw cgroupError("write 1 to", file, err);
  }
}

/** Frozen on purpose (`pause`); false where there is no freezer to ask. */
function isPaused(p: CgroupPlacement): boolean {
  try {
    return freezerState(p) === "frozen";
  } catch {
    return false;
  }
}

/**
 * Signals every process of the container. SIGKILL goes through cgroup.kill where the kernel has it
 * (atomic, nothing escapes). Otherwise the cgroup is frozen first so no process can fork a child
 * that misses the signal, then every pid is signalled and the cgroup thawed (runc signalAllProcesses).
 */
export function killCgroup(p: CgroupPlacement, signal: NodeJS.Signals | number): void {
  const sig = signalNumber(signal);
  const leaves = placementLeaves(p.procsFiles, detectCgroups());
  if (sig === 9 && tryCgroupKill(leaves)) return;
  // A paused container stays paused: its processes cannot fork, and the signals wait for `resume`
  // (thawing would resume it while its state still says paused). Frozen tasks cannot die, so
  // SIGKILL thaws it afterwards, as runc's plain kill of a paused container does.
  const paused = isPaused(p);
  let frozen = paused;
  if (!paused) {
    try {
      freezeCgroup(p);
      frozen = true;
    } catch {
      // No usable freezer: signal what is there; a forking process may leave a child behind.
    }
  }
  try {
    for (const pid of cgroupPids(p)) {
      try {
        process.kill(pid, sig);
      } catch (err) {
        if (errnoOf(err) !== "ESRCH") throw cgroupError(`signal ${sig} to pid`, String(pid), err);
      }
    }
  } finally {
    if (frozen && (!paused || sig === 9)) thawCgroup(p);
  }
}
