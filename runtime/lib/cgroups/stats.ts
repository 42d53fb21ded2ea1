/**
 * `events --stats` data in runc's JSON shape (runc types/events.go Stats; omitempty fields are left
 * out when zero), read from whichever hierarchy holds each controller: cpuacct/cpu/memory/pids/
 * blkio/cpuset on v1; cpu.stat, memory, pids and io.stat on v2; hugetlb on either. Counters above
 * 2^53 ("unlimited" limits) lose precision as JSON numbers. The shape is schemas/runtime/events.json.
 */
import { readdirSync } from "node:fs";
import { posix } from "node:path";
import type { BlkioEntry, Blkio, Cpu, CpuSet, Hugetlb, Memory, MemoryEntry, Stats } from "../../../schemas/generated/types/runtime-events.ts";
import { detectCgroups } from "./detect.ts";
import { leafFor, placementLeaves, readCgroupFile, type Leaf } from "./fs.ts";
import type { CgroupPlacement } from "./types.ts";

const USER_HZ = 100; // cpuacct.stat counts in USER_HZ ticks, which is 100 on every Linux ABI

/** Drops zero numbers, empty arrays and undefined: Go's omitempty. */
function omitEmpty<T extends object>(o: T, keep: ReadonlyArray<keyof T & string> = []): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (keep.includes(k as keyof T & string) || !(v === undefined || v === 0 || (Array.isArray(v) && v.length === 0))) out[k] = v ?? 0;
  }
  return out as T;
}

function read(dir: string | undefined, file: string): string | undefined {
  return dir === undefined ? undefined : readCgroupFile(posix.join(dir, file))?.trim();
}

function uint(dir: string | undefined, file: string): number {
  const s = read(dir, file);
  if (!s || s === "max") return 0;
  const n = Number(s.split(/\s+/)[0]);
  return Number.isFinite(n) ? n : 0;
}

/** "key value" lines → map (memory.stat, cpu.stat, cpuacct.stat, memory.oom_control). */
export function keyValues(text: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of (text ?? "").split("\n")) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && /^-?\d+$/.test(v)) out[k] = Number(v);
  }
  return out;
}

function cpuList(s: string | undefined): number[] {
  const out: number[] = [];
  for (const part of (s ?? "").split(",").filter(Boolean)) {
    const [a, b] = part.split("-").map(Number);
    for (let i = a!; i <= (b ?? a!); i++) out.push(i);
  }
  return out;
}

function cpuStats(leaves: Leaf[]): Cpu {
  const acct = leafFor(leaves, "cpuacct");
  const cpu = leafFor(leaves, "cpu");
  if (acct && acct.hierarchy.version === 1) {
    const stat = keyValues(read(acct.dir, "cpuacct.stat"));
    const all = (read(acct.dir, "cpuacct.usage_all") ?? "").split("\n").slice(1).map((l) => l.trim().split(/\s+/).map(Number));
    const throttle = keyValues(read(cpu?.dir, "cpu.stat"));
    return {
      usage: omitEmpty(
        {
          total: uint(acct.dir, "cpuacct.usage"),
          percpu: (read(acct.dir, "cpuacct.usage_percpu") ?? "").split(/\s+/).filter(Boolean).map(Number),
          percpu_kernel: all.filter((r) => r.length === 3).map((r) => r[2]!),
          percpu_user: all.filter((r) => r.length === 3).map((r) => r[1]!),
          kernel: ((stat.system ?? 0) * 1e9) / USER_HZ,
          user: ((stat.user ?? 0) * 1e9) / USER_HZ,
        },
        ["kernel", "user"],
      ),
      throttling: omitEmpty({ periods: throttle.nr_periods, throttledPeriods: throttle.nr_throttled, throttledTime: throttle.throttled_time }),
    };
  }
  const v2 = leafFor(leaves, "cgroup");
  const s = keyValues(read(v2?.dir, "cpu.stat"));
  return {
    usage: omitEmpty({ total: (s.usage_usec ?? 0) * 1000, kernel: (s.system_usec ?? 0) * 1000, user: (s.user_usec ?? 0) * 1000 }, ["kernel", "user"]),
    throttling: omitEmpty({ periods: s.nr_periods, throttledPeriods: s.nr_throttled, throttledTime: (s.throttled_usec ?? 0) * 1000 }),
  };
}

function memoryEntry(dir: string | undefined, prefix: string, v2: boolean): MemoryEntry {
  if (v2) return omitEmpty({ limit: read(dir, `${prefix}.max`) === "max" ? 2 ** 64 - 1 : uint(dir, `${prefix}.max`), usage: uint(dir, `${prefix}.current`), max: uint(dir, `${prefix}.peak`), failcnt: 0 }, ["limit", "failcnt"]);
  return omitEmpty(
    { limit: uint(dir, `${prefix}.limit_in_bytes`), usage: uint(dir, `${prefix}.usage_in_bytes`), max: uint(dir, `${prefix}.max_usage_in_bytes`), failcnt: uint(dir, `${prefix}.failcnt`) },
    ["limit", "failcnt"],
  );
}

function memoryStats(leaves: Leaf[]): Memory {
  const leaf = leafFor(leaves, "memory");
  if (!leaf) return { usage: { limit: 0, failcnt: 0 }, swap: { limit: 0, failcnt: 0 }, kernel: { limit: 0, failcnt: 0 }, kernelTCP: { limit: 0, failcnt: 0 } };
  const raw = keyValues(read(leaf.dir, "memory.stat"));
  const v2 = leaf.hierarchy.version === 2;
  return omitEmpty(
    {
      cache: v2 ? raw.file : raw.cache,
      usage: memoryEntry(leaf.dir, "memory", v2),
      swap: memoryEntry(leaf.dir, v2 ? "memory.swap" : "memory.memsw", v2),
      kernel: v2 ? { limit: 0, failcnt: 0 } : memoryEntry(leaf.dir, "memory.kmem", false),
      kernelTCP: v2 ? { limit: 0, failcnt: 0 } : memoryEntry(leaf.dir, "memory.kmem.tcp", false),
      raw: Object.keys(raw).length > 0 ? raw : undefined,
    },
    ["usage", "swap", "kernel", "kernelTCP"],
  );
}

/** blkio "MAJ:MIN Op Value" lines (v1) → runc BlkioEntry objects. */
export function blkioEntries(text: string | undefined): BlkioEntry[] {
  const out: BlkioEntry[] = [];
  for (const line of (text ?? "").split("\n")) {
    const [dev, op, value] = line.trim().split(/\s+/);
    const m = /^(\d+):(\d+)$/.exec(dev ?? "");
    if (!m || op === undefined || value === undefined) continue;
    out.push(omitEmpty({ major: Number(m[1]), minor: Number(m[2]), op, value: Number(value) }));
  }
  return out;
}

/** v2 io.stat "MAJ:MIN rbytes=… wbytes=… rios=… wios=…" → the v1-shaped lists (runc fs2 statIo). */
export function ioStatEntries(text: string | undefined): { bytes: BlkioEntry[]; ios: BlkioEntry[] } {
  const bytes: BlkioEntry[] = [];
  const ios: BlkioEntry[] = [];
  for (const line of (text ?? "").split("\n")) {
    const [dev, ...kvs] = line.trim().split(/\s+/);
    const m = /^(\d+):(\d+)$/.exec(dev ?? "");
    if (!m) continue;
    for (const kv of kvs) {
      const [k, v] = kv.split("=");
      const target = { rbytes: [bytes, "Read"], wbytes: [bytes, "Write"], rios: [ios, "Read"], wios: [ios, "Write"] }[k ?? ""] as [BlkioEntry[], string] | undefined;
      if (target) target[0].push(omitEmpty({ major: Number(m[1]), minor: Number(m[2]), op: target[1], value: Number(v) }));
    }
  }
  return { bytes, ios };
}

function blkioStats(leaves: Leaf[]): Blkio {
  const v1 = leaves.find((l) => l.hierarchy.version === 1 && l.hierarchy.controllers.includes("blkio"));
  if (v1) {
    // runc's order: BFQ statistics when the scheduler provides them, else the throttle layer's.
    const prefix = read(v1.dir, "blkio.bfq.io_service_bytes_recursive") !== undefined ? "blkio.bfq" : "blkio.throttle";
    return omitEmpty({
      ioServiceBytesRecursive: blkioEntries(read(v1.dir, `${prefix}.io_service_bytes_recursive`)),
      ioServicedRecursive: blkioEntries(read(v1.dir, `${prefix}.io_serviced_recursive`)),
    });
  }
  const v2 = leafFor(leaves, "io");
  const { bytes, ios } = ioStatEntries(read(v2?.dir, "io.stat"));
  return omitEmpty({ ioServiceBytesRecursive: bytes, ioServicedRecursive: ios });
}

function hugetlbStats(leaves: Leaf[]): Record<string, Hugetlb> {
  const leaf = leafFor(leaves, "hugetlb");
  const out: Record<string, Hugetlb> = {};
  if (!leaf) return out;
  let sizes: string[] = [];
  try {
    sizes = readdirSync(leaf.dir).map((f) => /^hugetlb\.([0-9]+[KMG]B)\.(limit_in_bytes|max)$/.exec(f)?.[1]).filter((s): s is string => !!s);
  } catch {
    return out;
  }
  for (const size of sizes) {
    const p = `hugetlb.${size}`;
    out[size] =
      leaf.hierarchy.version === 1
        ? omitEmpty({ usage: uint(leaf.dir, `${p}.usage_in_bytes`), max: uint(leaf.dir, `${p}.max_usage_in_bytes`), failcnt: uint(leaf.dir, `${p}.failcnt`) }, ["failcnt"])
        : omitEmpty({ usage: uint(leaf.dir, `${p}.current`), failcnt: keyValues(read(leaf.dir, `${p}.events`)).max ?? 0 }, ["failcnt"]);
  }
  return out;
}

function cpusetStats(leaves: Leaf[]): CpuSet {
  const leaf = leafFor(leaves, "cpuset");
  const d = leaf?.dir;
  const v = (f: string) => uint(d, `cpuset.${f}`);
  return {
    ...omitEmpty({ cpus: cpuList(read(d, "cpuset.cpus")) }),
    cpu_exclusive: v("cpu_exclusive"),
    ...omitEmpty({ mems: cpuList(read(d, "cpuset.mems")) }),
    mem_hardwall: v("mem_hardwall"),
    mem_exclusive: v("mem_exclusive"),
    memory_migrate: v("memory_migrate"),
    memory_spread_page: v("memory_spread_page"),
    memory_spread_slab: v("memory_spread_slab"),
    memory_pressure: v("memory_pressure"),
    sched_load_balance: v("sched_load_balance"),
    sched_relax_domain_level: v("sched_relax_domain_level"),
  };
}

/** The `data` of a runc `events --stats` event for this container. */
export function cgroupStats(p: CgroupPlacement): Stats {
  const leaves = placementLeaves(p.procsFiles, detectCgroups());
  const pids = leafFor(leaves, "pids");
  return {
    cpu: cpuStats(leaves),
    cpuset: cpusetStats(leaves),
    memory: memoryStats(leaves),
    pids: omitEmpty({ current: uint(pids?.dir, "pids.current"), limit: uint(pids?.dir, "pids.max") }),
    blkio: blkioStats(leaves),
    hugetlb: hugetlbStats(leaves),
    intel_rdt: {},
    network_interfaces: null,
  };
}
