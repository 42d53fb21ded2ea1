/**
 * Stores a generated layer: the tar stream is hashed (diffID), compressed, hashed again (blob
 * digest) and written to a temp file in the store's ingest dir, then ingested by digest so the
 * store's own verify-and-rename applies. The temp file is removed whatever happens.
 */
import { createWriteStream, rmSync } from "node:fs";
import { once } from "node:events";
import type { ContentStore } from "../content/store.ts";
import { compress, LAYER_MEDIA_TYPE, type Compression } from "./decompress.ts";
import { StreamDigester } from "./verify.ts";

export interface StoredLayer {
  descriptor: { mediaType: string; digest: string; size: number };
  diffID: string;
}

export async function storeLayer(store: ContentStore, tar: AsyncIterable<Uint8Array>, compression: Compression = "gzip"): Promise<StoredLayer> {
  store.ensureLayout();
  const tmp = store.tempPath("layer");
  const plain = new StreamDigester();
  const packed = new StreamDigester();
  try {
    const out = createWriteStream(tmp, { mode: 0o600 });
    for await (const chunk of packed.tap(compress(plain.tap(tar), compression))) {
      if (!out.write(chunk)) await once(out, "drain");
    }
    out.end();
    await once(out, "finish");
    const descriptor = { mediaType: LAYER_MEDIA_TYPE[compression], digest: packed.digest(), size: packed.size };
    await store.ingest(Bun.file(tmp).stream(), { digest: descriptor.digest, size: descriptor.size });
    return { descriptor, diffID: plain.digest() };
  } finally {
    rmSync(tmp, { force: true });
  }
}
