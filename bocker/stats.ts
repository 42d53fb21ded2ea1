/**
 * `bocker stats [--no-stream] [ID...]`: CPU %, memory use / limit, network and block I/O and pids
 * per container, in `docker stats`'s columns and units, refreshed every second (on a terminal in
 * place, else one table after another); `--no-stream` prints one table. The cgroup numbers come
 * from `bocker-runtime events --stats ID`, the network counters from the container's namespace
 * (/proc/<pid>/net/dev of its init). CPU % is the container's CPU time over the wall time between
 * two samples (docker divides by the host's CPU time and multiplies by the CPU count: the same),
 * so one table takes a second.
 */
import { readFileSync } from "node:fs";
import { isatty } from "node:tty";
import { writeStdout } from "../common/stdio.ts";
import { formatSchemaIssues, validateRuntimeEvent } from "../schemas/index.ts";
import type { Stats } from "../schemas/generated/types/runtime-events.ts";
import type { Context } from "./context.ts";
import { BockerError } from "./errors.ts";
import { containerPid } from "./lifecycle.ts";
import { ownerAlive, readRunState } from "./run-state.ts";

const INTERVAL_MS = 1000;

export interface Sample {
  readonly atMs: number;
  readonly cpuNs: number;
  readonly memUsed: number;
  readonly memLimit: number;
  readonly netRx: number;
  readonly netTx: number;
  readonly blkRead: number;
  readonly blkWrite: number;
  readonly pids: number;
}

/** rx and tx bytes of every interface but lo, from a /proc/<pid>/net/dev text. */
export function netBytes(text: string): { rx: number; tx: number } {
  let rx = 0;
  let tx = 0;
  for (const line of text.split("\n").slice(2)) {
    const [name, rest] = line.split(":");
    if (!rest || name!.trim() === "lo") continue;
    const f = rest.trim().split(/\s+/).map(Number);
    rx += f[0]!;
    tx += f[8]!;
  }
  return { rx, tx };
}

function hostMemory(): number {
  return Number(/MemTotal:\s+(\d+)/.exec(readFileSync("/proc/meminfo", "utf8"))?.[1] ?? 0) * 1024;
}

/** docker's memory use: usage minus the inactive page cache (cli calculateMemUsageUnixNoCache). */
export function fromRuntime(data: Stats, net: { rx: number; tx: number }, atMs: number): Sample {
  const raw = data.memory?.raw ?? {};
  const usage = data.memory?.usage?.usage ?? 0;
  const inactive = raw.total_inactive_file ?? raw.inactive_file ?? 0;
  const limit = data.memory?.usage?.limit ?? 0;
  const blk = (op: string) => (data.blkio?.ioServiceBytesRecursive ?? []).filter((e) => e.op === op).reduce((n, e) => n + (e.value ?? 0), 0);
  return {
    atMs,
    cpuNs: data.cpu?.usage?.total ?? 0,
    memUsed: inactive < usage ? usage - inactive : usage,
    memLimit: limit > 0 && limit < 2 ** 62 ? limit : hostMemory(),
    netRx: net.rx,
    netTx: net.tx,
    blkRead: blk("Read"),
    blkWrite: blk("Write"),
    pids: data.pids?.current ?? 0,
  };
}

export function sample(ctx: Context, id: string): Sample | undefined {
  const pid = containerPid(ctx, id);
  if (pid === undefined) return undefined;
  const r = ctx.tools.tryRuntime("events", "--stats", id);
  if (r.code !== 0) return undefined; // it stopped in between
  let net = { rx: 0, tx: 0 };
  try {
    net = netBytes(readFileSync(`/proc/${pid}/net/dev`, "utf8"));
  } catch {
    // gone meanwhile
  }
  return fromRuntime(runtimeStats(id, r.stdout), net, performance.now());
}

/** The stats event `bocker-runtime events --stats` printed, checked against schemas/runtime/events.json. */
export function runtimeStats(id: string, text: string): Stats {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new BockerError(`bocker-runtime events --stats ${id}: not JSON: ${text.slice(0, 200)}`, { cause: err });
  }
  const checked = validateRuntimeEvent(doc);
  if (!checked.ok) throw new BockerError(formatSchemaIssues(`bocker-runtime events --stats ${id}`, checked.errors));
  if (checked.value.type !== "stats") throw new BockerError(`bocker-runtime events --stats ${id}: expected a stats event, got ${checked.value.type}`);
  return checked.value.data;
}

/** go-units BytesSize: binary units, 4 significant digits ("1.5MiB"). */
export function binarySize(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let i = 0;
  for (; n >= 1024 && i < units.length - 1; i++) n /= 1024;
  return `${Number(n.toPrecision(4))}${units[i]}`;
}

/** go-units HumanSizeWithPrecision(n, 3): decimal units, 3 significant digits ("648B", "1.2kB"). */
export function decimalSize(n: number): string {
  const units = ["B", "kB", "MB", "GB", "TB", "PB"];
  let i = 0;
  for (; n >= 1000 && i < units.length - 1; i++) n /= 1000;
  return `${Number(n.toPrecision(3))}${units[i]}`;
}

const HEADER = ["CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "NET I/O", "BLOCK I/O", "PIDS"];

export function statsRow(id: string, name: string, prev: Sample | undefined, cur: Sample | undefined): string[] {
  if (!cur) return [id, name, "--", "-- / --", "--", "--", "--", "--"];
  const cpu = prev && cur.atMs > prev.atMs ? ((cur.cpuNs - prev.cpuNs) / ((cur.atMs - prev.atMs) * 1e6)) * 100 : 0;
  return [
    id,
    name,
    `${Math.max(cpu, 0).toFixed(2)}%`,
    `${binarySize(cur.memUsed)} / ${binarySize(cur.memLimit)}`,
    `${(cur.memLimit > 0 ? (cur.memUsed / cur.memLimit) * 100 : 0).toFixed(2)}%`,
    `${decimalSize(cur.netRx)} / ${decimalSize(cur.netTx)}`,
    `${decimalSize(cur.blkRead)} / ${decimalSize(cur.blkWrite)}`,
    String(cur.pids),
  ];
}

/** Columns padded to their widest cell plus three spaces, as docker's tabwriter lays them out. */
export function formatTable(rows: string[][]): string {
  const all = [HEADER, ...rows];
  const widths = HEADER.map((_, c) => Math.max(...all.map((r) => r[c]!.length)));
  return all.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]! + 3))).join("") + "\n").join("");
}

/** The containers to show: those named, else every running one (looked up again each round). */
function targets(ctx: Context, named: readonly string[]): string[] {
  if (named.length > 0) return named.map((n) => ctx.store.resolveContainer(n));
  return ctx.store.list("ps").filter((id) => {
    const s = readRunState(ctx.store.containerDir(id));
    return s.status === "running" && ownerAlive(s);
  });
}

export async function showStats(ctx: Context, named: readonly string[], stream: boolean): Promise<void> {
  const tty = stream && isatty(1);
  let prev = new Map<string, Sample | undefined>();
  for (const id of targets(ctx, named)) prev.set(id, sample(ctx, id));
  for (;;) {
    await Bun.sleep(INTERVAL_MS);
    const cur = new Map<string, Sample | undefined>();
    const rows = targets(ctx, named).map((id) => {
      cur.set(id, sample(ctx, id));
      return statsRow(id, ctx.store.nameOf(id) ?? id, prev.get(id), cur.get(id));
    });
    // On a terminal: home and clear, then the table, as docker stats redraws in place.
    writeStdout(`${tty ? "\x1b[H\x1b[2J" : ""}${formatTable(rows)}`);
    if (!stream) return;
    prev = cur;
  }
}
