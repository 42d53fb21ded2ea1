/**
 * Drives dist/bocker-init directly, the way lib/process/helper.ts does: the plan and the messages
 * travel over an extra stdio slot (Bun's "pipe" there is a unix socket), preserved fds sit between
 * stdio and the sync fd. Constants are the kernel's, spelled out for hand-built plans.
 */
import { writeSync } from "node:fs";
import { encodePlan } from "../../../runtime/lib/plan/encode.ts";
import type { Plan, Step } from "../../../runtime/lib/plan/steps.ts";
import type { OpName } from "../../../runtime/lib/plan/opcodes.ts";
import { distBinary } from "../../fixtures/dist.ts";

export const CLONE = { NEWNS: 0x20000, NEWCGROUP: 0x2000000, NEWUTS: 0x4000000, NEWIPC: 0x8000000, NEWUSER: 0x10000000, NEWPID: 0x20000000, NEWNET: 0x40000000 };
export const MS = { RDONLY: 1, NOSUID: 2, NODEV: 4, NOEXEC: 8, REMOUNT: 32, BIND: 4096, REC: 16384, PRIVATE: 1 << 18, SLAVE: 1 << 19 };
export const O = { RDONLY: 0, PATH: 0o10000000 };

export const s = (op: OpName, ...args: Step["args"]): Step => ({ op, args, origin: 0 });
export const at = (origin: number, op: OpName, ...args: Step["args"]): Step => ({ op, args, origin });

export interface HelperResult {
  lines: string[];
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface HelperOptions {
  stdin?: "ignore" | "pipe";
  preserved?: number[];
  /** fds handed to the helper after the preserved ones but not counted as preserved: must be closed. */
  extra?: number[];
  /** Called for every line; may reply (e.g. to `hooks`). */
  onLine?: (line: string, reply: (data: string) => void) => void | Promise<void>;
  /** Raw bytes instead of an encoded plan (parser tests). */
  raw?: Uint8Array;
}

/**
 * The lines other than stage1's `init <pid>`: stage2 runs as soon as it is forked, so its first
 * message (`hooks`, an error) can reach the socket before stage1 has written `init <pid>`.
 */
export const withoutInit = (lines: readonly string[]): string[] => lines.filter((l) => !/^init \d+$/.test(l));

export const DEFAULT_STATE = '{"ociVersion":"1.2.0","id":"t","status":"creating","pid":1,"bundle":"/"}';

/** Replies `ok <len>\n<state>` to `hooks`, like Bun after prestart/createRuntime hooks. */
export function replyToHooks(state = DEFAULT_STATE, listener?: string) {
  return (line: string, reply: (data: string) => void) => {
    if (line !== "hooks") return;
    const a = Buffer.byteLength(state);
    reply(listener === undefined ? `ok ${a}\n${state}` : `ok ${a} ${Buffer.byteLength(listener)}\n${state}${listener}`);
  };
}

export interface RunningHelper {
  pid: number;
  /** Resolves with all lines once the sync socket reaches EOF. */
  done: Promise<string[]>;
  result: Promise<HelperResult>;
}

export function startHelper(plan: Plan | null, opts: HelperOptions = {}): RunningHelper {
  const preserved = opts.preserved ?? [];
  const extra = opts.extra ?? [];
  const syncSlot = 3 + preserved.length + extra.length;
  const proc = Bun.spawn([distBinary("bocker-init"), String(syncSlot), String(preserved.length)], {
    stdio: [opts.stdin ?? "ignore", "pipe", "pipe", ...preserved, ...extra, "pipe"],
  });
  const sync = proc.stdio[syncSlot] as unknown as number;
  writeSync(sync, opts.raw ?? encodePlan(plan!));
  const reply = (data: string) => void writeSync(sync, data);
  const done = (async () => {
    const lines: string[] = [];
    const reader = Bun.file(sync).stream().getReader();
    let pending = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      pending += new TextDecoder().decode(value);
      let nl: number;
      while ((nl = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        lines.push(line);
        await opts.onLine?.(line, reply);
      }
    }
    if (pending) lines.push(pending);
    return lines;
  })();
  const result = (async () => {
    const [lines, exitCode, stdout, stderr] = await Promise.all([
      done,
      proc.exited,
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
    ]);
    return { lines, exitCode, stdout, stderr };
  })();
  return { pid: proc.pid, done, result };
}

export function runHelper(plan: Plan | null, opts: HelperOptions = {}): Promise<HelperResult> {
  return startHelper(plan, opts).result;
}

/** The host pid of the container init from an `init <pid>` line. */
export function initPid(lines: string[]): number {
  const line = lines.find((l) => l.startsWith("init "));
  if (line === undefined) throw new Error(`no init line in ${JSON.stringify(lines)}`);
  return Number(line.slice(5));
}
