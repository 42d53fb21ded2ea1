/**
 * Applies one layer's tar entries to a directory, one entry at a time (umoci
 * oci/layer/tar_extract.go UnpackEntry, containerd pkg/archive/tar.go applyNaive).
 *
 * Every name is cleaned lexically and its parent resolved inside the root without following a
 * symlink out of it; hardlink targets are resolved the same way; whiteouts are validated; the
 * type of `/` is never changed (CVE-2021-29136). Directory mtimes are set after their contents.
 *
 * Resolved parent directories are cached per layer (a sorted layer lists dozens of files per
 * directory; resolving each parent again was ~5 lstat calls per entry, 20% of an unpack). The
 * archive is the only writer of the tree, so a cached resolution can only go stale through this
 * applier's own changes: the cache is cleared whenever anything is removed or replaced (entry
 * replacement, whiteout, opaque directory), and a resolution that followed a symlink found only in
 * a lower layer is never cached (the layer may create that path in the upper dir later).
 *
 * An entry whose new inode already has the wanted owner is not chowned (new-inode-owner.ts).
 */
import { closeSync, linkSync, lstatSync, mkdirSync, openSync, symlinkSync, writeSync, constants as fsc } from "node:fs";
import { dirname, join } from "node:path";
import { makeSpecialFile } from "./special-file.ts";
import { copyUp, findInLowers } from "./lower-dirs.ts";
import { NewInodeOwner } from "./new-inode-owner.ts";
import { WritableDirs } from "./writable-dirs.ts";
import { removeTree } from "../sys/remove-tree.ts";
import { DeferredDirTimes } from "./deferred-dirs.ts";
import { applyFileMetadata, applyMetadata, atimeNsOf, mtimeNsOf } from "./metadata.ts";
import { cleanEntryName, resolveDirInRoot, type ResolveOptions } from "./safe-path.ts";
import { LayerEntryError, UnsafePathError } from "../errors.ts";
import { errnoOf } from "../../../common/errors.ts";
import type { TarHeader } from "../tar/header.ts";
import type { EntryHandler, TarSink } from "../tar/reader.ts";
import { applyOpaque, applyWhiteout, isOverlayWhiteout, OPAQUE_MARKER, WHITEOUT_PREFIX, whiteoutTarget, type WhiteoutFormat } from "./whiteout.ts";

export interface ApplyOptions {
  /** The directory the layer is applied to (a full tree, or an overlay upper dir). */
  root: string;
  format: WhiteoutFormat;
  /** For overlay: the parent snapshots' directories, newest first (the merged view's lowers). */
  lowerDirs?: string[];
  /** Names the layer in errors ("layer sha256:…"). */
  label: string;
}

class Applier {
  /** Host paths written by this layer, and directories leading to them (for opaque markers). */
  private readonly written = new Set<string>();
  private readonly dirTimes: DeferredDirTimes;
  private readonly resolve: ResolveOptions;
  /** Parent components joined with "/" → what they resolved to inside the root (see the top comment). */
  private readonly parents = new Map<string, { dir: string; resolved: string[] }>();
  private followedLowerSymlink = false;
  /**
   * Host paths of directories this layer made opaque (a `.wh..wh..opq`, or a directory re-created
   * after its whiteout; the root itself for a top-level marker): nothing at or below them is looked
   * up in the lowers any more, as the merged view no longer shows it.
   */
  private readonly opaqueDirs = new Set<string>();
  /** The regular file whose data is being written (closed by abort on failure). */
  private openFd: number | undefined;
  private readonly owner = new NewInodeOwner();
  private readonly writable: WritableDirs;

  constructor(private readonly opts: ApplyOptions) {
    this.dirTimes = new DeferredDirTimes(opts.root);
    this.writable = new WritableDirs(this.dirTimes);
    this.resolve = {
      create: true,
      onCreate: (host, components) => this.implicitDir(host, components),
      lowerLookup: opts.lowerDirs?.length ? (c) => this.inLower(c) : undefined,
      onLowerSymlink: () => void (this.followedLowerSymlink = true),
    };
  }

  /** `components` resolved as a directory inside the root (missing directories are created). */
  private resolveDir(components: string[]): { dir: string; resolved: string[] } {
    const key = components.join("/");
    let hit = this.parents.get(key);
    if (hit === undefined) {
      this.followedLowerSymlink = false;
      const resolved = resolveDirInRoot(this.opts.root, components, this.resolve);
      hit = { dir: join(this.opts.root, ...resolved), resolved };
      if (!this.followedLowerSymlink) this.parents.set(key, hit);
    }
    return hit;
  }

  private hostDir(components: string[]): string {
    return this.resolveDir(components).dir;
  }

  /** Host path of an entry: the parent resolved inside the root, the last component not followed. */
  private hostPath(components: string[]): string {
    return join(this.hostDir(components.slice(0, -1)), components[components.length - 1]!);
  }

  /** Something in the tree was removed or replaced: cached resolutions may no longer hold. */
  private removed(): void {
    this.parents.clear();
    this.owner.clear();
  }

  private inLower(components: string[]): string | undefined {
    if (this.opaqueDirs.size > 0) {
      for (let i = 0, p = this.opts.root; i < components.length; p = join(p, components[i++]!)) if (this.opaqueDirs.has(p)) return undefined;
    }
    return findInLowers(this.opts.lowerDirs ?? [], components);
  }

  /** A parent dir the layer did not list: copy the lower's metadata so the merged view is unchanged. */
  private implicitDir(host: string, components: string[]): void {
    this.written.add(host);
    const lower = this.inLower(components);
    if (lower === undefined) return;
    const st = lstatSync(lower, { bigint: true });
    if (!st.isDirectory()) return;
    const mode = Number(st.mode);
    applyMetadata(host, { uid: Number(st.uid), gid: Number(st.gid), mode: mode & 0o7777, xattrs: new Map(), type: "dir" } as TarHeader);
    this.writable.opened(host, mode);
    this.owner.dirSet(host, mode, Number(st.gid));
    this.dirTimes.add(host, lstatSync(host), st.atimeNs, st.mtimeNs);
  }

  private markWritten(host: string): void {
    for (let p = host; p.length > this.opts.root.length && !this.written.has(p); p = dirname(p)) this.written.add(p);
  }

  /** Applies one entry; a regular file is created here and gets its data through the returned sink. */
  entry(h: TarHeader): TarSink | undefined {
    const components = cleanEntryName(h.name);
    if (components.length === 0) {
      // CVE-2021-29136: an entry for `/` may only adjust the root directory's metadata.
      if (h.type !== "dir") throw new UnsafePathError(`refusing to replace the root directory with a ${h.type}`);
      applyMetadata(this.opts.root, h);
      this.writable.opened(this.opts.root, h.mode);
      this.owner.dirSet(this.opts.root, h.mode, h.gid);
      this.deferTimes(this.opts.root, lstatSync(this.opts.root), h);
      return undefined;
    }
    const base = components[components.length - 1]!;
    if (base.startsWith(WHITEOUT_PREFIX)) {
      this.whiteout(components, base);
      return undefined;
    }
    const host = this.hostPath(components);
    this.markWritten(host);
    // Create first and look only when something is in the way (EEXIST): in a fresh snapshot almost
    // nothing is, and an lstat per entry was ~5% of an unpack. Nothing in the way is followed.
    const parent = dirname(host);
    let created = this.writable.within(parent, () => this.create(host, h));
    let merged = false;
    if (created === false) {
      const existing = lstatSync(host);
      if (existing.isDirectory() && h.type === "dir") {
        merged = true; // both directories: the existing inode keeps whatever owner it had
        this.deferTimes(host, existing, h);
      } else {
        this.removed();
        this.writable.within(parent, () => removeTree(host));
        created = this.writable.within(parent, () => this.create(host, h));
        if (created === false) throw new UnsafePathError(`${JSON.stringify(h.name)} reappeared while being replaced`);
        // Overlay: a directory re-created after its whiteout in the same layer must not show the
        // lower directory's entries again, which in overlayfs's format means opaque.
        if (h.type === "dir" && this.opts.format === "overlay" && isOverlayWhiteout(existing)) {
          applyOpaque(host, "overlay", this.written);
          this.opaqueDirs.add(host);
        }
      }
    }
    const chown = merged || this.owner.differs(host, h.uid, h.gid);
    if (typeof created === "number") return this.fileSink(created, host, h, chown);
    // A hardlink shares the target's inode and metadata; a file gets its metadata through its fd.
    if (h.type !== "hardlink") applyMetadata(host, h, chown);
    if (h.type === "dir") {
      this.owner.dirSet(host, h.mode, h.gid);
      this.writable.opened(host, h.mode);
    }
    return undefined;
  }

  /**
   * Creates the entry at `host`: the open fd for a regular file, true for anything else, false
   * when something already exists there (EEXIST).
   */
  private create(host: string, h: TarHeader): number | boolean {
    try {
      switch (h.type) {
        case "file":
          // O_EXCL|O_NOFOLLOW: whatever is already there (EEXIST) is never opened, let alone followed.
          return openSync(host, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW, 0o600);
        case "dir":
          mkdirSync(host, { mode: 0o700 });
          this.deferTimes(host, lstatSync(host), h);
          break;
        case "symlink":
          symlinkSync(h.linkname, host);
          break;
        case "hardlink":
          linkSync(this.hardlinkTarget(h.linkname), host);
          break;
        case "char":
        case "block":
        case "fifo":
          makeSpecialFile(host, h);
          break;
      }
      return true;
    } catch (err) {
      if (errnoOf(err) === "EEXIST") return false;
      throw err;
    }
  }

  /** Writes a file's data as it arrives; metadata through the fd once it is complete. */
  private fileSink(fd: number, host: string, h: TarHeader, chown: boolean): TarSink {
    this.openFd = fd;
    return {
      data: (chunk) => {
        for (let off = 0; off < chunk.length; ) off += writeSync(fd, chunk, off);
      },
      end: () => {
        this.openFd = undefined;
        try {
          applyFileMetadata(fd, host, h, chown);
        } finally {
          closeSync(fd);
        }
      },
    };
  }

  /** Closes the file being written, if any (the layer failed mid-entry). */
  abort(): void {
    if (this.openFd !== undefined) closeSync(this.openFd);
    this.openFd = undefined;
  }

  /** Hardlink targets must already exist inside the root (containerd hardlinkRootPath). */
  private hardlinkTarget(linkname: string): string {
    const components = cleanEntryName(linkname);
    if (components.length === 0) throw new UnsafePathError(`hardlink to the root directory`);
    const last = components[components.length - 1]!;
    const parent = this.resolveDir(components.slice(0, -1));
    const target = join(parent.dir, last);
    const resolved = [...parent.resolved, last];
    let st;
    try {
      st = lstatSync(target);
    } catch {
      const lower = this.inLower(resolved);
      if (lower === undefined) throw new UnsafePathError(`hardlink target ${JSON.stringify(linkname)} does not exist in the rootfs`);
      copyUp(lower, target); // overlay: a link to a lower file needs the file in the upper dir
      st = lstatSync(target);
    }
    // Overlay: a 0:0 character device in the upper dir is this layer's whiteout of the target.
    if (this.opts.format === "overlay" && isOverlayWhiteout(st)) throw new UnsafePathError(`hardlink target ${JSON.stringify(linkname)} does not exist in the rootfs`);
    if (st.isDirectory()) throw new UnsafePathError(`hardlink target ${JSON.stringify(linkname)} is a directory`);
    return target;
  }

  private whiteout(components: string[], base: string): void {
    this.removed();
    if (base === OPAQUE_MARKER) {
      const dir = this.hostDir(components.slice(0, -1));
      this.markWritten(dir);
      this.writable.within(dir, () => applyOpaque(dir, this.opts.format, this.written));
      this.opaqueDirs.add(dir);
      return;
    }
    const name = whiteoutTarget(base);
    const host = this.hostPath([...components.slice(0, -1), name]);
    this.writable.within(dirname(host), () => applyWhiteout(host, this.opts.format));
  }

  private deferTimes(host: string, st: { dev: number; ino: number }, h: TarHeader): void {
    this.dirTimes.add(host, st, atimeNsOf(h), mtimeNsOf(h));
  }

  /** Directory times last, deepest first, so writing children does not disturb them. */
  finish(): void {
    this.dirTimes.apply();
  }
}

/**
 * A layer applier as a tar entry handler: errors name the layer and the entry. Call `finish` after
 * the last entry (directory times), or `abort` when the layer failed.
 */
export function layerApplier(opts: ApplyOptions): { onEntry: EntryHandler; finish(): void; abort(): void; readonly entries: number } {
  const applier = new Applier(opts);
  let entries = 0;
  const guard = <T>(name: string, fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof LayerEntryError) throw err;
      throw new LayerEntryError(opts.label, name, err);
    }
  };
  return {
    onEntry(h) {
      entries++;
      const sink = guard(h.name, () => applier.entry(h));
      if (sink === undefined) return undefined;
      return { data: (chunk) => guard(h.name, () => sink.data(chunk)), end: () => guard(h.name, () => sink.end()) };
    },
    finish: () => applier.finish(),
    abort: () => applier.abort(),
    get entries() {
      return entries;
    },
  };
}
