/**
 * The runtime's side of the sync socket with bocker-init (runtime/native/README.md), as a phase
 * machine that rejects any message out of order (cf. youki InitRequestSequence, runc sync.go):
 *
 *   runtime (Bun)                         bocker-init stages
 *   -------------                         ------------------
 *   plan bytes ---------------------->    stage0 parses the whole plan
 *                  <------------------    "cgroup <pid>"        (stage0 at CGROUP_SYNC, once)   await-cgroup → await-init
 *   "ok\n" | "abort\n" ------------->
 *                  <------------------    "init <pid>"          (stage1, after FORK_INIT)      await-init → setup
 *                  <------------------    "hooks"               (stage2 at HOOKS_SYNC, once)    setup → hooks
 *   "ok <len>\n<state>" | "abort\n" -->                                                         hooks → setup
 *                  <------------------    EOF                   (stage2 at REPORT_DONE)         setup → done
 *                  <------------------    "error <origin> <errno> <msg>"  (any stage, any time) → failed
 *
 * EOF before `init` means the helper died before the container existed.
 */
import { RuntimeError } from "../errors.ts";
import { errnoName } from "../../../common/errors.ts";
import { errnoDescription } from "../sys/errno.ts";
import type { Origin } from "../plan/builder.ts";

export type HelperMessage =
  | { kind: "cgroup"; pid: number }
  | { kind: "init"; pid: number }
  | { kind: "hooks" }
  | { kind: "error"; origin: number | undefined; errno: number; message: string }
  | { kind: "eof" };

export type Phase = "await-cgroup" | "await-init" | "setup" | "hooks" | "done" | "failed";

export function parseHelperLine(line: string): HelperMessage {
  let m = /^init (\d+)$/.exec(line);
  if (m) return { kind: "init", pid: Number(m[1]) };
  m = /^cgroup (\d+)$/.exec(line);
  if (m) return { kind: "cgroup", pid: Number(m[1]) };
  if (line === "hooks") return { kind: "hooks" };
  m = /^error (\d+|-) (\d+) (.*)$/s.exec(line);
  if (m) return { kind: "error", origin: m[1] === "-" ? undefined : Number(m[1]), errno: Number(m[2]), message: unescape(m[3]!) };
  throw new RuntimeError("HELPER_FAILED", `bocker-init sent an unknown message: ${JSON.stringify(line)}`);
}

/** The helper escapes control bytes as \xNN to keep one message per line. */
function unescape(s: string): string {
  return s.replace(/\\x([0-9a-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

export class ParentProtocol {
  phase: Phase;
  pid = 0;
  private hooksSeen = false;

  /** expectCgroup: the plan has a CGROUP_SYNC (--systemd-cgroup), whose `cgroup` comes first. */
  constructor(private readonly expectHooks: boolean, expectCgroup = false) {
    this.phase = expectCgroup ? "await-cgroup" : "await-init";
  }

  /** Advances the phase; throws on a message that is not allowed now. */
  accept(msg: HelperMessage): Phase {
    const bad = (what: string) => new RuntimeError("HELPER_FAILED", `protocol error: ${what} while in phase ${this.phase}`);
    if (msg.kind === "error") return (this.phase = "failed");
    switch (this.phase) {
      case "await-cgroup":
        if (msg.kind === "cgroup") return this.phase;
        if (msg.kind === "eof") throw new RuntimeError("HELPER_FAILED", "bocker-init exited before it forked the container's first stage");
        throw bad(msg.kind);
      case "await-init":
        if (msg.kind === "init") {
          this.pid = msg.pid;
          return (this.phase = "setup");
        }
        if (msg.kind === "eof") throw new RuntimeError("HELPER_FAILED", "bocker-init exited before it created the container process");
        throw bad(msg.kind);
      case "setup":
        if (msg.kind === "hooks" && this.expectHooks && !this.hooksSeen) {
          this.hooksSeen = true;
          return (this.phase = "hooks");
        }
        if (msg.kind === "eof") return (this.phase = "done");
        throw bad(msg.kind);
      default:
        throw bad(msg.kind);
    }
  }

  /** The runtime answered `cgroup`. */
  placed(): void {
    if (this.phase !== "await-cgroup") throw new RuntimeError("HELPER_FAILED", `protocol error: cgroup reply in phase ${this.phase}`);
    this.phase = "await-init";
  }

  /** The runtime answered `hooks`. */
  replied(): void {
    if (this.phase !== "hooks") throw new RuntimeError("HELPER_FAILED", `protocol error: hooks reply in phase ${this.phase}`);
    this.phase = "setup";
  }
}

/** `mount proc on /proc: EPERM (config.json /mounts/3): <helper detail>` */
export function helperError(msg: Extract<HelperMessage, { kind: "error" }>, origins: readonly Origin[], configFile: string): RuntimeError {
  const origin = msg.origin === undefined ? undefined : origins[msg.origin];
  const errno = msg.errno !== 0 ? `: ${errnoDescription(msg.errno)}` : "";
  const where = origin?.pointer ? ` (${configFile} ${origin.pointer})` : "";
  const head = origin ? `${origin.description}${errno}${where}` : `bocker-init${errno}`;
  return new RuntimeError("HELPER_FAILED", `${head}: ${msg.message}`, { pointer: origin?.pointer, errno: msg.errno ? errnoName(msg.errno) : undefined });
}
