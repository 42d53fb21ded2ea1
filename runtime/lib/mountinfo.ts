/**
 * /proc/<pid>/mountinfo (proc_pid_mountinfo(5)), one entry per line:
 *   36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
 *   (1)(2) (3)  (4)   (5)    (6)       (7)    (8)(9)   (10)       (11)
 * The optional fields (7) end at the lone "-". The kernel escapes space, tab, newline and
 * backslash in paths as \ooo (fs/proc_namespace.c mangle, show_mountinfo); they are unescaped
 * here, so a mount point named "a b" reads as "a b", not "a\040b". The runtime's only parser of it.
 */

export interface MountinfoEntry {
  id: number;
  parentId: number;
  /** major:minor of the filesystem's device ("0:61"); one per superblock. */
  dev: string;
  /** The directory of the filesystem that is mounted here (field 4). */
  root: string;
  mountpoint: string;
  /** Per-mount options (rw, nosuid, relatime...). */
  options: string[];
  fstype: string;
  source: string;
  /** Per-superblock options (for cgroup v1: the subsystems of the hierarchy). */
  superOptions: string[];
}

/** \ooo → the byte it names (the kernel only escapes ASCII characters, so one byte is one char). */
export function unescapeMountinfo(s: string): string {
  return s.includes("\\") ? s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))) : s;
}

/** Lines without the "-" separator or with too few fields are skipped. */
export function parseMountinfo(text: string): MountinfoEntry[] {
  const out: MountinfoEntry[] = [];
  for (const line of text.split("\n")) {
    const sep = line.indexOf(" - ");
    if (sep < 0) continue;
    const pre = line.slice(0, sep).split(" ");
    const post = line.slice(sep + 3).split(" ");
    if (pre.length < 6 || post.length < 1 || !post[0]) continue;
    out.push({
      id: Number(pre[0]),
      parentId: Number(pre[1]),
      dev: pre[2]!,
      root: unescapeMountinfo(pre[3]!),
      mountpoint: unescapeMountinfo(pre[4]!),
      options: pre[5]!.split(","),
      fstype: post[0],
      source: unescapeMountinfo(post[1] ?? ""),
      superOptions: (post[2] ?? "").split(","),
    });
  }
  return out;
}
