/**
 * Device nodes: runc's default set (libcontainer/specconv AllowedDevices: null, zero, full, tty,
 * random, urandom), the /dev symlinks of runtime-spec config-linux.md "Default Devices", then
 * linux.devices. Inside a new user namespace mknod is refused, so devices are bind-mounted from
 * the host instead (as runc does for rootless containers).
 */
import type { PlanBuilder } from "../plan/builder.ts";
import type { Device } from "../spec-types.ts";
import { RuntimeError } from "../errors.ts";

const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const S_IFIFO = 0o010000;

const DEFAULT_DEVICES: ReadonlyArray<{ path: string; major: number; minor: number }> = [
  { path: "/dev/null", major: 1, minor: 3 },
  { path: "/dev/zero", major: 1, minor: 5 },
  { path: "/dev/full", major: 1, minor: 7 },
  { path: "/dev/tty", major: 5, minor: 0 },
  { path: "/dev/urandom", major: 1, minor: 9 },
  { path: "/dev/random", major: 1, minor: 8 },
];

const DEFAULT_SYMLINKS: ReadonlyArray<[string, string]> = [
  ["/proc/self/fd", "/dev/fd"],
  ["/proc/self/fd/0", "/dev/stdin"],
  ["/proc/self/fd/1", "/dev/stdout"],
  ["/proc/self/fd/2", "/dev/stderr"],
  ["pts/ptmx", "/dev/ptmx"],
];

function typeBits(d: Device, pointer: string): number {
  switch (d.type) {
    case "c":
    case "u":
      return S_IFCHR;
    case "b":
      return S_IFBLK;
    case "p":
      return S_IFIFO;
    default:
      throw new RuntimeError("CONFIG_INVALID", `config.json ${pointer}/type: unknown device type ${JSON.stringify(d.type)} (expected c, b, u or p)`, { pointer: `${pointer}/type` });
  }
}

export interface DeviceFacts {
  /** A new user namespace: mknod is not allowed, bind the host node instead. */
  userns: boolean;
  /** /dev is bind-mounted from the host: leave it alone (runc: no default devices then). */
  hostDev: boolean;
}

export function deviceSteps(b: PlanBuilder, devices: readonly Device[], facts: DeviceFacts): void {
  if (!facts.hostDev) {
    for (const d of DEFAULT_DEVICES) {
      if (devices.some((x) => x.path === d.path)) continue; // linux.devices overrides a default
      node(b, d.path, S_IFCHR | 0o666, d.major, d.minor, 0, 0, facts.userns, `default device ${d.path} (c ${d.major}:${d.minor})`, "");
    }
    for (const [target, link] of DEFAULT_SYMLINKS) b.emit("init", "SYMLINK_IN_ROOT", [target, link], `symlink ${link} -> ${target}`, "");
  }
  for (const [i, d] of devices.entries()) {
    const pointer = `/linux/devices/${i}`;
    const mode = typeBits(d, pointer) | ((d.fileMode ?? 0o666) & 0o7777);
    const major = d.major ?? 0;
    const minor = d.minor ?? 0;
    node(b, d.path, mode, major, minor, d.uid ?? 0, d.gid ?? 0, facts.userns, `device ${d.path} (${d.type} ${major}:${minor}, mode ${(mode & 0o7777).toString(8)})`, pointer);
  }
}

function node(b: PlanBuilder, path: string, mode: number, major: number, minor: number, uid: number, gid: number, userns: boolean, description: string, pointer: string): void {
  const origin = b.origin(userns ? `bind host ${path} (user namespace)` : `mknod ${description}`, pointer);
  if (userns) {
    b.add("init", "MKFILE_IN_ROOT", [path, 0o644], origin);
    b.add("init", "BIND_DEVICE_IN_ROOT", [path, path], origin);
  } else {
    b.add("init", "MKNOD_IN_ROOT", [path, mode, major, minor, uid, gid], origin);
  }
}
