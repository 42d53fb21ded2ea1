/**
 * A streaming tar reader (ustar, GNU long names, PAX) that yields one entry at a time.
 *
 * Written here rather than using tar-stream because layers carry binary PAX records
 * (`SCHILY.xattr.security.capability` is a raw vfs_cap_data struct) which tar-stream decodes as
 * UTF-8 and so corrupts. Metadata records (PAX, long names) are bounded so a hostile layer cannot
 * make us buffer an unbounded header.
 */
import { ByteReader } from "./byte-reader.ts";

export type EntryType = "file" | "dir" | "symlink" | "hardlink" | "char" | "block" | "fifo";

export interface TarHeader {
  name: string;
  type: EntryType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Seconds since the epoch; PAX mtimes may carry a fraction. */
  mtime: number;
  linkname: string;
  devmajor: number;
  devminor: number;
  /** From PAX `SCHILY.xattr.<name>` records; values are raw bytes. */
  xattrs: Map<string, Uint8Array>;
}

export interface TarEntry {
  header: TarHeader;
  /** The entry's data; must be drained (or left to the reader to skip) before the next entry. */
  body: AsyncGenerator<Uint8Array>;
}

const BLOCK = 512;
const MAX_META = 1 << 20;
const decoder = new TextDecoder();

export class TarFormatError extends Error {}

function parseNumber(buf: Uint8Array, off: number, len: number, field: string): number {
  if ((buf[off]! & 0x80) !== 0) {
    // GNU base-256: big-endian two's complement with the top bit as the marker.
    let v = 0n;
    for (let i = off; i < off + len; i++) v = (v << 8n) | BigInt(i === off ? buf[i]! & 0x7f : buf[i]!);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new TarFormatError(`tar header field ${field} is too large`);
    return Number(v);
  }
  const s = decoder.decode(buf.subarray(off, off + len)).replace(/\0.*$/s, "").trim();
  if (s === "") return 0;
  if (!/^[0-7]+$/.test(s)) throw new TarFormatError(`tar header field ${field} is not octal: ${JSON.stringify(s)}`);
  return parseInt(s, 8);
}

function parseString(buf: Uint8Array, off: number, len: number): string {
  const field = buf.subarray(off, off + len);
  const nul = field.indexOf(0);
  return decoder.decode(nul === -1 ? field : field.subarray(0, nul));
}

function checksumOk(block: Uint8Array): boolean {
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  const want = parseNumber(block, 148, 8, "chksum");
  return want === unsigned || want === signed;
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

const typeFlags: Record<string, EntryType> = {
  "0": "file", "\0": "file", "7": "file", "1": "hardlink", "2": "symlink",
  "3": "char", "4": "block", "5": "dir", "6": "fifo",
};

async function readMeta(reader: ByteReader, size: number, what: string): Promise<Uint8Array> {
  if (size > MAX_META) throw new TarFormatError(`${what} record of ${size} bytes exceeds the ${MAX_META}-byte limit`);
  const data = await reader.readExact(size);
  await reader.skip(padding(size));
  return data;
}

function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

/** Yields entries in archive order. The previous entry's body is skipped if not fully read. */
export async function* readTar(source: AsyncIterable<Uint8Array>): AsyncGenerator<TarEntry> {
  const reader = new ByteReader(source);
  let globalPax = new Map<string, Uint8Array>();
  let pax = new Map<string, Uint8Array>();
  let longName: string | undefined;
  let longLink: string | undefined;
  for (;;) {
    const block = await reader.readBlock(BLOCK);
    if (block === null) return; // EOF without the end-of-archive blocks: accepted, as GNU tar does.
    if (block.every((b) => b === 0)) return;
    if (!checksumOk(block)) throw new TarFormatError("tar header checksum mismatch (corrupt or not a tar stream)");
    const flag = String.fromCharCode(block[156]!);
    const size = parseNumber(block, 124, 12, "size");
    if (flag === "x" || flag === "g") {
      const records = parsePax(await readMeta(reader, size, "PAX"));
      if (flag === "g") globalPax = new Map([...globalPax, ...records]);
      else pax = records;
      continue;
    }
    if (flag === "L" || flag === "K") {
      const s = parseString(await readMeta(reader, size, "GNU long name"), 0, size);
      if (flag === "L") longName = s;
      else longLink = s;
      continue;
    }
    const type = typeFlags[flag];
    const rawName = parseString(block, 0, 100);
    if (type === undefined) throw new TarFormatError(`entry ${rawName}: unsupported tar type flag ${JSON.stringify(flag)}`);
    const all = new Map([...globalPax, ...pax]);
    const text = (k: string) => (all.has(k) ? decoder.decode(all.get(k)) : undefined);
    const magic = parseString(block, 257, 6);
    const prefix = magic === "ustar" ? parseString(block, 345, 155) : "";
    const header: TarHeader = {
      name: text("path") ?? longName ?? (prefix ? `${prefix}/${rawName}` : rawName),
      type,
      mode: parseNumber(block, 100, 8, "mode") & 0o7777,
      uid: numberOr(text("uid"), parseNumber(block, 108, 8, "uid")),
      gid: numberOr(text("gid"), parseNumber(block, 116, 8, "gid")),
      size: type === "file" ? numberOr(text("size"), size) : 0,
      mtime: numberOr(text("mtime"), parseNumber(block, 136, 12, "mtime")),
      linkname: text("linkpath") ?? longLink ?? parseString(block, 157, 100),
      devmajor: parseNumber(block, 329, 8, "devmajor"),
      devminor: parseNumber(block, 337, 8, "devminor"),
      xattrs: new Map([...all].filter(([k]) => k.startsWith("SCHILY.xattr.")).map(([k, v]) => [k.slice(13), v])),
    };
    pax = new Map();
    longName = longLink = undefined;
    // Hardlinks, dirs etc. may declare a size but carry data only for regular files (POSIX ustar).
    const dataSize = type === "file" ? header.size : flag === "1" || flag === "2" || flag === "5" ? 0 : size;
    let consumed = 0;
    const body = (async function* () {
      for await (const chunk of reader.stream(dataSize)) {
        consumed += chunk.length;
        yield chunk;
      }
    })();
    yield { header, body };
    await body.return(undefined); // the consumer may have stopped early: skip the rest
    await reader.skip(dataSize - consumed + padding(dataSize));
  }
}

function numberOr(s: string | undefined, fallback: number): number {
  if (s === undefined) return fallback;
  const n = Number(s);
  if (!Number.isFinite(n) || n < 0) throw new TarFormatError(`bad PAX number ${JSON.stringify(s)}`);
  return n;
}
