/**
 * Shared pieces of the cgroup integration tests: unique ids, a sleeping process we start and move
 * into a placement, and cleanup that kills what we started and removes what setupCgroup created.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from "node:fs";
import { posix } from "node:path";
import type { Subprocess } from "bun";
import { destroyCgroup, detectCgroups, type CgroupPlacement } from "../../../runtime/lib/cgroups/index.ts";
import type { Cleanup } from "../../../common/cleanup.ts";

/** A pure cgroup v2 host (test/v2/run.sh's VM): one hierarchy at /sys/fs/cgroup, no v1 controllers. */
export const PURE_V2 = detectCgroups().mode === "v2";

let counter = 0;
export function uniqueId(tag: string): string {
  return `bocker-cgtest-${process.pid}-${tag}-${++counter}`;
}

export function read(dir: string, file: string): string {
  return readFileSync(posix.join(dir, file), "utf8").trim();
}

/**
 * The placement's directory in the hierarchy mounted at /sys/fs/cgroup/<name>; on a pure v2 host
 * the one directory, whatever the name (every controller, and "unified", live there).
 */
export function leafIn(p: CgroupPlacement, name: string): string {
  if (PURE_V2 && p.procsFiles.length === 1) return posix.dirname(p.procsFiles[0]!);
  const dir = p.procsFiles.map((f) => posix.dirname(f)).find((d) => d.startsWith(`/sys/fs/cgroup/${name}/`));
  if (!dir) throw new Error(`placement has no ${name} directory: ${p.procsFiles.join(", ")}`);
  return dir;
}

/** Where the default rule puts id in every hierarchy: under this process's own cgroup (pure v2: its parent). */
export function defaultDirs(id: string): string[] {
  return detectCgroups().hierarchies.map((h) => posix.join(h.mountpoint, PURE_V2 ? posix.dirname(h.ownPath) : h.ownPath, id));
}

/** The placement's directory in whichever hierarchy holds `controller` (v1 or the cgroup2 mount). */
export function leafOfController(p: CgroupPlacement, controller: string): string {
  const h = detectCgroups().hierarchies.find((x) => x.controllers.includes(controller));
  const dir = h && p.procsFiles.map((f) => posix.dirname(f)).find((d) => d.startsWith(`${h.mountpoint}/`));
  if (!dir) throw new Error(`placement has no ${controller} directory: ${p.procsFiles.join(", ")}`);
  return dir;
}

/** This host's block devices (throttle and weight rules need real ones), each with its I/O scheduler. */
export function blockDevices(): Array<{ major: number; minor: number; scheduler: string }> {
  return readdirSync("/sys/block").flatMap((name) => {
    const dev = /^(\d+):(\d+)$/.exec(readFileSync(`/sys/block/${name}/dev`, "utf8").trim());
    const scheduler = existsSync(`/sys/block/${name}/queue/scheduler`) ? /\[(\S+)\]/.exec(readFileSync(`/sys/block/${name}/queue/scheduler`, "utf8"))?.[1] ?? "" : "";
    return dev ? [{ major: Number(dev[1]), minor: Number(dev[2]), scheduler }] : [];
  });
}

/** Registers the placement's removal (a no-op if the test already destroyed it). */
export function track(cleanup: Cleanup, p: CgroupPlacement): CgroupPlacement {
  cleanup.add(`destroy cgroup ${p.path}`, () => destroyCgroup(p));
  return p;
}

/** A `sleep` we start, killed by cleanup whatever happens. */
export function startSleep(cleanup: Cleanup): Subprocess {
  const proc = Bun.spawn(["sleep", "1000"], { stdio: ["ignore", "ignore", "ignore"] });
  cleanup.add(`kill sleep ${proc.pid}`, async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
    await proc.exited;
  });
  return proc;
}

/** Moves pid into every hierarchy of the placement, as the runtime does for the container process. */
export function enter(p: CgroupPlacement, pid: number): void {
  for (const f of p.procsFiles) writeFileSync(f, String(pid));
}

export function procState(pid: number): string {
  return /^State:\s+(\S)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? "?";
}

/** A directory we make ourselves to stand for a cgroup someone else owns. */
export function foreignCgroup(cleanup: Cleanup, dir: string): string {
  mkdirSync(dir);
  cleanup.add(`rmdir foreign ${dir}`, () => existsSync(dir) && rmdirSync(dir));
  return dir;
}
