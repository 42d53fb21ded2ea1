/**
 * Benchmark, clients part (issue 6): wall time of `podman run --rm <busybox> true` with
 * bocker-runtime and with runc, in the same run, interleaved so both see the same machine state.
 * Prints each runtime's median and the ratio. Root only (podman with private dirs, like the tests).
 *
 *   bun bench/clients.ts [--runs N] [--runtime PATH] [--baseline PATH]
 */
import { join } from "node:path";
import { PodmanEnv } from "../test/fixtures/clients/podman.ts";
import { ok } from "../test/fixtures/clients/proc.ts";

interface Options {
  runs: number;
  runtime: string;
  baseline: string;
}

function parseOptions(argv: string[]): Options {
  const opts: Options = { runs: 20, runtime: join(import.meta.dir, "..", "dist", "bocker-runtime"), baseline: "/usr/sbin/runc" };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`${argv[i]}: missing value`);
    if (argv[i] === "--runs") opts.runs = Number(value);
    else if (argv[i] === "--runtime") opts.runtime = value;
    else if (argv[i] === "--baseline") opts.baseline = value;
    else throw new Error(`unknown argument ${argv[i]} (expected --runs N, --runtime PATH, --baseline PATH)`);
    i++;
  }
  if (!Number.isInteger(opts.runs) || opts.runs < 1) throw new Error(`--runs: expected a positive integer, got ${opts.runs}`);
  return opts;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

async function timeOneRun(env: PodmanEnv): Promise<number> {
  const start = performance.now();
  ok(await env.runContainer(["--rm"], ["true"]), `podman run --rm (${env.runtime})`);
  return performance.now() - start;
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error("bench/clients.ts needs root (podman with private roots)");
  const opts = parseOptions(process.argv.slice(2));
  const envs = [await PodmanEnv.create(opts.runtime), await PodmanEnv.create(opts.baseline)];
  try {
    for (const env of envs) await timeOneRun(env); // warm-up: page cache, podman's first-run setup
    const times: number[][] = [[], []];
    for (let i = 0; i < opts.runs; i++) {
      // alternate which goes first so drift hits both equally
      const order = i % 2 === 0 ? [0, 1] : [1, 0];
      for (const k of order) times[k]!.push(await timeOneRun(envs[k]!));
    }
    const [ours, base] = times.map(median) as [number, number];
    console.log(`podman run --rm busybox true, ${opts.runs} runs each, median wall time:`);
    console.log(`  ${opts.runtime.padEnd(40)} ${ours.toFixed(1)} ms`);
    console.log(`  ${opts.baseline.padEnd(40)} ${base.toFixed(1)} ms`);
    console.log(`  ratio (runtime / baseline): ${(ours / base).toFixed(2)}`);
  } finally {
    for (const env of envs) await env.destroy();
  }
}

await main();
