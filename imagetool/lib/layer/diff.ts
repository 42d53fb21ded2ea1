/**
 * Layer generation (umoci oci/layer/generate.go, containerd pkg/archive WriteDiff):
 *  - tarTree: a whole directory (init);
 *  - tarOverlayUpper: an overlay upper dir, whose 0:0 char devices and opaque dirs become
 *    `.wh.<name>` and `.wh..wh..opq` entries (image-spec layer.md "Whiteouts");
 *  - tarDiff: the difference between two full trees (copy, btrfs), deletions as whiteouts.
 * Entries come in sorted order, a directory before its contents.
 */
import { lstatSync, readdirSync, type BigIntStats } from "node:fs";
import { join } from "node:path";
import { readXattrs } from "../sys/libc.ts";
import { encodeTreeFile, type TreeFile } from "./tree-entry.ts";
import { encodeHeader, END_OF_ARCHIVE } from "../tar/writer.ts";
import { isOpaqueDir, isOverlayWhiteout, OPAQUE_MARKER, WHITEOUT_PREFIX } from "./whiteout.ts";

const lst = (p: string) => lstatSync(p, { bigint: true });
const childRel = (rel: string, name: string) => (rel === "" ? name : `${rel}/${name}`);

function whiteoutEntry(rel: string): Uint8Array[] {
  const i = rel.lastIndexOf("/");
  return encodeHeader({ name: `${rel.slice(0, i + 1)}${WHITEOUT_PREFIX}${rel.slice(i + 1)}`, type: "file", mode: 0o644, size: 0 });
}

export async function* tarTree(root: string): AsyncGenerator<Uint8Array> {
  const hardlinks = new Map<string, string>();
  async function* visit(host: string, rel: string): AsyncGenerator<Uint8Array> {
    for (const name of readdirSync(host).sort()) {
      const f: TreeFile = { rel: childRel(rel, name), host: join(host, name), st: lst(join(host, name)) };
      yield* encodeTreeFile(f, hardlinks);
      if (f.st.isDirectory()) yield* visit(f.host, f.rel);
    }
  }
  yield* visit(root, "");
  yield END_OF_ARCHIVE;
}

export async function* tarOverlayUpper(upper: string): AsyncGenerator<Uint8Array> {
  const hardlinks = new Map<string, string>();
  async function* visit(host: string, rel: string): AsyncGenerator<Uint8Array> {
    for (const name of readdirSync(host).sort()) {
      const f: TreeFile = { rel: childRel(rel, name), host: join(host, name), st: lst(join(host, name)) };
      if (isOverlayWhiteout({ isCharacterDevice: () => f.st.isCharacterDevice(), rdev: Number(f.st.rdev) })) {
        yield* whiteoutEntry(f.rel);
        continue;
      }
      yield* encodeTreeFile(f, hardlinks);
      if (!f.st.isDirectory()) continue;
      if (isOpaqueDir(f.host)) {
        yield* encodeHeader({ name: `${f.rel}/${OPAQUE_MARKER}`, type: "file", mode: 0o644, size: 0 });
      }
      yield* visit(f.host, f.rel);
    }
  }
  yield* visit(upper, "");
  yield END_OF_ARCHIVE;
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  return a !== undefined && b !== undefined && Buffer.compare(a, b) === 0;
}

/**
 * containerd continuity's rule for "unchanged": same type, mode, owner, size, mtime (to the
 * nanosecond), link target/device and xattrs. Copy and btrfs snapshots keep mtimes exactly,
 * so an untouched file compares equal without reading its data.
 */
function unchanged(a: BigIntStats, ah: string, b: BigIntStats, bh: string): boolean {
  if (a.mode !== b.mode || a.uid !== b.uid || a.gid !== b.gid || a.rdev !== b.rdev) return false;
  if (!a.isDirectory() && (a.size !== b.size || a.mtimeNs !== b.mtimeNs)) return false;
  const ax = readXattrs(ah);
  const bx = readXattrs(bh);
  if (ax.size !== bx.size || [...ax].some(([k, v]) => !sameBytes(v, bx.get(k)))) return false;
  return true;
}

export async function* tarDiff(lower: string, upper: string): AsyncGenerator<Uint8Array> {
  const hardlinks = new Map<string, string>();
  async function* visit(rel: string): AsyncGenerator<Uint8Array> {
    const up = join(upper, rel);
    const low = join(lower, rel);
    const upNames = readdirSync(up).sort();
    let lowNames: string[] = [];
    try {
      if (lst(low).isDirectory()) lowNames = readdirSync(low);
    } catch {}
    const upSet = new Set(upNames);
    for (const name of [...lowNames].sort()) if (!upSet.has(name)) yield* whiteoutEntry(childRel(rel, name));
    for (const name of upNames) {
      const f: TreeFile = { rel: childRel(rel, name), host: join(up, name), st: lst(join(up, name)) };
      let old: BigIntStats | undefined;
      try {
        old = lst(join(low, name));
      } catch {}
      const sameType = old !== undefined && (old.mode & 0o170000n) === (f.st.mode & 0o170000n);
      if (!sameType || !unchanged(old!, join(low, name), f.st, f.host)) {
        // A replaced directory must not inherit the old one's children: mark it opaque.
        yield* encodeTreeFile(f, hardlinks);
        if (f.st.isDirectory() && old !== undefined && !sameType) yield* encodeHeader({ name: `${f.rel}/${OPAQUE_MARKER}`, type: "file", mode: 0o644, size: 0 });
      }
      if (f.st.isDirectory()) yield* visit(f.rel);
    }
  }
  yield* visit("");
  yield END_OF_ARCHIVE;
}
