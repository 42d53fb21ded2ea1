/**
 * The flags create, run and explain share, and the path rule of runc's flags that name files
 * (--pid-file, --console-socket, --pidfd-socket: relative to the caller's directory). Shared here so commands
 * import no other command.
 */
import { resolve } from "node:path";

export const CREATE_FLAGS = {
  bundle: { kind: "string", alias: "b" },
  "pid-file": { kind: "string" },
  "console-socket": { kind: "string" },
  "pidfd-socket": { kind: "string" },
  "no-pivot": { kind: "bool" },
  "no-new-keyring": { kind: "bool" },
  "preserve-fds": { kind: "string" },
  "dry-run": { kind: "bool" },
} as const;

export function pathFlag(p: string | undefined): string | undefined {
  return p === undefined ? undefined : resolve(p);
}
