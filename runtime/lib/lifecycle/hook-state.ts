/** The state document hooks read on stdin (runtime-spec runtime.md "State"). */
import { readFileSync } from "node:fs";
import type { ContainerRecord, Status } from "../state.ts";

/**
 * runtime.md "State", pid: hooks in the container's namespaces get the pid as the container sees
 * it (runc: getpid() in the init), 1 in a pid namespace of its own. The last NSpid entry of
 * /proc/<pid>/status is the pid in the process's innermost pid namespace.
 */
export function pidInItsNamespace(pid: number): number {
  const line = /^NSpid:\s*(.*)$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  return Number(line?.trim().split(/\s+/).pop() ?? pid);
}

export function hookStateJson(rec: ContainerRecord, status: Status): string {
  return JSON.stringify(hookState(rec, status));
}

/**
 * What a seccomp agent receives with the listener fd (config-linux.md "seccomp", listenerPath:
 * the container process state): the fd names, the pid of the process (the init, or an exec'd
 * process), listenerMetadata and the container's state.
 */
export function listenerPayloadJson(rec: ContainerRecord, status: Status, metadata: string | undefined, processPid = rec.pid): string {
  return JSON.stringify({ ociVersion: rec.ociVersion, fds: ["seccompFd"], pid: processPid, metadata: metadata ?? "", state: hookState(rec, status) });
}

function hookState(rec: ContainerRecord, status: Status): object {
  return {
    ociVersion: rec.ociVersion,
    id: rec.id,
    status,
    pid: rec.pid,
    bundle: rec.bundle,
    ...(Object.keys(rec.annotations).length > 0 ? { annotations: rec.annotations } : {}),
  };
}
