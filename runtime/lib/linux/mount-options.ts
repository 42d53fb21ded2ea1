/**
 * Mount option strings → mount(2) flags, propagation and data, as runc parses them
 * (libcontainer/specconv: mountFlags/mountPropagationMapping). Unknown options are data
 * for the filesystem (e.g. tmpfs `size=64m`, `mode=755`).
 */
import { RuntimeError } from "../errors.ts";

export const MS = {
  RDONLY: 1,
  NOSUID: 2,
  NODEV: 4,
  NOEXEC: 8,
  SYNCHRONOUS: 16,
  REMOUNT: 32,
  MANDLOCK: 64,
  DIRSYNC: 128,
  NOSYMFOLLOW: 256,
  NOATIME: 1024,
  NODIRATIME: 2048,
  BIND: 4096,
  MOVE: 8192,
  REC: 16384,
  SILENT: 32768,
  UNBINDABLE: 1 << 17,
  PRIVATE: 1 << 18,
  SLAVE: 1 << 19,
  SHARED: 1 << 20,
  RELATIME: 1 << 21,
  STRICTATIME: 1 << 24,
  LAZYTIME: 1 << 25,
} as const;

/** [clear?, flag] */
const FLAG_OPTIONS: Record<string, [boolean, number]> = {
  async: [true, MS.SYNCHRONOUS],
  atime: [true, MS.NOATIME],
  bind: [false, MS.BIND],
  defaults: [false, 0],
  dev: [true, MS.NODEV],
  diratime: [true, MS.NODIRATIME],
  dirsync: [false, MS.DIRSYNC],
  exec: [true, MS.NOEXEC],
  lazytime: [false, MS.LAZYTIME],
  mand: [false, MS.MANDLOCK],
  noatime: [false, MS.NOATIME],
  nodev: [false, MS.NODEV],
  nodiratime: [false, MS.NODIRATIME],
  noexec: [false, MS.NOEXEC],
  nolazytime: [true, MS.LAZYTIME],
  nomand: [true, MS.MANDLOCK],
  norelatime: [true, MS.RELATIME],
  nostrictatime: [true, MS.STRICTATIME],
  nosuid: [false, MS.NOSUID],
  nosymfollow: [false, MS.NOSYMFOLLOW],
  rbind: [false, MS.BIND | MS.REC],
  relatime: [false, MS.RELATIME],
  remount: [false, MS.REMOUNT],
  ro: [false, MS.RDONLY],
  rw: [true, MS.RDONLY],
  silent: [false, MS.SILENT],
  strictatime: [false, MS.STRICTATIME],
  suid: [true, MS.NOSUID],
  symfollow: [true, MS.NOSYMFOLLOW],
  sync: [false, MS.SYNCHRONOUS],
};

const PROPAGATION_OPTIONS: Record<string, number> = {
  private: MS.PRIVATE,
  rprivate: MS.PRIVATE | MS.REC,
  shared: MS.SHARED,
  rshared: MS.SHARED | MS.REC,
  slave: MS.SLAVE,
  rslave: MS.SLAVE | MS.REC,
  unbindable: MS.UNBINDABLE,
  runbindable: MS.UNBINDABLE | MS.REC,
};

/** mount_setattr(2) MOUNT_ATTR_* values (linux/mount.h). */
export const MOUNT_ATTR = {
  RDONLY: 0x1,
  NOSUID: 0x2,
  NODEV: 0x4,
  NOEXEC: 0x8,
  _ATIME: 0x70,
  RELATIME: 0x0,
  NOATIME: 0x10,
  STRICTATIME: 0x20,
  NODIRATIME: 0x80,
  NOSYMFOLLOW: 0x200000,
} as const;

/**
 * runc's recursive options (libcontainer/specconv recAttrFlags), applied with
 * mount_setattr(AT_RECURSIVE) to the mount and every mount below it. [clear?, attribute]
 */
const RECURSIVE_OPTIONS: Record<string, [boolean, number]> = {
  rro: [false, MOUNT_ATTR.RDONLY],
  rrw: [true, MOUNT_ATTR.RDONLY],
  rnosuid: [false, MOUNT_ATTR.NOSUID],
  rsuid: [true, MOUNT_ATTR.NOSUID],
  rnodev: [false, MOUNT_ATTR.NODEV],
  rdev: [true, MOUNT_ATTR.NODEV],
  rnoexec: [false, MOUNT_ATTR.NOEXEC],
  rexec: [true, MOUNT_ATTR.NOEXEC],
  rnodiratime: [false, MOUNT_ATTR.NODIRATIME],
  rdiratime: [true, MOUNT_ATTR.NODIRATIME],
  rrelatime: [false, MOUNT_ATTR.RELATIME],
  rnorelatime: [true, MOUNT_ATTR.RELATIME],
  rnoatime: [false, MOUNT_ATTR.NOATIME],
  ratime: [true, MOUNT_ATTR.NOATIME],
  rstrictatime: [false, MOUNT_ATTR.STRICTATIME],
  rnostrictatime: [true, MOUNT_ATTR.STRICTATIME],
  rnosymfollow: [false, MOUNT_ATTR.NOSYMFOLLOW],
  rsymfollow: [true, MOUNT_ATTR.NOSYMFOLLOW],
};

/** Every option name parseMountOptions understands (for `features`). */
export const KNOWN_MOUNT_OPTIONS: readonly string[] = [
  ...Object.keys(FLAG_OPTIONS), ...Object.keys(PROPAGATION_OPTIONS), ...Object.keys(RECURSIVE_OPTIONS), "idmap", "ridmap", "tmpcopyup",
].sort();

export interface ParsedMountOptions {
  flags: number;
  propagation: number[];
  data: string[];
  /** runc's tmpcopyup: fill a new tmpfs with what the image has at the destination. */
  tmpcopyup: boolean;
  /** mount_setattr(AT_RECURSIVE) attributes to set and clear; both 0 when no r* option is given. */
  recursive: { set: number; clear: number };
  /** runtime-spec "idmap" / "ridmap" (the idmapping applied to every mount of the tree). */
  idmap?: "idmap" | "ridmap";
}

export function parseMountOptions(options: readonly string[]): ParsedMountOptions {
  let flags = 0;
  const propagation: number[] = [];
  const data: string[] = [];
  let tmpcopyup = false;
  const recursive = { set: 0, clear: 0 };
  let idmap: ParsedMountOptions["idmap"];
  for (const opt of options) {
    if (opt === "tmpcopyup") {
      tmpcopyup = true;
      continue;
    }
    if (opt === "idmap" || opt === "ridmap") {
      idmap = opt;
      continue;
    }
    const r = RECURSIVE_OPTIONS[opt];
    if (r) {
      if (r[0]) recursive.clear |= r[1];
      else {
        recursive.set |= r[1];
        // mount_setattr(2): an access-time mode in attr_set needs MOUNT_ATTR__ATIME in attr_clr.
        if ((r[1] & MOUNT_ATTR._ATIME) === r[1]) recursive.clear |= MOUNT_ATTR._ATIME;
      }
      continue;
    }
    const f = FLAG_OPTIONS[opt];
    if (f) {
      flags = f[0] ? flags & ~f[1] : flags | f[1];
      continue;
    }
    const p = PROPAGATION_OPTIONS[opt];
    if (p !== undefined) {
      propagation.push(p);
      continue;
    }
    data.push(opt);
  }
  return { flags, propagation, data, tmpcopyup, recursive, idmap };
}

/** Root propagation names (linux.rootfsPropagation) → flags. */
export function rootPropagationFlags(value: string | undefined): number {
  if (value === undefined || value === "") return MS.SLAVE | MS.REC; // runc's default
  const f = PROPAGATION_OPTIONS[value];
  if (f === undefined) throw new RuntimeError("CONFIG_INVALID", `config.json /linux/rootfsPropagation: unknown value ${JSON.stringify(value)}`, { pointer: "/linux/rootfsPropagation" });
  return f;
}

/** Flags as names, for explain and error messages: "MS_BIND|MS_REC". */
export function mountFlagNames(flags: number): string {
  const names = Object.entries(MS)
    .filter(([, v]) => (flags & v) !== 0)
    .map(([k]) => `MS_${k}`);
  return names.length ? names.join("|") : "0";
}
