/**
 * `save`: images as an OCI archive, a tar of an image layout (image-layout.md: oci-layout,
 * index.json and blobs/<alg>/<hex>) as skopeo's `oci-archive:` reads and writes. Written with
 * the tar writer commit's layers use (lib/tar/writer.ts) to a temp file renamed when complete.
 */
import { createReadStream, renameSync, rmSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { dirname, basename, join } from "node:path";
import { ImagetoolError } from "../errors.ts";
import { OCI_LAYOUT_VERSION, type ContentStore } from "../content/store.ts";
import { findByName, listImages, resolveImage } from "../image/refs.ts";
import { collectReachable } from "../image/walk.ts";
import { OCI_INDEX } from "../image/mediatype.ts";
import type { Descriptor, ImageIndex } from "../image/types.ts";
import { encodeHeader, END_OF_ARCHIVE, padding } from "../tar/writer.ts";

/** Every entry alike, so an archive of the same images is the same bytes whoever saves it. */
const ENTRY = { mode: 0o644, mtime: 0, uid: 0, gid: 0 } as const;

async function writeDocument(out: FileHandle, name: string, text: string): Promise<void> {
  const body = new TextEncoder().encode(text);
  for (const block of encodeHeader({ ...ENTRY, name, type: "file", size: body.length })) await out.write(block);
  await out.write(body);
  await out.write(padding(body.length));
}

/** A stored blob as one entry, its size checked against the descriptor the header declares. */
async function writeBlob(out: FileHandle, store: ContentStore, d: Descriptor): Promise<void> {
  const [alg, hex] = d.digest.split(":") as [string, string];
  for (const block of encodeHeader({ ...ENTRY, name: `blobs/${alg}/${hex}`, type: "file", size: d.size })) await out.write(block);
  let written = 0;
  for await (const chunk of createReadStream(store.blobPath(d.digest))) {
    written += (chunk as Buffer).length;
    if (written > d.size) break;
    await out.write(chunk as Buffer);
  }
  if (written !== d.size) throw new ImagetoolError("SIZE_MISMATCH", `blob ${d.digest}: ${written > d.size ? `more than ${d.size}` : written} bytes in the store, the descriptor says ${d.size}`);
  await out.write(padding(d.size));
}

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
  let out: FileHandle | undefined;
  try {
    out = await open(tmp, "w", 0o644);
    await writeDocument(out, "oci-layout", JSON.stringify({ imageLayoutVersion: OCI_LAYOUT_VERSION }));
    await writeDocument(out, "index.json", JSON.stringify(index));
    for (const dir of ["blobs/", "blobs/sha256/"]) for (const block of encodeHeader({ ...ENTRY, name: dir, type: "dir", mode: 0o755 })) await out.write(block);
    for (const d of blobs.values()) await writeBlob(out, store, d);
    await out.write(END_OF_ARCHIVE);
    await out.close();
    out = undefined;
    renameSync(tmp, outPath);
  } catch (err) {
    await out?.close().catch(() => {});
    rmSync(tmp, { force: true });
    throw err;
  }
  return roots;
}
