/**
 * Showing pull/push progress: on a TTY, one cli-progress bar per blob plus an overall bar (bytes
 * and rate); otherwise one plain line per blob; nothing with --quiet. Output goes to stderr, never
 * stdout, so `pull -q` output stays machine-readable. Off a TTY it is written with write(2):
 * process.stderr is a Node stream built on first use, ~13 ms that a scripted pull would pay.
 */
import type { SingleBar } from "cli-progress";
import { writeStderr } from "../../common/stdio.ts";
import { isatty } from "../lib/sys/libc.ts";
import type { Descriptor } from "../lib/image/types.ts";
import type { TransferProgress } from "../lib/transfer-progress.ts";

export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

function short(digest: string): string {
  return digest.replace(/^sha256:/, "").slice(0, 12);
}

export interface ProgressDisplay extends TransferProgress {
  stop(): void;
}

/** cli-progress is imported only for a TTY: off a TTY (scripts, CI) pull starts ~10 ms faster. */
export async function createProgressDisplay(opts: { quiet: boolean; verb?: string }): Promise<ProgressDisplay> {
  const verb = opts.verb ?? "Downloaded";
  if (opts.quiet) return { stop() {} };
  if (!isatty(2)) {
    return {
      resolved: (name, d) => writeStderr(`${name}: resolved to ${d.digest}\n`),
      blobDone: (d, how) => writeStderr(`${short(d.digest)}: ${how === "transferred" ? `${verb.toLowerCase()} ${formatBytes(d.size)}` : how === "exists" ? "already exists" : "mounted"}\n`),
      // Only the outcome off a TTY: one line per layer, as for its download.
      layer: (d, e) => {
        if (e.phase === "applied") writeStderr(`${short(d.digest)}: unpacked (${e.entries} entries)\n`);
        else if (e.phase === "exists") writeStderr(`${short(d.digest)}: unpacked already\n`);
      },
      stop() {},
    };
  }
  // Named imports: a default import of this CommonJS package breaks `bun build --bytecode`.
  const { MultiBar, Presets } = await import("cli-progress");
  const started = Date.now();
  const multi = new MultiBar(
    {
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: false,
      format: "{label} |{bar}| {done}/{all} {rate}",
      barsize: 30,
      fps: 10,
    },
    Presets.shades_classic,
  );
  const bars = new Map<string, SingleBar>();
  const progress = new Map<string, number>();
  let total = 0;
  let stopped = false;
  let done = 0;
  const overall = multi.create(1, 0, { label: "total       ", done: "0 B", all: "0 B", rate: "" });
  const payload = (label: string, value: number, all: number) => ({
    label,
    done: formatBytes(value),
    all: formatBytes(all),
    rate: `${formatBytes(value / Math.max(0.001, (Date.now() - started) / 1000))}/s`,
  });
  const refreshOverall = () => overall.update(done, payload("total       ", done, total));
  return {
    blobStart(d: Descriptor) {
      total += d.size;
      overall.setTotal(Math.max(1, total));
      bars.set(d.digest, multi.create(Math.max(1, d.size), 0, payload(short(d.digest), 0, d.size)));
      progress.set(d.digest, 0);
      refreshOverall();
    },
    blobBytes(d, n) {
      const v = (progress.get(d.digest) ?? 0) + n;
      progress.set(d.digest, v);
      done += n;
      bars.get(d.digest)?.update(v, payload(short(d.digest), v, d.size));
      refreshOverall();
    },
    blobDone(d, how) {
      const v = progress.get(d.digest) ?? 0;
      done += d.size - v;
      bars.get(d.digest)?.update(Math.max(1, d.size), { ...payload(short(d.digest), d.size, d.size), rate: how === "transferred" ? "done" : how });
      refreshOverall();
    },
    layer(d, e) {
      bars.get(d.digest)?.update({ rate: e.phase === "applying" ? "unpacking" : "unpacked" });
    },
    stop() {
      if (stopped) return;
      stopped = true;
      multi.stop();
    },
  };
}
