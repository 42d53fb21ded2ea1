/**
 * OCI archives (`save`/`load`): a tar of an image layout (image-layout.md) — oci-layout,
 * index.json and blobs/<alg>/<hex> — as skopeo's `oci-archive:` reads and writes. Saving writes
 * a temp file renamed when complete; loading verifies every blob against the digest its name
 * claims (through ContentStore.ingest) and names images only when all their content is there.
 */
import { createReadStream, createWriteStream, renameSync, rmSync } from "node:fs";
import { pipeline } from "node:stream/promises";
import { dirname, basename, join } from "node:path";
import tar from "tar-stream";
import { ImagetoolError } from "./errors.ts";
import type { ContentStore } from "./content/store.ts";
import { OCI_LAYOUT_VERSION } from "./content/store.ts";
import { takeLease } from "./content/lease.ts";
import { discardUnreferenced } from "./gc/blobs.ts";
import { parseReference, storageName } from "./reference.ts";
import { findByName, listImages, resolveImage, setImageRef, REF_NAME_ANNOTATION } from "./image/refs.ts";
import { loadImageManifest } from "./image/manifest.ts";
import { collectReachable } from "./image/walk.ts";
import { checkDescriptor, OCI_INDEX } from "./image/mediatype.ts";
import type { Descriptor, ImageIndex } from "./image/types.ts";

const MAX_INDEX_SIZE = 4 * 1024 * 1024;

/** Writes the images named by `queries` (all images if empty) to an OCI archive at `outPath`. */
export async function saveArchive(store: ContentStore, queries: string[], outPath: string): Promise<Descriptor[]> {
  const all = listImages(store);
  const roots: Descriptor[] = [];
  for (const q of queries.length > 0 ? queries : all.map((e) => e.name ?? e.descriptor.digest)) {
    const entry = findByName(all, q);
    roots.push(entry ? entry.descriptor : (await resolveImage(store, q)).manifestDescriptor);
  }
  const blobs = await collectReachable(store, roots);
  const index: ImageIndex = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: roots };
  const tmp = join(dirname(outPath), `.${basename(outPath)}.${process.pid}.tmp`);
  const pack = tar.pack();
  const written = pipeline(pack, createWriteStream(tmp, { mode: 0o644 }));
  try {
    const header = { mode: 0o644, mtime: new Date(0), uid: 0, gid: 0 };
    pack.entry({ ...header, name: "oci-layout" }, JSON.stringify({ imageLayoutVersion: OCI_LAYOUT_VERSION }));
    pack.entry({ ...header, name: "index.json" }, JSON.stringify(index));
    for (const dir of ["blobs/", "blobs/sha256/"]) pack.entry({ ...header, name: dir, type: "directory", mode: 0o755 });
    for (const d of blobs.values()) {
      const [alg, hex] = d.digest.split(":") as [string, string];
      await new Promise<void>((resolve, reject) => {
        const entry = pack.entry({ ...header, name: `blobs/${alg}/${hex}`, size: d.size }, (err) => (err ? reject(err) : resolve()));
        createReadStream(store.blobPath(d.digest)).on("error", reject).pipe(entry);
      });
    }
    pack.finalize();
    await written;
    renameSync(tmp, outPath);
  } catch (err) {
    pack.destroy();
    await written.catch(() => {});
    rmSync(tmp, { force: true });
    throw err;
  }
  return roots;
}

/** A tar-stream entry as a web stream, for ContentStore.ingest. */
function toWebStream(entry: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const it = entry[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await it.next();
      if (done) controller.close();
      else controller.enqueue(value);
    },
  });
}

async function drain(entry: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of entry) {
    // discard
  }
}

/**
 * Loads an OCI archive into the store; names its images by their ref.name annotation
 * (normalized when it parses as a reference), or `name` for an archive holding one unnamed image.
 */
export async function loadArchive(store: ContentStore, inPath: string, name?: string): Promise<string[]> {
  const release = takeLease(store);
  const written = new Set<string>();
  const extract = tar.extract();
  const input = createReadStream(inPath);
  input.on("error", (err) => extract.destroy(err));
  input.pipe(extract);
  try {
    let indexText: string | undefined;
    let layoutSeen = false;
    for await (const entry of extract) {
      const path = entry.header.name.replace(/^\.\//, "");
      const blob = /^blobs\/(sha256|sha512)\/([a-f0-9]+)$/.exec(path);
      if (blob && entry.header.type === "file") {
        if (!store.has(`${blob[1]}:${blob[2]}`)) written.add(`${blob[1]}:${blob[2]}`);
        await store.ingest(toWebStream(entry as unknown as AsyncIterable<Uint8Array>), { digest: `${blob[1]}:${blob[2]}`, size: entry.header.size ?? 0 });
      } else if (path === "index.json" || path === "oci-layout") {
        if ((entry.header.size ?? 0) > MAX_INDEX_SIZE) throw new ImagetoolError("INVALID_MANIFEST", `${inPath}: ${path} is larger than ${MAX_INDEX_SIZE} bytes`);
        const chunks: Uint8Array[] = [];
        for await (const c of entry) chunks.push(c as Uint8Array);
        const text = Buffer.concat(chunks).toString("utf8");
        if (path === "index.json") indexText = text;
        else {
          layoutSeen = true;
          const v = (JSON.parse(text) as { imageLayoutVersion?: string }).imageLayoutVersion;
          if (v !== OCI_LAYOUT_VERSION) throw new ImagetoolError("UNSUPPORTED", `${inPath}: imageLayoutVersion '${v}' (expected ${OCI_LAYOUT_VERSION})`);
        }
      }
      await drain(entry);
    }
    if (!layoutSeen || indexText === undefined) throw new ImagetoolError("INVALID_MANIFEST", `${inPath}: not an OCI archive (no oci-layout or index.json)`);
    const index = JSON.parse(indexText) as ImageIndex;
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
    input.destroy();
    extract.destroy();
    release();
    await discardUnreferenced(store, written);
    throw err;
  } finally {
    release();
  }
}
