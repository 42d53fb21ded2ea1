/**
 * A tar entry's header as the reader gives it and the writer takes it, and the fields of a header
 * block (ustar, GNU base-256 numbers, PAX records) with its checksum: the pure parsing reader.ts's
 * TarParser applies to each 512-byte block.
 */
import { TarFormatError } from "../errors.ts";

export type EntryType = "file" | "dir" | "symlink" | "hardlink" | "char" | "block" | "fifo";

export interface TarHeader {
  name: string;
  type: EntryType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Seconds since the epoch (the ustar field; a float where a writer's caller gives a fraction). */
  mtime: number;
  /** Nanoseconds since the epoch, exact, when a PAX `mtime` record gave the time (it may carry a fraction). */
  mtimeNs?: bigint;
  /** Nanoseconds since the epoch from a PAX `atime` record; without one the atime is the mtime. */
  atimeNs?: bigint;
  linkname: string;
  devmajor: number;
  devminor: number;
  /** From PAX `SCHILY.xattr.<name>` records; values are raw bytes. */
  xattrs: Map<string, Uint8Array>;
}

export const BLOCK = 512;
export const decoder = new TextDecoder();

/** An octal field (leading spaces, digits, then spaces or NULs), or GNU base-256. */
export function parseNumber(buf: Uint8Array, off: number, len: number, field: string): number {
  if ((buf[off]! & 0x80) !== 0) {
    // GNU base-256: big-endian two's complement with the top bit as the marker.
    let v = 0n;
    for (let i = off; i < off + len; i++) v = (v << 8n) | BigInt(i === off ? buf[i]! & 0x7f : buf[i]!);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new TarFormatError(`tar header field ${field} is too large`);
    return Number(v);
  }
  let i = off;
  const end = off + len;
  while (i < end && buf[i] === 0x20) i++;
  let v = 0;
  for (; i < end; i++) {
    const b = buf[i]!;
    if (b < 0x30 || b > 0x37) break;
    v = v * 8 + (b - 0x30);
  }
  for (; i < end && buf[i] !== 0; i++) {
    if (buf[i] !== 0x20) throw new TarFormatError(`tar header field ${field} is not octal: ${JSON.stringify(parseString(buf, off, len))}`);
  }
  return v;
}

export function parseString(buf: Uint8Array, off: number, len: number): string {
  if (buf[off] === 0) return ""; // most link and prefix fields: no decoder call
  const field = buf.subarray(off, off + len);
  const nul = field.indexOf(0);
  return decoder.decode(nul === -1 ? field : field.subarray(0, nul));
}

/** POSIX ustar magic "ustar\0" at 257, compared without decoding (GNU's "ustar  " has no prefix field). */
export function isUstar(block: Uint8Array): boolean {
  return block[257] === 0x75 && block[258] === 0x73 && block[259] === 0x74 && block[260] === 0x61 && block[261] === 0x72 && block[262] === 0;
}

export function isZeroBlock(block: Uint8Array): boolean {
  for (let i = 0; i < BLOCK; i++) if (block[i] !== 0) return false;
  return true;
}

/**
 * The header checksum, as unsigned or (old tars) signed bytes, with the chksum field as spaces.
 * A 4-aligned header (the usual case: headers sit at multiples of 512 in the decompressed chunk)
 * is summed a word at a time, two bytes per 16-bit lane (126 words × 510 fit in a lane), with the
 * bytes over 127 counted from their top bits: a quarter of the iterations, which matters because
 * a small layer's few hundred headers are parsed by the interpreter, before any JIT (~0.5 ms of a
 * 287-entry layer's ~5 ms parse).
 */
export function checksumOk(block: Uint8Array): boolean {
  let unsigned = 8 * 0x20;
  let high = 0;
  if ((block.byteOffset & 3) === 0) {
    const words = new Uint32Array(block.buffer, block.byteOffset, BLOCK / 4);
    let lanes = 0;
    let highBits = 0;
    for (let i = 0; i < BLOCK / 4; i++) {
      if (i === 37) i = 39; // bytes 148..155, the chksum field itself
      const w = words[i]!;
      lanes += (w & 0x00ff00ff) + ((w >>> 8) & 0x00ff00ff);
      highBits += (w >>> 7) & 0x01010101;
    }
    unsigned += (lanes & 0xffff) + (lanes >>> 16);
    high = (highBits & 0xff) + ((highBits >>> 8) & 0xff) + ((highBits >>> 16) & 0xff) + (highBits >>> 24);
  } else {
    for (let i = 0; i < BLOCK; i++) {
      if (i === 148) i = 156;
      const b = block[i]!;
      unsigned += b;
      if (b > 127) high++;
    }
  }
  const want = parseNumber(block, 148, 8, "chksum");
  return want === unsigned || want === unsigned - 256 * high;
}

/** PAX records are `<len> <key>=<value>\n`; keys are UTF-8, values kept as raw bytes. */
export function parsePax(data: Uint8Array): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space === -1) break;
    const len = parseInt(decoder.decode(data.subarray(pos, space)), 10);
    if (!Number.isInteger(len) || len <= 0 || pos + len > data.length) throw new TarFormatError("malformed PAX record length");
    const rec = data.subarray(space + 1, pos + len - 1);
    const eq = rec.indexOf(0x3d);
    if (eq === -1) throw new TarFormatError("malformed PAX record: no '='");
    out.set(decoder.decode(rec.subarray(0, eq)), rec.subarray(eq + 1));
    pos += len;
  }
  return out;
}

export const typeFlags: Record<string, EntryType> = {
  "0": "file", "\0": "file", "7": "file", "1": "hardlink", "2": "symlink",
  "3": "char", "4": "block", "5": "dir", "6": "fifo",
};

export function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

const NS_PER_S = 1_000_000_000n;

/**
 * A PAX time (`[-]seconds[.fraction]`) as exact nanoseconds: through a double, 1700000000.123456789
 * would come out as …123456716. Digits past the ninth are truncated, as Go's archive/tar does.
 */
export function parsePaxTime(s: string): bigint {
  const m = /^(-?)(\d+)(?:\.(\d*))?$/.exec(s);
  if (m === null) throw new TarFormatError(`bad PAX time ${JSON.stringify(s)}`);
  const ns = BigInt(m[2]!) * NS_PER_S + BigInt((m[3] ?? "").slice(0, 9).padEnd(9, "0"));
  return m[1] === "-" ? -ns : ns;
}

/** The PAX text for a time in nanoseconds (the fraction only when there is one). */
export function formatPaxTime(ns: bigint): string {
  const abs = ns < 0n ? -ns : ns;
  const frac = abs % NS_PER_S;
  const text = frac === 0n ? `${abs / NS_PER_S}` : `${abs / NS_PER_S}.${frac.toString().padStart(9, "0")}`;
  return ns < 0n ? `-${text}` : text;
}

export function numberOr(s: string | undefined, fallback: number): number {
  if (s === undefined) return fallback;
  const n = Number(s);
  if (!Number.isFinite(n) || n < 0) throw new TarFormatError(`bad PAX number ${JSON.stringify(s)}`);
  return n;
}
