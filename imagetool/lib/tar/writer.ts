/**
 * Encodes tar entries (ustar + PAX), the inverse of reader.ts. PAX records carry long names,
 * large ids and sizes, fractional mtimes and `SCHILY.xattr.*` with raw binary values, as Go's
 * archive/tar (used by Docker, containerd and umoci) writes them.
 */
import { BLOCK, formatPaxTime, type TarHeader } from "./header.ts";

const encoder = new TextEncoder();

function octal(buf: Uint8Array, off: number, len: number, value: number): boolean {
  const s = Math.floor(value).toString(8);
  if (s.length > len - 1) return false;
  buf.set(encoder.encode(s.padStart(len - 1, "0")), off);
  return true;
}

function paxRecord(key: string, value: Uint8Array): Uint8Array {
  const body = value.length + encoder.encode(key).length + 3; // ' ' '=' '\n'
  let len = body + String(body).length;
  if (String(len).length !== String(body).length) len = body + String(len).length;
  const rec = new Uint8Array(len);
  const head = encoder.encode(`${len} ${key}=`);
  rec.set(head, 0);
  rec.set(value, head.length);
  rec[len - 1] = 0x0a;
  return rec;
}

const flags: Record<TarHeader["type"], string> = {
  file: "0", hardlink: "1", symlink: "2", char: "3", block: "4", dir: "5", fifo: "6",
};

function headerBlock(h: Partial<TarHeader> & { name: string; type: TarHeader["type"] }, flag: string, size: number): { block: Uint8Array; needPax: Map<string, Uint8Array> } {
  const block = new Uint8Array(BLOCK);
  const pax = new Map<string, Uint8Array>();
  const name = encoder.encode(h.name);
  if (name.length > 100) pax.set("path", name);
  block.set(name.subarray(0, 100), 0);
  octal(block, 100, 8, h.mode ?? 0o644);
  if (!octal(block, 108, 8, h.uid ?? 0)) pax.set("uid", encoder.encode(String(h.uid)));
  if (!octal(block, 116, 8, h.gid ?? 0)) pax.set("gid", encoder.encode(String(h.gid)));
  if (!octal(block, 124, 12, size)) pax.set("size", encoder.encode(String(size)));
  const mtime = h.mtimeNs === undefined ? (h.mtime ?? 0) : Number(h.mtimeNs / 1_000_000_000n);
  if (!octal(block, 136, 12, Math.max(0, mtime)) || mtime < 0) pax.set("mtime", encoder.encode(String(mtime)));
  if (h.mtimeNs !== undefined && (h.mtimeNs % 1_000_000_000n !== 0n || h.mtimeNs < 0n)) pax.set("mtime", encoder.encode(formatPaxTime(h.mtimeNs)));
  else if (!Number.isInteger(mtime)) pax.set("mtime", encoder.encode(mtime.toFixed(9)));
  if (h.atimeNs !== undefined) pax.set("atime", encoder.encode(formatPaxTime(h.atimeNs)));
  block[156] = flag.charCodeAt(0);
  const link = encoder.encode(h.linkname ?? "");
  if (link.length > 100) pax.set("linkpath", link);
  block.set(link.subarray(0, 100), 157);
  block.set(encoder.encode("ustar\x0000"), 257);
  octal(block, 329, 8, h.devmajor ?? 0);
  octal(block, 337, 8, h.devminor ?? 0);
  for (const [k, v] of h.xattrs ?? []) pax.set(`SCHILY.xattr.${k}`, v);
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of block) sum += b;
  octal(block, 148, 7, sum);
  block[155] = 0x20;
  return { block, needPax: pax };
}

/** Header block(s) for one entry: a PAX header first when a field does not fit ustar. */
export function encodeHeader(h: Partial<TarHeader> & { name: string; type: TarHeader["type"] }): Uint8Array[] {
  const size = h.type === "file" ? (h.size ?? 0) : 0;
  const main = headerBlock(h, flags[h.type], size);
  if (main.needPax.size === 0) return [main.block];
  const records = [...main.needPax].map(([k, v]) => paxRecord(k, v));
  const paxData = new Uint8Array(records.reduce((n, r) => n + r.length, 0));
  let off = 0;
  for (const r of records) {
    paxData.set(r, off);
    off += r.length;
  }
  const paxName = `PaxHeaders/${h.name}`.slice(0, 99);
  const paxHead = headerBlock({ name: paxName, type: "file", mode: 0o644 }, "x", paxData.length).block;
  return [paxHead, paxData, padding(paxData.length), main.block];
}

export function padding(size: number): Uint8Array {
  return new Uint8Array((BLOCK - (size % BLOCK)) % BLOCK);
}

/** The two zero blocks that end an archive. */
export const END_OF_ARCHIVE = new Uint8Array(BLOCK * 2);
