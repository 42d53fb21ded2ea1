import { describe, expect, test } from "bun:test";
import { gunzipSync, gzipSync } from "node:zlib";
import { gunzipWhole } from "../../../../../imagetool/lib/layer/libdeflate.ts";
import { decompress } from "../../../../../imagetool/lib/layer/decompress.ts";

const text = (s: string) => new TextEncoder().encode(s);
const concat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));
async function drain(it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const out: Uint8Array[] = [];
  for await (const c of it) out.push(new Uint8Array(c)); // a copy: chunks are views into a reused buffer
  return Buffer.concat(out);
}
async function* chunked(data: Uint8Array, size = 1000): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

describe("gunzipWhole (libdeflate)", () => {
  test("inflates a gzip member", () => {
    const plain = text("layer bytes ".repeat(10000));
    expect(Buffer.from(gunzipWhole(gzipSync(plain), 1 << 20)!).equals(Buffer.from(plain))).toBe(true);
  });

  test("inflates every member of a multi-member gzip (eStargz layers are made of them)", () => {
    const gz = concat(gzipSync(text("first ")), gzipSync(text("second ")), gzipSync(text("third")));
    expect(new TextDecoder().decode(gunzipWhole(gz, 1 << 20)!)).toBe("first second third");
    // Bun.gunzipSync stops after the first member: the reason this module exists.
    expect(new TextDecoder().decode(Bun.gunzipSync(gz))).toBe("first ");
  });

  test("an output larger than the bound is left to the stream", () => {
    const gz = gzipSync(new Uint8Array(4 << 20)); // 4 MiB of zeros in ~4 KiB
    expect(gunzipWhole(gz, 1 << 20)).toBeUndefined();
    expect(gunzipWhole(gz, 4 << 20)!.length).toBe(4 << 20);
    // A lying length field (ISIZE) changes nothing: the bound is the buffer libdeflate writes into.
    const lie = concat(gz);
    new DataView(lie.buffer).setUint32(lie.length - 4, 1000, true);
    expect(gunzipWhole(lie, 1 << 20)).toBeUndefined();
  });

  test("corrupt, truncated or empty data is left to the stream decoder", () => {
    const gz = gzipSync(text("x".repeat(5000)));
    const corrupt = concat(gz);
    corrupt[corrupt.length - 8]! ^= 0xff; // CRC-32
    expect(gunzipWhole(corrupt, 1 << 20)).toBeUndefined();
    expect(gunzipWhole(gz.subarray(0, gz.length - 3), 1 << 20)).toBeUndefined();
    expect(gunzipWhole(new Uint8Array(0), 1 << 20)).toBeUndefined();
  });
});

describe("decompress: small gzip blobs whole, larger ones streamed, the same bytes either way", () => {
  const plain = text("entry ".repeat(50000));
  const gz = gzipSync(plain);

  test("a small blob (size known) and the stream give the same bytes", async () => {
    expect((await drain(decompress(chunked(gz), "gzip", gz.length))).equals(Buffer.from(plain))).toBe(true);
    expect((await drain(decompress(chunked(gz), "gzip"))).equals(Buffer.from(plain))).toBe(true);
  });

  test("multi-member blobs decompress whole on both paths", async () => {
    const multi = concat(gzipSync(text("a".repeat(3000))), gzipSync(text("b".repeat(3000))));
    const want = Buffer.from("a".repeat(3000) + "b".repeat(3000));
    expect((await drain(decompress(chunked(multi), "gzip", multi.length))).equals(want)).toBe(true);
    expect((await drain(decompress(chunked(multi), "gzip"))).equals(want)).toBe(true);
  });

  test("a small blob that inflates past the whole-buffer bound (64 MiB, as its length field says) is streamed", async () => {
    const bomb = gzipSync(new Uint8Array((64 << 20) + 1));
    const out = await drain(decompress(chunked(bomb, 1 << 16), "gzip", bomb.length));
    expect(out.length).toBe((64 << 20) + 1);
  });

  test("a length field (ISIZE) that understates the output changes nothing: bounded, then the stream's error", async () => {
    const lie = concat(gzipSync(new Uint8Array((64 << 20) + 1)));
    new DataView(lie.buffer).setUint32(lie.length - 4, 1000, true);
    const errorOf = (p: Promise<unknown>) => p.then(() => "no error", (e: Error) => e.message);
    const whole = await errorOf(drain(decompress(chunked(lie, 1 << 16), "gzip", lie.length)));
    expect(whole).not.toBe("no error");
    expect(whole).toBe(await errorOf(drain(decompress(chunked(lie, 1 << 16), "gzip"))));
  });

  test("corrupt data fails the same way whether or not the size is known", async () => {
    const corrupt = concat(gz);
    corrupt[100]! ^= 0xff;
    const errorOf = (p: Promise<unknown>) => p.then(() => "no error", (e: Error) => e.message);
    const whole = await errorOf(drain(decompress(chunked(corrupt), "gzip", corrupt.length)));
    expect(whole).not.toBe("no error");
    expect(whole).toBe(await errorOf(drain(decompress(chunked(corrupt), "gzip"))));
  });

  test("trailing bytes after the last member are treated as the stream decoder treats them", async () => {
    const trailing = concat(gz, text("garbage"));
    const outcome = (p: Promise<Buffer>) => p.then((b) => `ok ${b.length}`, (e: Error) => `error ${e.message}`);
    expect(await outcome(drain(decompress(chunked(trailing), "gzip", trailing.length)))).toBe(await outcome(drain(decompress(chunked(trailing), "gzip"))));
    expect(gunzipSync(gz).length).toBe(plain.length);
  });
});
