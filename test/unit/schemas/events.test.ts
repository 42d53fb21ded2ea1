/**
 * schemas/runtime/events.json: what `events` prints. Checked on a line recorded from runc 1.x on
 * a cgroup v1 host (memory.stat trimmed) and on bocker's own shape, including the v2 and empty
 * cases cgroups/stats.ts produces; the generated Event type compiles against both.
 */
import { describe, expect, test } from "bun:test";
import { formatSchemaIssues, validateRuntimeEvent, type Event, type Stats } from "../../../schemas/index.ts";

/** `runc events --stats` of a busybox `sleep` with memory and pids limits (this machine, hybrid v1). */
const RUNC_STATS: Event = {
  type: "stats",
  id: "c16",
  data: {
    cpu: { usage: { total: 18553203, percpu: [0, 18553203], percpu_kernel: [0, 8000000], percpu_user: [0, 0], kernel: 10000000, user: 0 }, throttling: {} },
    cpuset: { cpus: [0, 1], cpu_exclusive: 0, mems: [0], mem_hardwall: 0, mem_exclusive: 0, memory_migrate: 0, memory_spread_page: 0, memory_spread_slab: 0, memory_pressure: 0, sched_load_balance: 1, sched_relax_domain_level: -1 },
    memory: {
      usage: { limit: 67108864, usage: 487424, max: 2527232, failcnt: 0 },
      swap: { limit: 9223372036854771712, usage: 487424, max: 2527232, failcnt: 0 },
      kernel: { limit: 9223372036854771712, usage: 241664, max: 520192, failcnt: 0 },
      kernelTCP: { limit: 9223372036854771712, failcnt: 0 },
      raw: { active_anon: 4096, cache: 0, hierarchical_memory_limit: 67108864, rss: 49152, total_rss: 49152 },
    },
    pids: { current: 1, limit: 20 },
    blkio: {},
    hugetlb: {},
    intel_rdt: {},
    network_interfaces: null,
  },
};

/** bocker on cgroup v2: unlimited memory is 2^64-1, io.stat entries, hugetlb per page size. */
const BOCKER_V2: Stats = {
  cpu: { usage: { total: 3524000, kernel: 1000000, user: 2524000 }, throttling: { periods: 4, throttledPeriods: 1, throttledTime: 5000 } },
  cpuset: { cpus: [0, 1], cpu_exclusive: 0, mems: [0], mem_hardwall: 0, mem_exclusive: 0, memory_migrate: 0, memory_spread_page: 0, memory_spread_slab: 0, memory_pressure: 0, sched_load_balance: 0, sched_relax_domain_level: 0 },
  memory: { cache: 4096, usage: { limit: 2 ** 64 - 1, usage: 278528, failcnt: 0 }, swap: { limit: 2 ** 64 - 1, failcnt: 0 }, kernel: { limit: 0, failcnt: 0 }, kernelTCP: { limit: 0, failcnt: 0 } },
  pids: { current: 1 },
  blkio: { ioServiceBytesRecursive: [{ major: 254, op: "Read", value: 1024 }], ioServicedRecursive: [{ major: 254, op: "Read", value: 1 }] },
  hugetlb: { "2MB": { failcnt: 0 }, "1GB": { usage: 0, failcnt: 0 } },
  intel_rdt: {},
  network_interfaces: null,
};

function rejected(doc: unknown): string {
  const r = validateRuntimeEvent(doc);
  if (r.ok) throw new Error(`expected ${JSON.stringify(doc).slice(0, 80)} to be rejected`);
  return formatSchemaIssues("events", r.errors);
}

describe("events.json", () => {
  test("runc's stats line and bocker's v2 shape are stats events", () => {
    expect(validateRuntimeEvent(RUNC_STATS).ok).toBe(true);
    expect(validateRuntimeEvent({ type: "stats", id: "x", data: BOCKER_V2 }).ok).toBe(true);
  });

  test("an oom event has a type and an id only", () => {
    const oom: Event = { type: "oom", id: "c1" };
    expect(validateRuntimeEvent(oom).ok).toBe(true);
  });

  test("a stats event without data, or an unknown type, is refused", () => {
    expect(rejected({ type: "stats", id: "x" })).toContain("data");
    expect(validateRuntimeEvent({ type: "memoryThreshold", id: "x" }).ok).toBe(false);
    expect(validateRuntimeEvent({ type: "oom" }).ok).toBe(false);
  });

  test("counters are unsigned integers; sched_relax_domain_level may be negative", () => {
    const negative = structuredClone(RUNC_STATS) as { data: Stats };
    negative.data.pids.current = -1;
    expect(rejected(negative)).toContain("/data/pids/current");
    const fraction = structuredClone(RUNC_STATS) as { data: Stats };
    fraction.data.cpu.usage.kernel = 1.5;
    expect(rejected(fraction)).toContain("/data/cpu/usage/kernel");
  });

  test("the always-present parts of runc's Stats are required (Go fields without omitempty)", () => {
    const noCpuset = structuredClone(RUNC_STATS) as { data: Partial<Stats> };
    delete noCpuset.data.cpuset;
    expect(rejected(noCpuset)).toContain("cpuset");
    const noFailcnt = structuredClone(RUNC_STATS) as { data: Stats };
    delete (noFailcnt.data.memory.usage as Partial<Stats["memory"]["usage"]>).failcnt;
    expect(rejected(noFailcnt)).toContain("failcnt");
  });
});
