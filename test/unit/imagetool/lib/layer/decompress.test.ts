import { describe, expect, test } from "bun:test";
import { gzipSync, zstdCompressSync } from "node:zlib";
import { decompress } from "../../../../../imagetool/lib/layer/decompress.ts";

/** Deterministic bytes that do not compress to nothing: a few MiB of them span many output chunks. */
function pseudoRandomText(n: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = 12345;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = 97 + ((x >>> 16) % 26);
  }
  return out;
}
async function* chunked(data: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}
async function collect(it: AsyncIterable<Uint8Array>): Promise<{ bytes: Buffer; views: Uint8Array[] }> {
  const copies: Uint8Array[] = [];
  const views: Uint8Array[] = [];
  for await (const c of it) {
    copies.push(new Uint8Array(c));
    views.push(c);
  }
  return { bytes: Buffer.concat(copies), views };
}
const messageOf = (p: Promise<unknown>) => p.then(() => "no error", (e: Error) => e.message);

describe("streaming decompression (the native decoder behind node:zlib on the thread pool, two reused output buffers)", () => {
  const plain = pseudoRandomText(3 << 20);

  for (const [name, blob] of [["gzip", gzipSync(plain)], ["zstd", zstdCompressSync(plain)]] as const) {
    test(`${name}: the same bytes whatever the input chunking, in views of two buffers`, async () => {
      for (const size of [4096, 1 << 20, blob.length]) {
        const { bytes, views } = await collect(decompress(chunked(blob, size), name));
        expect(bytes.equals(Buffer.from(plain))).toBe(true);
        expect(views.length).toBeGreaterThan(1);
        expect(new Set(views.map((v) => v.buffer)).size).toBeLessThanOrEqual(2);
      }
    });
  }

  test("gzip and zstd fed one byte at a time", async () => {
    const small = pseudoRandomText(20000);
    for (const [name, blob] of [["gzip", gzipSync(small)], ["zstd", zstdCompressSync(small)]] as const) {
      expect((await collect(decompress(chunked(blob, 1), name))).bytes.equals(Buffer.from(small))).toBe(true);
    }
  });

  test("concatenated gzip members and zstd frames decompress one after another", async () => {
    const a = new TextEncoder().encode("first ");
    const b = new TextEncoder().encode("second");
    expect((await collect(decompress(chunked(Buffer.concat([gzipSync(a), gzipSync(b)]), 7), "gzip"))).bytes.toString()).toBe("first second");
    expect((await collect(decompress(chunked(Buffer.concat([zstdCompressSync(a), zstdCompressSync(b)]), 7), "zstd"))).bytes.toString()).toBe("first second");
  });

  test("corrupt and truncated data are errors with the decoder's message", async () => {
    const gz = new Uint8Array(gzipSync(plain.subarray(0, 100000)));
    const corrupt = new Uint8Array(gz);
    corrupt[corrupt.length - 8]! ^= 0xff; // CRC-32
    expect(await messageOf(collect(decompress(chunked(corrupt, 4096), "gzip")))).toBe("incorrect data check");
    expect(await messageOf(collect(decompress(chunked(gz.subarray(0, gz.length - 3), 4096), "gzip")))).toBe("unexpected end of file");
    expect(await messageOf(collect(decompress(chunked(new TextEncoder().encode("not zstd at all"), 4096), "zstd")))).not.toBe("no error");
  });

  test("a failing source closes the decoder and passes its error on", async () => {
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield gzipSync(plain).subarray(0, 1000);
      throw new Error("connection reset");
    }
    expect(await messageOf(collect(decompress(failing(), "gzip")))).toBe("connection reset");
  });

  test("a source that reads every chunk into the same buffer decodes right (no input is read after its call)", async () => {
    const blob = gzipSync(plain);
    async function* sameBuffer(): AsyncGenerator<Uint8Array> {
      const buf = new Uint8Array(64 << 10);
      for (let i = 0; i < blob.length; i += buf.length) {
        const n = Math.min(buf.length, blob.length - i);
        buf.set(blob.subarray(i, i + n));
        yield buf.subarray(0, n);
        buf.fill(0); // what a reader's next read would do to the bytes just handed over
      }
    }
    expect((await collect(decompress(sameBuffer(), "gzip"))).bytes.equals(Buffer.from(plain))).toBe(true);
  });

  test("a consumer that stops early leaves nothing running: the decoder closes after its last call", async () => {
    for (const name of ["gzip", "zstd"] as const) {
      const blob = name === "gzip" ? gzipSync(plain) : zstdCompressSync(plain);
      for await (const chunk of decompress(chunked(blob, 1 << 20), name)) {
        expect(chunk.length).toBeGreaterThan(0);
        break;
      }
      expect((await collect(decompress(chunked(blob, 1 << 20), name))).bytes.length).toBe(plain.length);
    }
  });
});
