/**
 * Test helper: describes a tree entry by entry (type, mode, owner, size, content hash, link
 * target, device, xattrs, mtime of non-directories to the nanosecond) so two unpackers' results can be compared.
 */
import { createHash } from "node:crypto";
import { lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { readXattrs } from "../../../imagetool/lib/sys/libc.ts";

export type TreeDescription = Record<string, string>;

function typeOf(mode: number): string {
  return ({ 0o040000: "dir", 0o100000: "file", 0o120000: "symlink", 0o020000: "char", 0o060000: "block", 0o010000: "fifo", 0o140000: "socket" } as Record<number, string>)[mode & 0o170000] ?? "?";
}

export function describeTree(root: string, opts: { mtimes?: boolean } = {}): TreeDescription {
  const out: TreeDescription = {};
  const visit = (rel: string) => {
    const host = join(root, rel);
    const st = lstatSync(host);
    const type = typeOf(st.mode);
    const parts = [type, (st.mode & 0o7777).toString(8), `${st.uid}:${st.gid}`];
    if (type === "file") parts.push(`size=${st.size}`, createHash("sha256").update(readFileSync(host)).digest("hex").slice(0, 16), `nlink=${st.nlink}`);
    if (type === "symlink") parts.push(`-> ${readlinkSync(host)}`);
    if (type === "char" || type === "block") parts.push(`rdev=${st.rdev}`);
    if (opts.mtimes !== false && type !== "dir") parts.push(`mtime=${lstatSync(host, { bigint: true }).mtimeNs}ns`);
    const xattrs = [...readXattrs(host)].filter(([k]) => !k.startsWith("trusted.overlay."));
    if (xattrs.length) parts.push(`xattrs=${xattrs.map(([k, v]) => `${k}=${Buffer.from(v).toString("hex")}`).join(",")}`);
    out[rel === "" ? "/" : rel] = parts.join(" ");
    if (type === "dir") for (const c of readdirSync(host).sort()) visit(rel === "" ? c : `${rel}/${c}`);
  };
  visit("");
  return out;
}
