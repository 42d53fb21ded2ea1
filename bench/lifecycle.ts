/**
 * bench/lifecycle: bocker-runtime against runc (and crun when it works on this host), same
 * bundle, same run, interleaved so drift hits every runtime alike. Two measurements:
 *   run   `run ID` of /bin/true: create + start + wait + delete
 *   cs    `create ID` + `start ID` (the delete afterwards is not timed)
 * Two unrecorded warm-up rounds first (page cache, cgroup hierarchies, the kernel's first-use
 * paths), then the recorded rounds, alternating which runtime goes first. Prints the load average
 * before and after, median / mean / min per runtime and the ratio runtime/bocker of the medians
 * (>1 means bocker is faster). Then the memory a created container's waiting init holds (RSS, PSS).
 * Usage (root): bun bench/lifecycle.ts [iterations=30]; needs dist/ built (npm run build).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { makeBusyboxRootfs } from "../common/busybox-rootfs.ts";
import { defaultSpec } from "../runtime/lib/default-spec.ts";

const iterations = Number(process.argv[2] ?? 30);
const repo = join(import.meta.dir, "..");
const work = mkdtempSync(join(tmpdir(), "bocker-bench-"));

interface Runtime {
  name: string;
  bin: string;
  root: string;
  run: number[];
  cs: number[];
  /** MiB of the waiting init: resident, and proportional (shared pages divided among their users). */
  rss: number[];
  pss: number[];
}

/**
 * stderr goes to a file, not a pipe: a detached container inherits the runtime's stdio, so a pipe
 * would not reach EOF until the container exits (true of runc as well).
 */
function sh(argv: string[]): { code: number; err: string } {
  const errFile = join(work, "stderr");
  const r = Bun.spawnSync(argv, { stdout: "ignore", stderr: Bun.file(errFile) });
  return { code: r.exitCode, err: readFileSync(errFile, "utf8") };
}

function timed(argv: string[]): number {
  const t = performance.now();
  const r = sh(argv);
  const ms = performance.now() - t;
  if (r.code !== 0) throw new Error(`${argv.join(" ")} failed (${r.code}): ${r.err}`);
  return ms;
}

function stats(xs: number[]): { median: number; mean: number; min: number } {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, mean: xs.reduce((a, b) => a + b, 0) / xs.length, min: s[0]! };
}

try {
  const bundle = join(work, "bundle");
  mkdirSync(bundle);
  makeBusyboxRootfs(join(bundle, "rootfs"));
  // runc's `spec` defaults (no seccomp: runc spec writes none), not a terminal, /bin/true.
  const spec = defaultSpec();
  delete spec.linux!.seccomp;
  spec.process!.terminal = false;
  spec.process!.args = ["/bin/true"];
  writeFileSync(join(bundle, "config.json"), JSON.stringify(spec, null, 2));

  const candidates: Array<[string, string]> = [
    ["bocker-runtime", join(repo, "dist", "bocker-runtime")],
    ["runc", "/usr/sbin/runc"],
    ["crun", "/usr/bin/crun"],
  ];
  const runtimes: Runtime[] = [];
  for (const [name, bin] of candidates) {
    const found = existsSync(bin) ? bin : Bun.which(name);
    if (!found) {
      console.log(`${name}: not installed, skipped`);
      continue;
    }
    const rt: Runtime = { name, bin: found, root: join(work, `root-${name}`), run: [], cs: [], rss: [], pss: [] };
    const probe = sh([found, "--root", rt.root, "run", "--bundle", bundle, `probe-${name}`]);
    if (probe.code !== 0) {
      console.log(`${name}: does not work on this host, skipped (${probe.err.trim().split("\n").at(-1)})`);
      sh([found, "--root", rt.root, "delete", "--force", `probe-${name}`]);
      continue;
    }
    runtimes.push(rt);
  }
  if (!runtimes.some((r) => r.name === "bocker-runtime")) throw new Error("dist/bocker-runtime does not work: build it first");

  const load = () => loadavg().map((l) => l.toFixed(2)).join(" ");
  const loadBefore = load();
  const WARMUP = 2;
  for (let i = -WARMUP; i < iterations; i++) {
    const order = i % 2 === 0 ? runtimes : [...runtimes].reverse();
    for (const rt of order) {
      const base = [rt.bin, "--root", rt.root];
      const tag = i < 0 ? `w${-i}` : String(i);
      const run = timed([...base, "run", "--bundle", bundle, `r${tag}`]);
      const id = `c${tag}`;
      const cs = timed([...base, "create", "--bundle", bundle, id]) + timed([...base, "start", id]);
      if (i >= 0) {
        rt.run.push(run);
        rt.cs.push(cs);
      }
      // /bin/true exits at once; delete (not timed) once it has.
      for (let k = 0; k < 100 && sh([...base, "delete", id]).code !== 0; k++) Bun.sleepSync(5);
    }
  }

  // Memory of the container's init while it waits for `start` (what every created container
  // costs until then): RSS and PSS from /proc/<pid>/smaps_rollup, after the timed rounds so the
  // extra `state` calls do not disturb them.
  for (const rt of runtimes) {
    const base = [rt.bin, "--root", rt.root];
    for (let i = 0; i < 5; i++) {
      const id = `m${i}`;
      timed([...base, "create", "--bundle", bundle, id]);
      const pid = JSON.parse(Bun.spawnSync([...base, "state", id]).stdout.toString()).pid as number;
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
      const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(rollup)?.[1] ?? NaN);
      rt.rss.push(kb("Rss") / 1024);
      rt.pss.push(kb("Pss") / 1024);
      sh([...base, "delete", "--force", id]);
    }
  }

  const bocker = runtimes.find((r) => r.name === "bocker-runtime")!;
  console.log(`\n${iterations} iterations after ${WARMUP} warm-up rounds, bundle ${bundle} (busybox, runc spec defaults without seccomp)`);
  console.log(`load average before: ${loadBefore}, after: ${load()}\n`);
  console.log("runtime          run /bin/true (median / mean / min ms)   create+start (median / mean / min ms)   ratio vs bocker (run, create+start)");
  const fmt = (x: { median: number; mean: number; min: number }) => `${x.median.toFixed(1)} / ${x.mean.toFixed(1)} / ${x.min.toFixed(1)}`;
  for (const rt of runtimes) {
    const run = stats(rt.run);
    const cs = stats(rt.cs);
    const ratio = `${(run.median / stats(bocker.run).median).toFixed(2)}x, ${(cs.median / stats(bocker.cs).median).toFixed(2)}x`;
    console.log(`${rt.name.padEnd(16)} ${fmt(run).padEnd(40)} ${fmt(cs).padEnd(39)} ${rt === bocker ? "-" : ratio}`);
  }
  console.log("\nwaiting container init (created, not started), median of 5: RSS / PSS");
  for (const rt of runtimes) console.log(`${rt.name.padEnd(16)} ${stats(rt.rss).median.toFixed(1)} MiB / ${stats(rt.pss).median.toFixed(1)} MiB`);
} finally {
  for (const name of ["bocker-runtime", "runc", "crun"]) {
    const root = join(work, `root-${name}`);
    if (!existsSync(root)) continue;
    const bin = name === "bocker-runtime" ? join(repo, "dist", "bocker-runtime") : (Bun.which(name) ?? name);
    for (const id of new Bun.Glob("*").scanSync({ cwd: root, onlyFiles: false })) sh([bin, "--root", root, "delete", "--force", id]);
  }
  rmSync(work, { recursive: true, force: true });
}
