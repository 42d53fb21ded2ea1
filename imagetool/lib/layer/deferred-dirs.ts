/**
 * Directory times, set after a layer's last entry so that writing a directory's children does not
 * disturb them (umoci UnpackEntry's deferred parent times, containerd applyNaive's dirs pass).
 *
 * By then later entries may have replaced the directory or a component above it, e.g. `d/`, `d/ok`,
 * then `d` → a symlink to a host directory: a path-based utimensat(…, "<root>/d", …, 0) would set
 * the host directory's times. So each directory is reopened inside the root with openat2
 * (RESOLVE_IN_ROOT|RESOLVE_NO_SYMLINKS, O_NOFOLLOW|O_DIRECTORY: its recorded path was symlink-free
 * when it was created) and its times are set through that fd, and only if the fd is still the
 * inode (dev+ino) recorded at creation. A directory no longer reachable that way was removed by
 * the layer: its times do not matter.
 */
import { closeSync, fchmodSync, fstatSync, openSync, constants as fsc } from "node:fs";
import { constants } from "node:os";
import { futimensNs, openat2, RESOLVE_IN_ROOT, RESOLVE_NO_MAGICLINKS, RESOLVE_NO_SYMLINKS } from "../sys/libc.ts";
import { SyscallError } from "../errors.ts";

interface Deferred {
  /** Path relative to the root, symlink-free when recorded ("." for the root itself). */
  rel: string;
  dev: number;
  ino: number;
}

/** What replacing or removing a component does to a later openat2 of the old path. */
const GONE = new Set([constants.errno.ENOENT, constants.errno.ENOTDIR, constants.errno.ELOOP]);

export class DeferredDirTimes {
  private readonly dirs: Array<Deferred & { atimeNs: bigint; mtimeNs: bigint }> = [];
  /**
   * Rootless with one id (rootless-owner.ts): a directory whose mode denies its owner writing or
   * searching is kept u+rwx while the layer is applied (the user has no CAP_DAC_OVERRIDE to add
   * entries to it, as root would), and gets its mode back here, after every directory's times.
   */
  private readonly modes = new Map<string, Deferred & { mode: number }>();

  constructor(private readonly root: string) {}

  private relOf(host: string): string {
    return host.length === this.root.length ? "." : host.slice(this.root.length + 1);
  }

  /** Records the times of the directory at `host` (inside the root), identified by its lstat. */
  add(host: string, st: { dev: number; ino: number }, atimeNs: bigint, mtimeNs: bigint): void {
    this.dirs.push({ rel: this.relOf(host), dev: st.dev, ino: st.ino, atimeNs, mtimeNs });
  }

  /** Records the mode the directory at `host` gets back at the end (it is u+rwx until then). */
  addMode(host: string, st: { dev: number; ino: number }, mode: number): void {
    // by path: a directory opened up again (a later entry merged into it) gets the latest mode
    const rel = this.relOf(host);
    this.modes.set(rel, { rel, dev: st.dev, ino: st.ino, mode });
  }

  /** Sets every recorded directory's times, then modes, deepest (latest recorded) first. */
  apply(): void {
    if (this.dirs.length === 0 && this.modes.size === 0) return;
    const rootFd = openSync(this.root, fsc.O_RDONLY | fsc.O_DIRECTORY | fsc.O_NOFOLLOW);
    try {
      for (let i = this.dirs.length - 1; i >= 0; i--) {
        const d = this.dirs[i]!;
        this.through(rootFd, d, (fd) => futimensNs(fd, d.rel, d.atimeNs, d.mtimeNs));
      }
      for (const d of [...this.modes.values()].reverse()) this.through(rootFd, d, (fd) => fchmodSync(fd, d.mode));
    } finally {
      closeSync(rootFd);
    }
  }

  /** Runs `fn` on the directory reopened inside the root, if it is still the recorded inode. */
  private through(rootFd: number, d: Deferred, fn: (fd: number) => void): void {
    const flags = fsc.O_RDONLY | fsc.O_DIRECTORY | fsc.O_NOFOLLOW | 0o2000000; // O_CLOEXEC
    const fd = openat2(rootFd, d.rel, flags, RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS, true);
    if (fd < 0) {
      if (GONE.has(-fd)) return;
      throw new SyscallError("openat2", d.rel, -fd);
    }
    try {
      const st = fstatSync(fd);
      if (st.dev === d.dev && st.ino === d.ino) fn(fd);
    } finally {
      closeSync(fd);
    }
  }
}
