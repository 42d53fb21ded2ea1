import { afterEach, beforeEach, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ContentStore } from "../../../../../imagetool/lib/content/store.ts";
import { gcPartials, ingestResumable } from "../../../../../imagetool/lib/content/partial.ts";
import { digestOf } from "../../../../../imagetool/lib/content/digest.ts";

let dir: string;
let store: ContentStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "bocker-partial-"));
  store = new ContentStore(join(dir, "content"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const data = new Uint8Array(3 << 20).map((_, i) => (i * 7919) % 251);
const blob = { digest: digestOf(data), size: data.length };
const hex = blob.digest.slice(7);

/** A source serving `data` from the offset asked (as a registry answering 206), failing after `failAfter` bytes. */
function source(calls: number[], failAfter = Infinity, honourRange = true) {
  return (offset: number, onStart: (start: number) => void) => {
    calls.push(offset);
    const start = honourRange ? offset : 0;
    let pos = start;
    return new ReadableStream<Uint8Array>({
      pull(c) {
        if (pos === start) onStart(start);
        if (pos - start >= failAfter) return c.error(new Error("connection reset"));
        if (pos >= data.length) return c.close();
        const end = Math.min(data.length, pos + (256 << 10), start + failAfter);
        c.enqueue(data.slice(pos, end));
        pos = end;
      },
    });
  };
}

test("a download that fails keeps its flushed prefix at rest; the next continues from it", async () => {
  const calls: number[] = [];
  await expect(ingestResumable(store, source(calls, 1 << 20), blob)).rejects.toThrow("connection reset");
  expect(readdirSync(store.ingestDir).filter((f) => f.startsWith("partial.")).sort()).toEqual([`partial.sha256-${hex}`, `partial.sha256-${hex}.json`]);
  expect(JSON.parse(readFileSync(join(store.ingestDir, `partial.sha256-${hex}.json`), "utf8"))).toEqual({ ...blob, length: 1 << 20 });
  const path = await ingestResumable(store, source(calls), blob);
  expect(calls).toEqual([0, 1 << 20]);
  expect(path).toBe(store.blobPath(blob.digest));
  expect(new Uint8Array(readFileSync(path))).toEqual(data);
  expect(readdirSync(store.ingestDir).filter((f) => f.startsWith("partial."))).toEqual([]);
});

test("a source that ignores the offset: the blob is written whole from byte 0", async () => {
  const calls: number[] = [];
  await expect(ingestResumable(store, source(calls, 1 << 20), blob)).rejects.toThrow();
  await ingestResumable(store, source(calls, Infinity, false), blob);
  expect(new Uint8Array(readFileSync(store.blobPath(blob.digest)))).toEqual(data);
});

test("bytes past the recorded length are not trusted; a partial a live writer holds is not shared", async () => {
  const calls: number[] = [];
  await expect(ingestResumable(store, source(calls, 1 << 20), blob)).rejects.toThrow();
  writeFileSync(join(store.ingestDir, `partial.sha256-${hex}.json`), JSON.stringify({ ...blob, length: 1000 }));
  await ingestResumable(store, source(calls), blob);
  expect(calls).toEqual([0, 1000]);
  rmSync(store.blobPath(blob.digest));
  // Our own pid stands for a live writer: this download goes the ordinary way, from byte 0.
  writeFileSync(join(store.ingestDir, `partial.sha256-${hex}.${process.pid}.999`), "");
  calls.length = 0;
  await ingestResumable(store, source(calls), blob);
  expect(calls).toEqual([0]);
  expect(existsSync(join(store.ingestDir, `partial.sha256-${hex}.${process.pid}.999`))).toBe(true);
});

test("gcPartials removes partials untouched for a day, and their records", async () => {
  await expect(ingestResumable(store, source([], 1 << 20), blob)).rejects.toThrow();
  expect(gcPartials(store).removed).toEqual([]);
  const old = new Date(Date.now() - 25 * 3600 * 1000);
  utimesSync(join(store.ingestDir, `partial.sha256-${hex}`), old, old);
  expect(gcPartials(store, { dryRun: true })).toEqual({ removed: [`partial.sha256-${hex}`], freedBytes: 1 << 20 });
  expect(gcPartials(store)).toEqual({ removed: [`partial.sha256-${hex}`], freedBytes: 1 << 20 });
  expect(readdirSync(store.ingestDir).filter((f) => f.startsWith("partial."))).toEqual([]);
  // A record whose partial is gone goes too once old.
  const orphan = join(store.ingestDir, `partial.sha256-${"b".repeat(64)}.json`);
  writeFileSync(orphan, "{}");
  gcPartials(store);
  expect(existsSync(orphan)).toBe(true);
  utimesSync(orphan, old, old);
  gcPartials(store);
  expect(existsSync(orphan)).toBe(false);
});
