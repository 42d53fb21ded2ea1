/**
 * Which sysctls a container may set: only those namespaced by a namespace it owns (runc
 * libcontainer/configs/validate: sysctl). Anything else would change the host.
 */

const IPC_SYSCTLS = new Set(["kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced"]);

/** The namespace type that owns sysctl `key`, or undefined when it is not namespaced. */
export function sysctlNamespace(key: string): "ipc" | "uts" | "network" | undefined {
  if (IPC_SYSCTLS.has(key) || key.startsWith("fs.mqueue.")) return "ipc";
  if (key === "kernel.hostname" || key === "kernel.domainname") return "uts";
  if (key.startsWith("net.")) return "network";
  return undefined;
}

/** /proc/sys relative path: dots become slashes ("net.ipv4.ip_forward" → "net/ipv4/ip_forward"). */
export function sysctlPath(key: string): string {
  return key.replaceAll(".", "/");
}
