/**
 * Signal names and numbers (x86_64/arm64 Linux, signal(7)); `kill` accepts KILL, SIGKILL or 9,
 * and 0, kill(2)'s existence check, which runc passes through (`kill ID 0` probes liveness).
 */
import { RuntimeError } from "./errors.ts";

export const SIGNALS: Record<string, number> = {
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGIOT: 6, SIGBUS: 7, SIGFPE: 8, SIGKILL: 9,
  SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15, SIGSTKFLT: 16, SIGCHLD: 17, SIGCONT: 18,
  SIGSTOP: 19, SIGTSTP: 20, SIGTTIN: 21, SIGTTOU: 22, SIGURG: 23, SIGXCPU: 24, SIGXFSZ: 25, SIGVTALRM: 26, SIGPROF: 27,
  SIGWINCH: 28, SIGIO: 29, SIGPOLL: 29, SIGPWR: 30, SIGSYS: 31,
};

export function parseSignal(text: string): number {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n <= 64) return n;
  } else {
    const upper = text.toUpperCase();
    const name = upper.startsWith("SIG") ? upper : `SIG${upper}`;
    const n = SIGNALS[name];
    if (n !== undefined) return n;
    const rt = /^SIGRTMIN(?:\+(\d+))?$/.exec(name);
    if (rt) return 34 + Number(rt[1] ?? 0);
  }
  throw new RuntimeError("USAGE", `unknown signal ${JSON.stringify(text)}`);
}
