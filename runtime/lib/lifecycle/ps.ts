/**
 * runc ps: the processes in the container's cgroups, as a sorted pid list, or as the rows of the
 * host's ps(1) (run with the caller's options, default -ef) whose PID column holds one of them.
 */
import { cgroupPids } from "../cgroups/index.ts";
import { RuntimeError } from "../errors.ts";
import { containerDir, readRecord } from "../state.ts";

export function containerPids(root: string, id: string): number[] {
  const rec = readRecord(containerDir(root, id));
  if (!rec.cgroup) throw new RuntimeError("STATE_CORRUPT", `container ${id} has no recorded cgroup`);
  return cgroupPids(rec.cgroup).sort((a, b) => a - b);
}

/** ps(1)'s header and the lines of `pids`, newline-terminated. */
export function psTable(pids: readonly number[], psOptions: readonly string[]): string {
  const r = Bun.spawnSync(["ps", ...(psOptions.length > 0 ? psOptions : ["-ef"])]);
  if (r.exitCode !== 0) throw new RuntimeError("IO", `ps failed: ${r.stderr.toString().trim()}`);
  const lines = r.stdout.toString().split("\n");
  const header = lines[0] ?? "";
  const pidColumn = header.trim().split(/\s+/).indexOf("PID");
  if (pidColumn < 0) throw new RuntimeError("IO", "ps output has no PID column");
  const wanted = new Set(pids);
  const rows = lines.slice(1).filter((l) => wanted.has(Number(l.trim().split(/\s+/)[pidColumn])));
  return [header, ...rows].join("\n") + "\n";
}
