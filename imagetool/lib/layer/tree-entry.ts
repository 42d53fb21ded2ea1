/**
 * Turns a file on disk into a tar header, lstat only: a container's tree is attacker-controlled
 * and may be changing, so nothing here follows a symlink (anchors.md §3: commit reads the upper
 * dir with lstat, never follows links). File data is read through an O_NOFOLLOW fd. Rootless, the
 * kept `user.rootlesscontainers` owner is the entry's owner, not an xattr of the layer.
 */
import { closeSync, fstatSync, openSync, readlinkSync, readSync, type BigIntStats, constants as fsc } from "node:fs";
import { readXattrs } from "../sys/libc.ts";
import type { TarHeader } from "../tar/header.ts";
import { encodeHeader, padding } from "../tar/writer.ts";
import { ImagetoolError } from "../errors.ts";
import { ownershipMode } from "../sys/rootless.ts";
import { decodeOwner, ROOTLESS_XATTR } from "./rootless-owner.ts";

export interface TreeFile {
  /** Path inside the layer ("etc/passwd"). */
  rel: string;
  host: string;
  st: BigIntStats;
}

/** xattrs that describe overlayfs's bookkeeping, not the file (overlayfs.rst): never copied into a layer. */
const skipXattr = (name: string) =>
  name.startsWith("trusted.overlay.") || name.startsWith("user.overlay.") || (name === ROOTLESS_XATTR && ownershipMode() !== "root");

/**
 * The owner a layer records: the inode's, except rootless (rootless-owner.ts), where it is the one
 * the container sees: a kept `user.rootlesscontainers` owner, else with one id the user's own ids
 * are root's (as `umoci repack --rootless`). In a user namespace lstat already gives the
 * container's ids.
 */
function ownerInLayer(st: BigIntStats, xattrs: Map<string, Uint8Array>): { uid: number; gid: number } {
  const mode = ownershipMode();
  if (mode === "root") return { uid: Number(st.uid), gid: Number(st.gid) };
  const kept = xattrs.get(ROOTLESS_XATTR);
  if (kept !== undefined) return decodeOwner(kept);
  if (mode === "userns") return { uid: Number(st.uid), gid: Number(st.gid) };
  return { uid: Number(st.uid) === process.geteuid!() ? 0 : Number(st.uid), gid: Number(st.gid) === process.getegid!() ? 0 : Number(st.gid) };
}

/** The entry's tar header, or undefined for a socket: tar cannot hold one (Docker's archive skips them too). */
export function headerFor(f: TreeFile, hardlinks: Map<string, string>): (Partial<TarHeader> & { name: string; type: TarHeader["type"] }) | undefined {
  const st = f.st;
  const xattrs = readXattrs(f.host);
  const base = {
    mode: Number(st.mode & 0o7777n),
    ...ownerInLayer(st, xattrs),
    mtime: Number(st.mtimeMs / 1000n),
    xattrs: new Map([...xattrs].filter(([k]) => !skipXattr(k))),
  };
  if (st.isDirectory()) return { ...base, name: `${f.rel}/`, type: "dir" };
  if (st.isSymbolicLink()) return { ...base, name: f.rel, type: "symlink", linkname: readlinkSync(f.host) };
  if (st.isFile()) {
    if (st.nlink > 1n) {
      const id = `${st.dev}:${st.ino}`;
      const first = hardlinks.get(id);
      if (first !== undefined) return { ...base, name: f.rel, type: "hardlink", linkname: first };
      hardlinks.set(id, f.rel);
    }
    return { ...base, name: f.rel, type: "file", size: Number(st.size) };
  }
  const rdev = Number(st.rdev);
  const dev = { devmajor: ((rdev >> 8) & 0xfff) | ((rdev >>> 32) & ~0xfff), devminor: (rdev & 0xff) | ((rdev >> 12) & ~0xff) };
  if (st.isCharacterDevice()) return { ...base, name: f.rel, type: "char", ...dev };
  if (st.isBlockDevice()) return { ...base, name: f.rel, type: "block", ...dev };
  if (st.isFIFO()) return { ...base, name: f.rel, type: "fifo" };
  return undefined;
}

/** The tar bytes of one entry; a regular file's data is read (at most its lstat size) without following links. */
export async function* encodeTreeFile(f: TreeFile, hardlinks: Map<string, string>): AsyncGenerator<Uint8Array> {
  const h = headerFor(f, hardlinks);
  if (h === undefined) return;
  if (h.type !== "file") {
    yield* encodeHeader(h);
    return;
  }
  const fd = openSync(f.host, fsc.O_RDONLY | fsc.O_NOFOLLOW);
  try {
    if (!fstatSync(fd).isFile()) throw new ImagetoolError("CHANGED_WHILE_READING", `${f.host} changed type while being read`, { context: { path: f.host } });
    const size = h.size ?? 0;
    yield* encodeHeader(h);
    const buf = Buffer.alloc(Math.min(size, 1 << 20));
    let off = 0;
    while (off < size) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, size - off), off);
      if (n === 0) break;
      yield Buffer.from(buf.subarray(0, n));
      off += n;
    }
    // The file shrank while we read it: pad with zeros so the archive stays well-formed.
    if (off < size) yield new Uint8Array(size - off);
    yield padding(size);
  } finally {
    closeSync(fd);
  }
}
