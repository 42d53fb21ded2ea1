/**
 * The container init's stdio across a checkpoint (runc descriptors.json and its inherit-fd of
 * "pipe:" fds). The init's fds 0-2 usually lead outside the container: a pipe from the caller, or a
 * host file such as /dev/null or a log, on a mount the container does not have, which criu refuses
 * to dump ("Can't lookup mount"). Dump declares such a file external, `--external
 * file[MNT_ID:INODE]` (criu files-reg.c's key, in hex); the keys go to descriptors.json in the image
 * directory, and restore hands its own fds 0-2 in under them (`--inherit-fd fd[N]:KEY`): the
 * restored init writes where the `restore` caller's stdio leads, as with runc.
 */
import { readFileSync, readlinkSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ioError } from "../errors.ts";

export const DESCRIPTORS_FILE = "descriptors.json";

export interface Descriptor {
  fd: number;
  /** criu's key for the file: "pipe:[INODE]" or "file[MNT_ID:INODE]". */
  key: string;
  /** Dump must declare it with --external (files; pipes are found by their key on restore alone). */
  external: boolean;
}

/** The external stdio of `pid`, read from /proc. Sockets, ttys inside and container files are left to criu. */
export function stdioDescriptors(pid: number): Descriptor[] {
  const inside = new Set(readFileSync(`/proc/${pid}/mountinfo`, "utf8").trim().split("\n").map((l) => Number(l.split(" ")[0])));
  const out: Descriptor[] = [];
  for (const fd of [0, 1, 2]) {
    let link: string;
    let mntId: number;
    let ino: number;
    try {
      link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      mntId = Number(/^mnt_id:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, "utf8"))?.[1]);
      ino = statSync(`/proc/${pid}/fd/${fd}`).ino;
    } catch {
      continue; // closed
    }
    if (link.startsWith("pipe:")) out.push({ fd, key: link, external: false });
    else if (!link.startsWith("socket:") && !link.startsWith("anon_inode:") && !inside.has(mntId)) {
      out.push({ fd, key: `file[${mntId.toString(16)}:${ino.toString(16)}]`, external: true });
    }
  }
  return out;
}

export function writeDescriptors(imageDir: string, d: Descriptor[]): void {
  const path = join(imageDir, DESCRIPTORS_FILE);
  try {
    writeFileSync(path, JSON.stringify(d), { mode: 0o600 });
  } catch (err) {
    throw ioError("write", path, err);
  }
}

/** The descriptors a checkpoint recorded; none when the file is absent (a checkpoint made by another tool). */
export function readDescriptors(imageDir: string): Descriptor[] {
  try {
    const d = JSON.parse(readFileSync(join(imageDir, DESCRIPTORS_FILE), "utf8")) as unknown;
    return Array.isArray(d) ? d.filter((x): x is Descriptor => typeof x?.fd === "number" && typeof x?.key === "string") : [];
  } catch {
    return [];
  }
}
