/**
 * The owner a just-created inode already has, so the layer applier can leave out a chown that
 * would change nothing: a new inode belongs to this process's uid, and to its gid unless the
 * parent directory is setgid (then to that directory's group). In a typical image almost every
 * entry is root's, and the lchown per entry was ~5% of an unpack.
 *
 * Rootless with the user's own id alone (rootless-owner.ts "single-id"), owners are compared as the
 * container sees them: every new inode is root:root there, and nothing else can be chowned.
 */
import { lstatSync } from "node:fs";
import { dirname } from "node:path";
import { ownershipMode } from "../sys/rootless.ts";

export class NewInodeOwner {
  private readonly single = ownershipMode() === "single";
  private readonly euid = this.single ? 0 : (process.geteuid?.() ?? -1);
  private readonly egid = this.single ? 0 : (process.getegid?.() ?? -1);
  /** Host directory → the group a new entry in it gets; filled lazily. */
  private readonly groupIn = new Map<string, number>();

  /** A directory's mode and group were set (created, merged, or copied from a lower layer). */
  dirSet(host: string, mode: number, gid: number): void {
    this.groupIn.set(host, mode & 0o2000 ? gid : this.egid);
  }

  /** Something was removed or replaced: what was learnt about directories may no longer hold. */
  clear(): void {
    this.groupIn.clear();
  }

  /** Whether the inode just created at `host` needs a chown to become `uid:gid`. */
  differs(host: string, uid: number, gid: number): boolean {
    if (uid !== this.euid) return true;
    if (this.single) return gid !== 0;
    const dir = dirname(host);
    let group = this.groupIn.get(dir);
    if (group === undefined) {
      const st = lstatSync(dir);
      group = st.mode & 0o2000 ? st.gid : this.egid;
      this.groupIn.set(dir, group);
    }
    return gid !== group;
  }
}
