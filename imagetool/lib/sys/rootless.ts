/**
 * Whether the image tool runs rootless, and with which id maps. Rootless means either an
 * unprivileged user (euid ≠ 0), or root of a user namespace that does not map the whole id range
 * (the user namespace userns-reexec.ts creates from the user's /etc/subuid range, or any other,
 * e.g. `podman unshare`): in both, chown to some ids, mknod and mounts are refused. The maps are
 * what a rootless bundle's container must use so that it sees the owners the unpack could apply
 * (runc `spec --rootless`, podman's rootless storage).
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export interface IdMapping {
  containerID: number;
  hostID: number;
  size: number;
}

/** The parsed /proc/self/{uid,gid}_map. */
export function readIdMap(kind: "uid" | "gid"): IdMapping[] {
  return readFileSync(`/proc/self/${kind}_map`, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => {
      const [containerID, hostID, size] = l.trim().split(/\s+/).map(Number) as [number, number, number];
      return { containerID, hostID, size };
    });
}

/** The initial user namespace's map: every id to itself (user_namespaces(7)). */
const isIdentity = (m: IdMapping[]) => m.length === 1 && m[0]!.containerID === 0 && m[0]!.hostID === 0 && m[0]!.size === 4294967295;

let cached: boolean | undefined;

export function isRootless(): boolean {
  cached ??= process.geteuid!() !== 0 || !isIdentity(readIdMap("uid"));
  return cached;
}

/**
 * The maps a rootless container needs: inside a user namespace its own maps (the ids the unpack
 * wrote through them), else the caller's own ids as root (runc `spec --rootless`).
 */
export function rootlessMappings(): { uidMappings: IdMapping[]; gidMappings: IdMapping[] } {
  if (process.geteuid!() === 0) return { uidMappings: readIdMap("uid"), gidMappings: readIdMap("gid") };
  return {
    uidMappings: [{ containerID: 0, hostID: process.geteuid!(), size: 1 }],
    gidMappings: [{ containerID: 0, hostID: process.getegid!(), size: 1 }],
  };
}

/** Whether the maps hold only the caller's own id (no /etc/subuid range). */
export function isSingleIdMap(m: { uidMappings: IdMapping[] }): boolean {
  return m.uidMappings.length === 1 && m.uidMappings[0]!.size === 1;
}

/** An unprivileged user's default store: $XDG_DATA_HOME/bocker, else ~/.local/share/bocker (as podman's). */
export function rootlessStoreRoot(env: Record<string, string | undefined> = process.env): string {
  if (env.XDG_DATA_HOME) return join(env.XDG_DATA_HOME, "bocker");
  return join(env.HOME || homedir(), ".local", "share", "bocker");
}

/**
 * How the applier gives entries their owners (layer/rootless-owner.ts): as root; as root of a user
 * namespace that maps a range (chown works within it); or as a user alone (nothing can be chowned).
 */
let mode: "root" | "userns" | "single" | undefined;

export function ownershipMode(): "root" | "userns" | "single" {
  mode ??= !isRootless() ? "root" : process.geteuid!() === 0 ? "userns" : "single";
  return mode;
}
