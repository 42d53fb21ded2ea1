/** ContentStore: verify while streaming, publish by rename, never a partial or oversized blob. */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ContentStore } from "../../../../../imagetool/lib/content/store.ts";
import { SyncBatch } from "../../../../../imagetool/lib/content/sync-batch.ts";
import { digestOf, parseDigest } from "../../../../../imagetool/lib/content/digest.ts";
import { ImagetoolError, type ErrorCode } from "../../../../../imagetool/lib/errors.ts";

const tmp = mkdtempSync(join(tmpdir(), "bocker-store-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const fresh = () => new ContentStore(join(tmp, `s${++n}`));

function streamOf(...chunks: Uint8Array[]): ReadableStream<Uint8Array> & { pulled: () => number } {
  let i = 0;
  let pulled = 0;
  const s = new ReadableStream<Uint8Array>({
    pull(c) {
      if (i < chunks.length) {
        pulled += chunks[i]!.length;
        c.enqueue(chunks[i++]!);
      } else c.close();
    },
  }, { highWaterMark: 0 }); // pull only on read, so `pulled` counts what ingest asked for
  return Object.assign(s, { pulled: () => pulled });
}

async function code(p: Promise<unknown>): Promise<ErrorCode | undefined> {
  try {
    await p;
  } catch (err) {
    if (ImagetoolError.is(err)) return err.code;
    throw err;
  }
  return undefined;
}

const bytes = (s: string) => new TextEncoder().encode(s);
const ingestLeftovers = (store: ContentStore) => readdirSync(store.ingestDir).filter((f) => f.endsWith(".tmp"));

describe("digests", () => {
  test("sha256/sha512 with exact lowercase hex only (usable as a path)", () => {
    expect(parseDigest(`sha256:${"0".repeat(64)}`)).toEqual({ algorithm: "sha256", hex: "0".repeat(64) });
    expect(parseDigest(`sha512:${"f".repeat(128)}`).algorithm).toBe("sha512");
    for (const bad of ["sha256:../../x", `sha256:${"A".repeat(64)}`, `sha256:${"0".repeat(63)}`, `md5:${"0".repeat(32)}`, "nocolon"]) {
      expect(() => parseDigest(bad)).toThrow();
    }
  });
});

describe("ContentStore", () => {
  test("writeBlob creates an OCI layout skopeo/umoci accept and stores by digest", async () => {
    const store = fresh();
    const { digest, size } = await store.writeBlob("hello");
    expect(digest).toBe(digestOf("hello"));
    expect(size).toBe(5);
    expect(JSON.parse(readFileSync(join(store.root, "oci-layout"), "utf8"))).toEqual({ imageLayoutVersion: "1.0.0" });
    expect(JSON.parse(readFileSync(join(store.root, "index.json"), "utf8"))).toEqual({ schemaVersion: 2, manifests: [] });
    expect(readFileSync(store.blobPath(digest), "utf8")).toBe("hello");
    expect(store.has(digest)).toBe(true);
    expect(new TextDecoder().decode(await store.readBlob(digest))).toBe("hello");
    expect(await store.readJSON<number>((await store.writeBlob("42")).digest)).toBe(42);
  });
  test("writeBlob checks expected digest and size", async () => {
    const store = fresh();
    expect(await code(store.writeBlob("x", { digest: digestOf("y") }))).toBe("DIGEST_MISMATCH");
    expect(await code(store.writeBlob("x", { size: 2 }))).toBe("SIZE_MISMATCH");
    expect(store.listBlobs()).toEqual([]);
  });
  test("ingest streams, verifies and renames; existing blob is a no-op that reads nothing", async () => {
    const store = fresh();
    const data = [bytes("ab"), bytes("cd"), bytes("ef")];
    const expected = { digest: digestOf("abcdef"), size: 6 };
    let progress = 0;
    await store.ingest(streamOf(...data), expected, { onProgress: (b) => (progress += b) });
    expect(readFileSync(store.blobPath(expected.digest), "utf8")).toBe("abcdef");
    expect(progress).toBe(6);
    const again = streamOf(...data);
    await store.ingest(again, expected);
    expect(again.pulled()).toBe(0);
    expect(ingestLeftovers(store)).toEqual([]);
  });
  test("digest mismatch: blob discarded, no temp file left", async () => {
    const store = fresh();
    const expected = { digest: digestOf("abcdef"), size: 6 };
    expect(await code(store.ingest(streamOf(bytes("abcdeX")), expected))).toBe("DIGEST_MISMATCH");
    expect(store.has(expected.digest)).toBe(false);
    expect(ingestLeftovers(store)).toEqual([]);
  });
  test("a source longer than the descriptor is cut off at the first chunk over the size", async () => {
    const store = fresh();
    const big = new Uint8Array(1 << 20);
    const source = streamOf(bytes("abcdef"), big, big, big, big);
    expect(await code(store.ingest(source, { digest: digestOf("abcdef"), size: 6 }))).toBe("SIZE_MISMATCH");
    expect(source.pulled()).toBeLessThanOrEqual(6 + big.length);
    expect(store.listBlobs()).toEqual([]);
    expect(ingestLeftovers(store)).toEqual([]);
  });
  test("a short source is a size mismatch", async () => {
    const store = fresh();
    expect(await code(store.ingest(streamOf(bytes("abc")), { digest: digestOf("abcdef"), size: 6 }))).toBe("SIZE_MISMATCH");
    expect(store.listBlobs()).toEqual([]);
  });
  test("a failing source leaves nothing behind", async () => {
    const store = fresh();
    const failing = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(bytes("abc"));
        c.error(new Error("connection reset"));
      },
    });
    await expect(store.ingest(failing, { digest: digestOf("abcdef"), size: 6 })).rejects.toThrow("connection reset");
    expect(store.listBlobs()).toEqual([]);
    expect(ingestLeftovers(store)).toEqual([]);
  });
  test("readBlob detects a corrupted blob; missing blobs are BLOB_NOT_FOUND", async () => {
    const store = fresh();
    const { digest } = await store.writeBlob("original");
    writeFileSync(store.blobPath(digest), "tampered");
    expect(await code(store.readBlob(digest))).toBe("DIGEST_MISMATCH");
    expect(await code(store.readBlob(digestOf("absent")))).toBe("BLOB_NOT_FOUND");
    expect(() => store.openBlob(digestOf("absent"))).toThrow(/not in the content store/);
  });
  test("blobPath refuses digests that could escape blobs/", () => {
    const store = fresh();
    expect(() => store.blobPath("sha256:../../../etc/passwd")).toThrow();
    expect(existsSync(store.root)).toBe(false); // reading never creates the layout
  });
  test("concurrent ingests of the same blob both succeed", async () => {
    const store = fresh();
    const expected = { digest: digestOf("same"), size: 4 };
    await Promise.all([1, 2, 3].map(() => store.ingest(streamOf(bytes("sa"), bytes("me")), expected)));
    expect(readFileSync(store.blobPath(expected.digest), "utf8")).toBe("same");
    expect(ingestLeftovers(store)).toEqual([]);
  });

  test("a SyncBatch keeps verified blobs out of blobs/ until commit, then renames them all", async () => {
    const store = fresh();
    const batch = new SyncBatch();
    const a = bytes("layer a");
    const b = bytes("layer b");
    await store.ingest(streamOf(a), { digest: digestOf(a), size: a.length }, { batch });
    await store.ingest(streamOf(b), { digest: digestOf(b), size: b.length }, { batch });
    expect(store.has(digestOf(a))).toBe(false);
    expect(ingestLeftovers(store).length).toBe(2);
    await batch.commit();
    expect(readFileSync(store.blobPath(digestOf(a)), "utf8")).toBe("layer a");
    expect(readFileSync(store.blobPath(digestOf(b)), "utf8")).toBe("layer b");
    expect(ingestLeftovers(store)).toEqual([]);
  });

  test("a SyncBatch: a mismatching blob is never added; discard removes the pending ones", async () => {
    const store = fresh();
    const batch = new SyncBatch();
    const good = bytes("good");
    await store.ingest(streamOf(good), { digest: digestOf(good), size: good.length }, { batch });
    expect(await code(store.ingest(streamOf(bytes("evil")), { digest: digestOf(bytes("fine")), size: 4 }, { batch }))).toBe("DIGEST_MISMATCH");
    expect(ingestLeftovers(store).length).toBe(1);
    batch.discard();
    expect(ingestLeftovers(store)).toEqual([]);
    await batch.commit(); // nothing left to publish
    expect(store.has(digestOf(good))).toBe(false);
  });

  test("readChunks reads a blob in chunks of the given size, each valid until the next; a missing blob is BLOB_NOT_FOUND", async () => {
    const store = fresh();
    const data = bytes("x".repeat(2000) + "y".repeat(500));
    const { digest } = await store.writeBlob(data);
    const chunks: Uint8Array[] = [];
    const views: Uint8Array[] = [];
    for await (const c of store.readChunks(digest, 1000)) {
      chunks.push(new Uint8Array(c));
      views.push(c);
    }
    // One buffer, read into again: the first view now shows the last chunk's bytes.
    expect(String.fromCharCode(views[0]![0]!)).toBe("y");
    expect(chunks.map((c) => c.length)).toEqual([1000, 1000, 500]);
    expect(Buffer.concat(chunks).equals(Buffer.from(data))).toBe(true);
    expect(await code((async () => { for await (const _ of store.readChunks(digestOf("missing"))) void _; })())).toBe("BLOB_NOT_FOUND");
  });
});
