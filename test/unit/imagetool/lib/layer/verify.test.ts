import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { gzipSync, zstdCompressSync } from "node:zlib";
import { compressionOf, decompress } from "../../../../../imagetool/lib/layer/decompress.ts";
import { sizeChecked, verified } from "../../../../../imagetool/lib/layer/verify.ts";
import { plainTar } from "../../../../../imagetool/lib/layer/plain-tar.ts";

const sha = (d: Uint8Array) => `sha256:${createHash("sha256").update(d).digest("hex")}`;
async function* src(...parts: Uint8Array[]): AsyncGenerator<Uint8Array> {
  yield* parts;
}
const drain = async (it: AsyncIterable<Uint8Array>) => {
  const parts: Uint8Array[] = [];
  for await (const c of it) parts.push(c);
  return Buffer.concat(parts);
};

describe("verified streams", () => {
  const data = new Uint8Array(10_000).fill(7);

  test("pass through when digest and size match", async () => {
    expect((await drain(verified(src(data.subarray(0, 5000), data.subarray(5000)), { digest: sha(data), size: data.length, what: "t" }))).length).toBe(10_000);
  });

  test("a digest mismatch fails at the end", async () => {
    const other = new Uint8Array(10_000);
    await expect(drain(verified(src(other), { digest: sha(data), size: 10_000, what: "blob x" }))).rejects.toThrow(/blob x: digest mismatch/);
  });

  test("a short stream fails", async () => {
    await expect(drain(verified(src(data.subarray(0, 10)), { digest: sha(data), size: 10_000, what: "t" }))).rejects.toThrow(/got 10 bytes/);
  });

  test("reading stops at the first chunk past the declared size (never reads the rest)", async () => {
    let pulled = 0;
    async function* endless() {
      for (;;) {
        pulled++;
        yield new Uint8Array(1024);
      }
    }
    await expect(drain(verified(endless(), { digest: sha(data), size: 194, what: "hostile" }))).rejects.toThrow(/more data than the declared size of 194/);
    expect(pulled).toBe(1);
  });

  test("sizeChecked: exact size passes; short fails; longer stops at the first chunk past the size", async () => {
    expect((await drain(sizeChecked(src(data), 10_000, "t"))).length).toBe(10_000);
    await expect(drain(sizeChecked(src(data.subarray(0, 10)), 10_000, "short"))).rejects.toThrow(/short: got 10 bytes, descriptor says 10000/);
    let pulled = 0;
    async function* endless() {
      for (;;) {
        pulled++;
        yield new Uint8Array(1024);
      }
    }
    await expect(drain(sizeChecked(endless(), 194, "hostile"))).rejects.toThrow(/more data than the declared size of 194/);
    expect(pulled).toBe(1);
  });

  test("plainTar checks the diffID when it has one, else the blob digest", async () => {
    const blob = gzipSync(data);
    const desc = { mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: sha(blob), size: blob.length };
    expect((await drain(plainTar(src(blob), desc, sha(data)))).length).toBe(10_000);
    await expect(drain(plainTar(src(blob), desc, sha(new Uint8Array(1))))).rejects.toThrow(/diffID\): digest mismatch/);
    await expect(drain(plainTar(src(blob), { ...desc, digest: sha(data) }, undefined))).rejects.toThrow(/\(blob\): digest mismatch/);
    await expect(drain(plainTar(src(blob), { ...desc, size: blob.length - 1 }, sha(data)))).rejects.toThrow(/more data than the declared size/);
  });

  test("malformed digests are rejected", async () => {
    await expect(drain(verified(src(data), { digest: "md5:abc", what: "t" }))).rejects.toThrow(/malformed digest/);
  });
});

describe("decompression by media type", () => {
  const plain = new TextEncoder().encode("layer bytes ".repeat(1000));
  const cases: Array<[string, Uint8Array]> = [
    ["application/vnd.oci.image.layer.v1.tar", plain],
    ["application/vnd.oci.image.layer.v1.tar+gzip", gzipSync(plain)],
    ["application/vnd.oci.image.layer.v1.tar+zstd", zstdCompressSync(plain)],
    ["application/vnd.docker.image.rootfs.diff.tar.gzip", gzipSync(plain)],
    ["application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", gzipSync(plain)],
  ];
  for (const [type, blob] of cases) {
    test(type, async () => expect(Buffer.compare(await drain(decompress(src(blob), compressionOf(type))), plain)).toBe(0));
  }
  test("unknown media types are rejected", () => expect(() => compressionOf("application/vnd.oci.image.manifest.v1+json")).toThrow(/unsupported layer media type/));
  test("corrupt gzip is an error", async () => {
    await expect(drain(decompress(src(new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2, 3])), "gzip"))).rejects.toThrow();
  });
});
