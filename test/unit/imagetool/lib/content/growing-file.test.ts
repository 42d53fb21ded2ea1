/**
 * Following a blob while it is written (content/growing-file.ts): a reader gets the bytes as they
 * come, ends only once the writer finished, fails with the writer's error, keeps reading across
 * the temp file's rename, and waits for a file that is not created yet. The store's ingest drives
 * a GrowingFile the same way a pull does.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { followFile, GrowingFile } from "../../../../../imagetool/lib/content/growing-file.ts";
import { ContentStore } from "../../../../../imagetool/lib/content/store.ts";
import { digestOf } from "../../../../../imagetool/lib/content/digest.ts";

let dir: string;
beforeEach(() => void (dir = mkdtempSync(join(tmpdir(), "bocker-grow-"))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const text = (chunks: Uint8Array[]) => Buffer.concat(chunks).toString();
const tick = () => new Promise((r) => setTimeout(r, 1));

/** Collects what a reader yields, in the background. */
function collect(file: GrowingFile, chunkSize?: number) {
  const got: Uint8Array[] = [];
  const done = (async () => {
    for await (const c of followFile(file, chunkSize, 1)) got.push(new Uint8Array(c));
  })();
  done.catch(() => {});
  return { got, done };
}

describe("followFile", () => {
  test("reads the bytes as they are written and ends only when the writer finishes", async () => {
    const path = join(dir, "blob.tmp");
    const file = new GrowingFile();
    const r = collect(file, 4);
    await tick(); // waiting for a file that does not exist yet
    writeFileSync(path, "");
    file.opened(path);
    appendFileSync(path, "hello ");
    file.grew(6);
    await tick();
    expect(text(r.got)).toBe("hello ");
    appendFileSync(path, "world");
    file.grew(5);
    await tick();
    expect(text(r.got)).toBe("hello world");
    let ended = false;
    void r.done.then(() => (ended = true));
    await tick();
    expect(ended).toBe(false); // all bytes read, but not verified yet
    const final = join(dir, "blob");
    renameSync(path, final); // the batch's rename: the open reader is unaffected
    file.finish(final, 11);
    await r.done;
    expect(text(r.got)).toBe("hello world");
  });

  test("the writer's error reaches the reader, even after some bytes", async () => {
    const path = join(dir, "bad.tmp");
    writeFileSync(path, "abc");
    const file = new GrowingFile();
    file.opened(path);
    file.grew(3);
    const r = collect(file);
    await tick();
    file.fail(new Error("blob sha256:x: digest mismatch"));
    await expect(r.done).rejects.toThrow("digest mismatch");
    expect(text(r.got)).toBe("abc");
  });

  test("a blob already stored: finish without any write", async () => {
    const path = join(dir, "stored");
    writeFileSync(path, "stored bytes");
    const file = new GrowingFile();
    const r = collect(file);
    file.finish(path, 12);
    await r.done;
    expect(text(r.got)).toBe("stored bytes");
  });

  test("an outcome is final: a later fail does not undo a finish", async () => {
    const path = join(dir, "ok");
    writeFileSync(path, "ok");
    const file = new GrowingFile();
    file.finish(path, 2);
    file.fail(new Error("too late"));
    const r = collect(file);
    await r.done;
    expect(text(r.got)).toBe("ok");
  });
});

describe("ContentStore.ingest with a GrowingFile", () => {
  test("reports the temp file and every write; a reader sees the whole blob", async () => {
    const store = new ContentStore(join(dir, "store"));
    const parts = ["first ", "second ", "third"].map((s) => new TextEncoder().encode(s));
    let pull!: (c: Uint8Array | null) => void;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        pull = (c) => (c === null ? controller.close() : controller.enqueue(c));
      },
    });
    const file = new GrowingFile();
    const r = collect(file);
    const expected = { digest: digestOf("first second third"), size: 18 };
    const ingest = store.ingest(stream, expected, { growing: file });
    pull(parts[0]!);
    await tick();
    expect(file.path).toContain("/ingest/");
    expect(text(r.got)).toBe("first ");
    pull(parts[1]!);
    pull(parts[2]!);
    pull(null);
    const path = await ingest;
    file.finish(path, 18);
    await r.done;
    expect(text(r.got)).toBe("first second third");
  });
});
