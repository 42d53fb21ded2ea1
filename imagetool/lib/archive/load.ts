/**
 * `load`: images from an OCI archive (see save.ts). Every blob is verified against the digest its
 * name claims (through ContentStore.ingest) while the tar is read, and images are named only
 * when all their content is there; a failed load leaves none of the blobs it wrote. The tar is
 * read by the parser layers use (lib/tar/reader.ts), its entries streamed into the store.
 */
import { createReadStream } from "node:fs";
import { ImagetoolError, TarFormatError } from "../errors.ts";
import { OCI_LAYOUT_VERSION, type ContentStore } from "../content/store.ts";
import { takeLease } from "../content/lease.ts";
import { discardUnreferenced } from "../gc/blobs.ts";
import { parseReference, storageName } from "../reference.ts";
import { setImageRef, REF_NAME_ANNOTATION } from "../image/refs.ts";
import { loadImageManifest } from "../image/manifest.ts";
import { checkDescriptor } from "../image/mediatype.ts";
import type { ImageIndex } from "../image/types.ts";
import { TarParser, type TarSink } from "../tar/reader.ts";

const MAX_INDEX_SIZE = 4 * 1024 * 1024;
const BLOB_PATH = /^blobs\/(sha256|sha512)\/([a-f0-9]+)$/;

/**
 * One archive entry as the web stream ContentStore.ingest reads, fed by the parser's sink. The
 * parser pushes synchronously, so `room()` lets the reading loop wait while the ingest is behind:
 * a few chunks queued at most, so memory stays flat whatever the blob's size.
 */
function entryStream() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let closed = false;
  let wake: (() => void) | undefined;
  const stream = new ReadableStream<Uint8Array>({
    start: (c) => void (controller = c),
    pull: () => wake?.(),
    cancel: () => {
      closed = true;
      wake?.();
    },
  }, { highWaterMark: 4 });
  const sink: TarSink = {
    data: (chunk) => void (closed || controller.enqueue(new Uint8Array(chunk))), // a copy: `chunk` is only valid during the call
    end: () => {
      if (closed) return;
      closed = true;
      controller.close();
    },
  };
  return {
    stream,
    sink,
    fail(err: unknown): void {
      if (closed) return;
      closed = true;
      controller.error(err);
    },
    room(): Promise<void> {
      if (closed || (controller.desiredSize ?? 1) > 0) return Promise.resolve();
      return new Promise((resolve) => {
        wake = () => {
          wake = undefined;
          resolve();
        };
      });
    },
  };
}

/** Collects a small entry (index.json, oci-layout) as text. */
function textSink(done: (text: string) => void): TarSink {
  const parts: Uint8Array[] = [];
  return { data: (chunk) => void parts.push(new Uint8Array(chunk)), end: () => done(Buffer.concat(parts).toString("utf8")) };
}

/** Reads the archive: its blobs go into the store (digests added to `written`), its index.json text is returned. */
async function ingestArchive(store: ContentStore, inPath: string, written: Set<string>): Promise<string> {
  let indexText: string | undefined;
  let layoutSeen = false;
  const ingests: Promise<string>[] = [];
  let failure: { error: unknown } | undefined;
  let current: { entry: ReturnType<typeof entryStream>; ingest: Promise<string> } | undefined;
  const parser = new TarParser((header) => {
    const path = header.name.replace(/^\.\//, "");
    const blob = BLOB_PATH.exec(path);
    if (blob && header.type === "file") {
      const digest = `${blob[1]}:${blob[2]}`;
      if (!store.has(digest)) written.add(digest);
      const entry = entryStream();
      const ingest = store.ingest(entry.stream, { digest, size: header.size });
      ingest.catch((error) => void (failure ??= { error }));
      ingests.push(ingest);
      current = { entry, ingest };
      return entry.sink;
    }
    if (path !== "index.json" && path !== "oci-layout") return undefined;
    if (header.size > MAX_INDEX_SIZE) throw new ImagetoolError("INVALID_MANIFEST", `${inPath}: ${path} is larger than ${MAX_INDEX_SIZE} bytes`);
    return textSink((text) => {
      if (path === "index.json") return void (indexText = text);
      layoutSeen = true;
      const v = (JSON.parse(text) as { imageLayoutVersion?: string }).imageLayoutVersion;
      if (v !== OCI_LAYOUT_VERSION) throw new ImagetoolError("UNSUPPORTED", `${inPath}: imageLayoutVersion '${v}' (expected ${OCI_LAYOUT_VERSION})`);
    });
  });
  try {
    for await (const chunk of createReadStream(inPath)) {
      parser.push(chunk as Buffer);
      if (current) await Promise.race([current.entry.room(), current.ingest]);
      if (failure) throw failure.error;
      if (parser.done) break;
    }
    parser.end();
    await Promise.all(ingests);
  } catch (err) {
    current?.entry.fail(err); // an ingest still waiting for data ends too
    await Promise.allSettled(ingests);
    if (err instanceof TarFormatError) throw new ImagetoolError("INVALID_ARCHIVE", `${inPath}: ${err.message}`, { cause: err });
    throw err;
  }
  if (!layoutSeen || indexText === undefined) throw new ImagetoolError("INVALID_MANIFEST", `${inPath}: not an OCI archive (no oci-layout or index.json)`);
  return indexText;
}

/**
 * Loads an OCI archive into the store; names its images by their ref.name annotation
 * (normalized when it parses as a reference), or `name` for an archive holding one unnamed image.
 */
export async function loadArchive(store: ContentStore, inPath: string, name?: string): Promise<string[]> {
  const release = takeLease(store);
  const written = new Set<string>();
  try {
    const index = JSON.parse(await ingestArchive(store, inPath, written)) as ImageIndex;
    if (!Array.isArray(index.manifests)) throw new ImagetoolError("INVALID_MANIFEST", `${inPath}: index.json/manifests: expected an array`);
    const named: string[] = [];
    const entries = index.manifests.map((d, i) => checkDescriptor(d, `${inPath}: index.json/manifests/${i}`));
    for (const d of entries) {
      const raw = entries.length === 1 && name !== undefined ? name : d.annotations?.[REF_NAME_ANNOTATION];
      if (raw === undefined) throw new ImagetoolError("INVALID_ARGUMENT", `${inPath}: image ${d.digest} has no name; give one with --name`);
      let stored = raw;
      try {
        stored = storageName(parseReference(raw));
      } catch {
        // Not a reference (skopeo allows plain tags such as "latest"): keep the name as it is.
      }
      await loadImageManifest(store, d, stored); // the platform's image is complete and valid
      await setImageRef(store, stored, d);
      named.push(stored);
    }
    return named;
  } catch (err) {
    release();
    await discardUnreferenced(store, written);
    throw err;
  } finally {
    release();
  }
}
