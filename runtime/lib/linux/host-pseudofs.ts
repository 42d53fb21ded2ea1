/**
 * `--no-pivot` leaves the runtime's own mounts reachable outside the chroot, among them the host's
 * procfs and sysfs. The kernel allows a new proc or sysfs mount (e.g. `unshare -mrpf mount -t proc`)
 * only while a full one is visible in the mount namespace, so a container could mount an unmasked
 * /proc. runc's msMoveRoot therefore unmounts (or covers) every full proc and sysfs mount outside
 * the rootfs before the MS_MOVE; this lists them, from the runtime's mountinfo (proc(5)), which
 * the container's mount namespace starts as a copy of.
 */
import { readFileSync } from "node:fs";

/** Mount points of full ("/"-rooted) proc and sysfs mounts outside rootfs, in mountinfo order. */
export function hostPseudoFsMounts(rootfs: string, mountinfo = readFileSync("/proc/self/mountinfo", "utf8")): string[] {
  const found: string[] = [];
  for (const line of mountinfo.split("\n")) {
    const [pre, post] = line.split(" - ");
    if (!pre || !post) continue;
    const fields = pre.split(" ");
    const root = unescape(fields[3] ?? "");
    const mountPoint = unescape(fields[4] ?? "");
    const fstype = post.split(" ")[0];
    if (root !== "/" || (fstype !== "proc" && fstype !== "sysfs")) continue;
    if (mountPoint === rootfs || mountPoint.startsWith(`${rootfs}/`)) continue;
    found.push(mountPoint);
  }
  return found;
}

/** mountinfo escapes space, tab, newline and backslash as \ooo (proc(5)). */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}
