/**
 * Foreground `run`/`exec`: signals sent to the runtime go to the container process instead
 * (runc signals.go forwards everything but SIGCHLD, SIGWINCH to the tty, SIGURG).
 */
const FORWARDED: NodeJS.Signals[] = ["SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGCONT", "SIGTSTP", "SIGTTIN", "SIGTTOU"];

/** Starts forwarding; returns the function that stops it. */
export function forwardSignals(pid: number): () => void {
  const handlers = FORWARDED.map((sig) => {
    const handler = () => {
      try {
        process.kill(pid, sig);
      } catch {
        // the process is gone; its exit status arrives through the helper
      }
    };
    process.on(sig, handler);
    return [sig, handler] as const;
  });
  return () => {
    for (const [sig, handler] of handlers) process.off(sig, handler);
  };
}
