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

/** Options we recognise but cannot honour; silently ignoring them would weaken the mount. */
const UNSUPPORTED = /^(r(ro|rw|nosuid|suid|nodev|dev|noexec|exec|noatime|atime|relatime|norelatime|strictatime|nostrictatime|nodiratime|diratime|nosymfollow|symfollow)|idmap|ridmap)$/;

export interface ParsedMountOptions {
  flags: number;
  propagation: number[];
  data: string[];
  /** runc's tmpcopyup: fill a new tmpfs with what the image has at the destination. */
  tmpcopyup: boolean;
}

export function parseMountOptions(options: readonly string[], pointer: string): ParsedMountOptions {
  let flags = 0;
  const propagation: number[] = [];
  const data: string[] = [];
  let tmpcopyup = false;
  for (const [i, opt] of options.entries()) {
    if (opt === "tmpcopyup") {
      tmpcopyup = true;
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
    if (UNSUPPORTED.test(opt)) {
      throw new RuntimeError("CONFIG_INVALID", `config.json ${pointer}/options/${i}: mount option ${JSON.stringify(opt)} is not supported by bocker-runtime`, { pointer: `${pointer}/options/${i}` });
    }
    data.push(opt);
  }
  return { flags, propagation, data, tmpcopyup };
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
