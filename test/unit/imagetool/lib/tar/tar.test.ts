import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildTar, chunks, dir, file, hardlink, symlink } from "../../../../fixtures/tar-builder.ts";
import { lsetxattr } from "../../../../../imagetool/lib/sys/libc.ts";
import { formatPaxTime, parsePaxTime, type TarHeader } from "../../../../../imagetool/lib/tar/header.ts";
import { readTar } from "../../../../../imagetool/lib/tar/reader.ts";

async function read(data: Uint8Array, chunk = 333): Promise<Array<TarHeader & { data: string }>> {
  const out: Array<TarHeader & { data: string }> = [];
  for await (const e of readTar(chunks(data, chunk))) {
    const parts: Uint8Array[] = [];
    for await (const c of e.body) parts.push(c);
    out.push({ ...e.header, data: Buffer.concat(parts).toString() });
  }
  return out;
}

describe("tar writer → reader", () => {
  test("every field survives, with binary PAX xattrs, long names and large ids", async () => {
    const cap = new Uint8Array([1, 0, 0, 2, 0xff, 0x80, 0, 0]);
    const long = `${"a".repeat(150)}/b`;
    const entries = await read(buildTar([
      dir("d/", { mode: 0o1777, uid: 3_000_000, gid: 7 }),
      file(long, "content", { mode: 0o4755, xattrs: new Map([["security.capability", cap]]) }),
      symlink("s", "x".repeat(200)), hardlink("h", long),
      { name: "c", type: "char", devmajor: 4095, devminor: 1048575, mode: 0o600 },
      { name: "p", type: "fifo", mode: 0o644, mtime: 1_700_000_000.5 },
    ]));
    expect(entries.map((e) => [e.name, e.type])).toEqual([["d/", "dir"], [long, "file"], ["s", "symlink"], ["h", "hardlink"], ["c", "char"], ["p", "fifo"]]);
    expect(entries[0]).toMatchObject({ mode: 0o1777, uid: 3_000_000, gid: 7 });
    expect(entries[1]!.data).toBe("content");
    expect(entries[1]!.mode).toBe(0o4755);
    expect([...entries[1]!.xattrs.get("security.capability")!]).toEqual([...cap]);
    expect(entries[2]!.linkname).toBe("x".repeat(200));
    expect(entries[3]!.linkname).toBe(long);
    expect(entries[4]).toMatchObject({ devmajor: 4095, devminor: 1048575 });
    expect(entries[5]).toMatchObject({ mtime: 1_700_000_000, mtimeNs: 1_700_000_000_500_000_000n });
  });

  test("PAX mtime and atime keep every nanosecond (a double would make .123456789 into .123456716)", async () => {
    const entries = await read(buildTar([
      file("f", "", { mtimeNs: 1_700_000_000_123_456_789n, atimeNs: 1_600_000_000_000_000_001n }),
      file("neg", "", { mtimeNs: -1_500_000_000n }),
      file("whole", "", { mtime: 1_700_000_000 }),
    ]));
    expect(entries[0]).toMatchObject({ mtime: 1_700_000_000, mtimeNs: 1_700_000_000_123_456_789n, atimeNs: 1_600_000_000_000_000_001n });
    expect(entries[1]!.mtimeNs).toBe(-1_500_000_000n);
    expect(entries[2]).toMatchObject({ mtime: 1_700_000_000 });
    expect(entries[2]!.mtimeNs).toBeUndefined();
  });

  test("PAX times: digits past the ninth are truncated (as Go's archive/tar); junk is an error", () => {
    expect(parsePaxTime("1.1234567891")).toBe(1_123_456_789n);
    expect(parsePaxTime("5")).toBe(5_000_000_000n);
    expect(parsePaxTime("5.")).toBe(5_000_000_000n);
    expect(parsePaxTime("-0.25")).toBe(-250_000_000n);
    expect(formatPaxTime(-250_000_000n)).toBe("-0.250000000");
    expect(formatPaxTime(1_700_000_000_000_000_007n)).toBe("1700000000.000000007");
    for (const bad of ["", "1e9", "1.2.3", " 1", "0x10"]) expect(() => parsePaxTime(bad)).toThrow(/bad PAX time/);
  });

  test("the same entries and data however the stream is cut (headers and PAX records across chunks)", async () => {
    const tar = buildTar([
      file(`${"p".repeat(120)}/f`, "x".repeat(700), { xattrs: new Map([["user.a", new Uint8Array([0, 255])]]) }),
      dir("d/"), file("e", ""), symlink("s", "t"), file("g", "y".repeat(1024)),
    ]);
    const whole = await read(tar, tar.length);
    expect(whole.map((e) => e.name)).toEqual([`${"p".repeat(120)}/f`, "d/", "e", "s", "g"]);
    for (const size of [1, 7, 511, 512, 513, 1024]) expect(await read(tar, size)).toEqual(whole);
  });

  test("a consumer may skip a body; the next entry is still found", async () => {
    const tar = buildTar([file("a", "x".repeat(5000)), file("b", "y")]);
    const names: string[] = [];
    for await (const e of readTar(chunks(tar, 100))) names.push(e.header.name);
    expect(names).toEqual(["a", "b"]);
  });

  test("corrupt headers, truncated data and unknown types are errors", async () => {
    const tar = buildTar([file("a", "hello")]);
    const corrupt = new Uint8Array(tar);
    corrupt[0] = 0x5a;
    await expect(read(corrupt)).rejects.toThrow(/checksum/);
    await expect(read(tar.subarray(0, 600))).rejects.toThrow(/unexpected end/);
    const sparse = new Uint8Array(buildTar([file("s", "")]));
    sparse[156] = "S".charCodeAt(0);
    let sum = 0;
    sparse.fill(0x20, 148, 156);
    for (let i = 0; i < 512; i++) sum += sparse[i]!;
    sparse.set(new TextEncoder().encode(sum.toString(8).padStart(6, "0") + "\0 "), 148);
    await expect(read(sparse)).rejects.toThrow(/unsupported tar type flag "S"/);
  });
});

describe("header checksums", () => {
  /** One header with bytes > 127 in its name, its chksum recomputed as unsigned or signed bytes. */
  function headerWith(signed: boolean): Uint8Array {
    const tar = new Uint8Array(buildTar([file("n\u00e9\u00e9\u00e9", "x")]));
    tar.fill(0x20, 148, 156);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += signed && tar[i]! > 127 ? tar[i]! - 256 : tar[i]!;
    tar.set(new TextEncoder().encode(`${sum.toString(8).padStart(6, "0")}\0 `), 148);
    return tar;
  }

  test("unsigned and (old tars') signed sums are accepted at any alignment, one flipped bit is not", async () => {
    for (const signed of [false, true]) {
      const tar = headerWith(signed);
      // Whole-word summing needs a 4-aligned header; the byte loop handles the rest.
      for (const shift of [0, 1, 2, 3]) {
        const shifted = new Uint8Array(tar.length + shift).subarray(shift);
        shifted.set(tar);
        expect((await read(shifted, shifted.length)).map((e) => e.name)).toEqual(["n\u00e9\u00e9\u00e9"]);
        const bad = new Uint8Array(shifted.length + shift).subarray(shift);
        bad.set(shifted);
        bad[300]! ^= 0x01;
        await expect(read(bad, bad.length)).rejects.toThrow(/checksum/);
      }
    }
  });
});

describe("reading archives GNU tar wrote", () => {
  let dirPath: string;
  beforeAll(() => {
    dirPath = mkdtempSync(join(tmpdir(), "bocker-gnutar-"));
    const src = join(dirPath, "src");
    mkdirSync(join(src, "n".repeat(120)), { recursive: true });
    writeFileSync(join(src, "n".repeat(120), "f"), "deep");
    symlinkSync("t".repeat(150), join(src, "longlink"));
    writeFileSync(join(src, "x"), "x");
    lsetxattr(join(src, "x"), "user.bin", new Uint8Array([0, 1, 254, 255]));
  });
  afterAll(() => rmSync(dirPath, { recursive: true, force: true }));

  for (const format of ["gnu", "posix"]) {
    test(`--format=${format}`, async () => {
      const out = join(dirPath, `${format}.tar`);
      const r = Bun.spawnSync(["tar", ...(format === "posix" ? ["--xattrs", "--xattrs-include=user.*"] : []), `--format=${format}`, "-C", join(dirPath, "src"), "-cf", out, "."]);
      expect(r.exitCode).toBe(0);
      const entries = await read(new Uint8Array(readFileSync(out)));
      const byName = new Map(entries.map((e) => [e.name.replace(/^\.\//, ""), e]));
      expect(byName.get(`${"n".repeat(120)}/f`)?.data).toBe("deep");
      expect(byName.get("longlink")?.linkname).toBe("t".repeat(150));
      if (format === "posix") expect([...byName.get("x")!.xattrs.get("user.bin")!]).toEqual([0, 1, 254, 255]);
    });
  }
});
