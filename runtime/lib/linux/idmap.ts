/** uid/gid mappings → the text the kernel expects in /proc/<pid>/{uid,gid}_map (user_namespaces(7)). */
import type { IdMapping } from "../spec-types.ts";

export function idMapText(mappings: readonly IdMapping[]): string {
  return mappings.map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join("");
}
