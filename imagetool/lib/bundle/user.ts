/**
 * Resolves an image config's `User` (image-spec config.md: `user`, `uid`, `user:group`,
 * `uid:gid`, `uid:group`, `user:gid`) through the rootfs's /etc/passwd and /etc/group, as
 * conversion.md requires, and collects supplementary groups from group membership (runc
 * libcontainer/user GetExecUser). The files are read inside the rootfs with symlinks resolved
 * within it, and their size is bounded: they are image content.
 */
import { closeSync, fstatSync, openSync, readSync, constants as fsc } from "node:fs";
import { resolveFileInRoot } from "../layer/safe-path.ts";
import { ImagetoolError } from "../errors.ts";

export interface PasswdEntry { name: string; uid: number; gid: number; home: string }
export interface GroupEntry { name: string; gid: number; members: string[] }
export interface ResolvedUser { uid: number; gid: number; additionalGids: number[]; home?: string; username?: string }

const MAX_DB = 4 << 20;

export function parsePasswd(text: string): PasswdEntry[] {
  return text.split("\n").flatMap((line) => {
    const f = line.split(":");
    if (line.startsWith("#") || f.length < 7) return [];
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    return Number.isInteger(uid) && Number.isInteger(gid) ? [{ name: f[0]!, uid, gid, home: f[5]! }] : [];
  });
}

export function parseGroup(text: string): GroupEntry[] {
  return text.split("\n").flatMap((line) => {
    const f = line.split(":");
    if (line.startsWith("#") || f.length < 4) return [];
    const gid = Number(f[2]);
    return Number.isInteger(gid) ? [{ name: f[0]!, gid, members: f[3]!.split(",").filter((m) => m !== "") }] : [];
  });
}

/** Reads a regular file inside the rootfs, or "" when missing. */
export function readRootfsFile(rootfs: string, path: string): string {
  let fd;
  try {
    fd = openSync(resolveFileInRoot(rootfs, path), fsc.O_RDONLY | fsc.O_NOFOLLOW | fsc.O_NONBLOCK);
  } catch {
    return "";
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return "";
    if (st.size > MAX_DB) throw new ImagetoolError("UNSUPPORTED", `${path} in the rootfs is ${st.size} bytes (limit ${MAX_DB})`, { context: { path } });
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < st.size) {
      const n = readSync(fd, buf, off, st.size - off, off);
      if (n === 0) break;
      off += n;
    }
    return buf.subarray(0, off).toString("utf8");
  } finally {
    closeSync(fd);
  }
}

const isNumeric = (s: string) => /^[0-9]+$/.test(s);

/** Pure resolution against parsed databases (unit-tested with tables). */
export function resolveUser(spec: string, passwd: PasswdEntry[], groups: GroupEntry[]): ResolvedUser {
  if (spec === "") return resolveUser("0", passwd, groups);
  const [userPart, groupPart, ...extra] = spec.split(":");
  if (extra.length > 0 || userPart === undefined || userPart === "") throw new ImagetoolError("INVALID_ARGUMENT", `invalid User ${JSON.stringify(spec)}: expected user, uid, user:group or uid:gid`);
  const entry = isNumeric(userPart) ? passwd.find((p) => p.uid === Number(userPart)) : passwd.find((p) => p.name === userPart);
  if (!isNumeric(userPart) && entry === undefined) throw new ImagetoolError("USER_NOT_FOUND", `User ${JSON.stringify(userPart)} not found in the image's /etc/passwd`, { context: { user: userPart } });
  const uid = isNumeric(userPart) ? Number(userPart) : entry!.uid;
  let gid: number;
  if (groupPart === undefined) gid = entry?.gid ?? 0;
  else if (isNumeric(groupPart)) gid = Number(groupPart);
  else {
    const g = groups.find((x) => x.name === groupPart);
    if (g === undefined) throw new ImagetoolError("USER_NOT_FOUND", `group ${JSON.stringify(groupPart)} not found in the image's /etc/group`, { context: { group: groupPart } });
    gid = g.gid;
  }
  if (uid > 0xfffffffe || gid > 0xfffffffe) throw new ImagetoolError("INVALID_ARGUMENT", `User ${JSON.stringify(spec)}: id out of range`);
  // Supplementary groups come from membership only when the group was not given explicitly
  // (Docker/runc: "user:group" sets exactly that group).
  const additionalGids = groupPart === undefined && entry
    ? [...new Set(groups.filter((g) => g.members.includes(entry.name) && g.gid !== gid).map((g) => g.gid))]
    : [];
  return { uid, gid, additionalGids, ...(entry ? { home: entry.home, username: entry.name } : {}) };
}

export function resolveUserInRootfs(rootfs: string, spec: string): ResolvedUser {
  return resolveUser(spec, parsePasswd(readRootfsFile(rootfs, "/etc/passwd")), parseGroup(readRootfsFile(rootfs, "/etc/group")));
}
