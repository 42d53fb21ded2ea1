/**
 * Performs the Mount[] a snapshotter describes. Overlay option strings longer than a page (the
 * kernel copies at most PAGE_SIZE of mount data) are shortened as containerd's
 * mount_linux.go compactLowerdirOption does: chdir to the common parent and use relative paths.
 */
import { dirname } from "node:path";
import { MS_BIND, MS_RDONLY, MS_REC, mount, umount, MNT_DETACH } from "../sys/libc.ts";
import type { Mount } from "./snapshotter.ts";
import { ImagetoolError } from "../errors.ts";
import { errnoOf } from "../../../common/errors.ts";

const PAGE = 4096;

function commonDir(paths: string[]): string {
  let prefix = dirname(paths[0]!);
  while (!paths.every((p) => p.startsWith(`${prefix}/`))) prefix = dirname(prefix);
  return prefix;
}

/** The mount(2) data string for overlay options, and the directory to chdir to when it had to be made relative. */
export function overlayMountData(options: string[]): { data: string; cwd?: string } {
  const fields = options.filter((o) => o !== "ro" && o !== "rw");
  const data = fields.join(",");
  if (data.length < PAGE) return { data };
  const paths = fields.flatMap((o) => {
    const [k, v] = o.split("=", 2);
    return k === "lowerdir" ? v!.split(":") : k === "upperdir" || k === "workdir" ? [v!] : [];
  });
  const cwd = commonDir(paths);
  const rel = (p: string) => p.slice(cwd.length + 1);
  const compact = fields.map((o) => {
    const [k, v] = o.split("=", 2);
    if (k === "lowerdir") return `lowerdir=${v!.split(":").map(rel).join(":")}`;
    if (k === "upperdir" || k === "workdir") return `${k}=${rel(v!)}`;
    return o;
  }).join(",");
  if (compact.length >= PAGE) throw new ImagetoolError("UNSUPPORTED", `overlay mount options are ${compact.length} bytes even with relative paths (limit ${PAGE - 1})`);
  return { data: compact, cwd };
}

export function mountOne(m: Mount, target: string): void {
  const ro = m.options.includes("ro");
  if (m.type === "bind") {
    const rec = m.options.includes("rbind") ? MS_REC : 0n;
    mount(m.source, target, "", MS_BIND | rec, "");
    // A bind mount ignores MS_RDONLY until remounted (mount(2) "Creating a bind mount").
    if (ro) mount("", target, "", MS_BIND | MS_RDONLY | 0x20n /* MS_REMOUNT */, "");
    return;
  }
  if (m.type !== "overlay") throw new ImagetoolError("UNSUPPORTED", `unsupported mount type ${m.type}`);
  const { data, cwd } = overlayMountData(m.options);
  const before = process.cwd();
  if (cwd !== undefined) process.chdir(cwd);
  try {
    mount(m.source, target, "overlay", ro ? MS_RDONLY : 0n, data);
  } finally {
    if (cwd !== undefined) process.chdir(before);
  }
}

export function mountAll(mounts: Mount[], target: string): void {
  for (const m of mounts) mountOne(m, target);
}

/** Unmounts `target` (lazily if busy, so a stuck process cannot keep a snapshot pinned). */
export function unmount(target: string): void {
  try {
    umount(target);
  } catch (e) {
    if (errnoOf(e) === "EBUSY") umount(target, MNT_DETACH);
    else throw e;
  }
}
