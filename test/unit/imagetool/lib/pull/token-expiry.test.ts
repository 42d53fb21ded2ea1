/**
 * Bearer tokens through a whole pull (real loopback servers): one token fetched and reused for
 * every request; when the registry starts refusing it (expired), a new one is fetched once.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ContentStore } from "../../../../../imagetool/lib/content/store.ts";
import { digestOf } from "../../../../../imagetool/lib/content/digest.ts";
import { parseReference } from "../../../../../imagetool/lib/reference.ts";
import { pullImage } from "../../../../../imagetool/lib/pull.ts";
import { hostPlatform } from "../../../../../imagetool/lib/image/platform.ts";
import { OCI_CONFIG, OCI_LAYER_GZIP, OCI_MANIFEST } from "../../../../../imagetool/lib/image/mediatype.ts";

const tmp = mkdtempSync(join(tmpdir(), "bocker-token-"));
const enc = (s: string) => new TextEncoder().encode(s);
const layers = [1, 2, 3].map((i) => Bun.gzipSync(enc(`layer ${i}`)));
const config = enc(JSON.stringify({ architecture: hostPlatform().architecture, os: "linux", rootfs: { type: "layers", diff_ids: layers.map((_, i) => digestOf(`d${i}`)) } }));
const blobs = new Map([config, ...layers].map((b) => [digestOf(b), b]));
const manifest = enc(JSON.stringify({
  schemaVersion: 2,
  mediaType: OCI_MANIFEST,
  config: { mediaType: OCI_CONFIG, digest: digestOf(config), size: config.length },
  layers: layers.map((l) => ({ mediaType: OCI_LAYER_GZIP, digest: digestOf(l), size: l.length })),
}));

let issued = 0;
const tokenServer = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => Response.json({ token: `t${++issued}` }) });
/** Accepts token t1 for 2 requests, then only later tokens. */
let usesOfFirst = 0;
const registry = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch(req) {
    const auth = req.headers.get("authorization");
    const ok = auth === "Bearer t1" ? ++usesOfFirst <= 2 : auth !== null && auth.startsWith("Bearer t");
    if (!ok) {
      return new Response(null, { status: 401, headers: { "www-authenticate": `Bearer realm="http://127.0.0.1:${tokenServer.port}/token",service="reg",scope="repository:a/b:pull"` } });
    }
    const path = new URL(req.url).pathname;
    if (path === "/v2/a/b/manifests/1") return new Response(manifest, { headers: { "content-type": OCI_MANIFEST } });
    const blob = blobs.get(path.slice("/v2/a/b/blobs/".length));
    return blob ? new Response(blob) : new Response(null, { status: 404 });
  },
});
afterAll(() => {
  registry.stop(true);
  tokenServer.stop(true);
  rmSync(tmp, { recursive: true, force: true });
});

test("tokens are reused across a pull and refreshed once when refused", async () => {
  const store = new ContentStore(join(tmp, "s"));
  await pullImage(store, parseReference(`127.0.0.1:${registry.port}/a/b:1`), { backoffMs: 1, concurrency: 1 });
  for (const d of blobs.keys()) expect(store.has(d)).toBe(true);
  expect(usesOfFirst).toBe(3); // two accepted, the third refused
  expect(issued).toBe(2); // the first token and its one replacement, for six requests
});
