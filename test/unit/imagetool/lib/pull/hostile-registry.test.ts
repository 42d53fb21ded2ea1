/**
 * Pulling from registries that misbehave: a real HTTP server on loopback (Bun.serve) that lies
 * about blobs, sends too much, breaks connections, fails with 5xx, serves schema1 or unknown tags.
 * skopeo 1.9 reads all 256 MiB a hostile registry sends for a 194-byte blob; we must not.
 */
import { afterAll, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ContentStore } from "../../../../../imagetool/lib/content/store.ts";
import { digestOf } from "../../../../../imagetool/lib/content/digest.ts";
import { parseReference } from "../../../../../imagetool/lib/reference.ts";
import { pullImage } from "../../../../../imagetool/lib/pull.ts";
import { listImages } from "../../../../../imagetool/lib/image/refs.ts";
import { hostPlatform } from "../../../../../imagetool/lib/image/platform.ts";
import { DOCKER_SCHEMA1_SIGNED, OCI_CONFIG, OCI_INDEX, OCI_LAYER_GZIP, OCI_MANIFEST } from "../../../../../imagetool/lib/image/mediatype.ts";
import { ImagetoolError, type ErrorCode } from "../../../../../imagetool/lib/errors.ts";

const tmp = mkdtempSync(join(tmpdir(), "bocker-hostile-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const enc = (s: string) => new TextEncoder().encode(s);
const layerBytes = Bun.gzipSync(enc("pretend this is a tar".repeat(5000)));
const layer = { mediaType: OCI_LAYER_GZIP, digest: digestOf(layerBytes), size: layerBytes.length };
const configBytes = enc(JSON.stringify({ architecture: hostPlatform().architecture, os: "linux", rootfs: { type: "layers", diff_ids: [digestOf("x")] } }));
const config = { mediaType: OCI_CONFIG, digest: digestOf(configBytes), size: configBytes.length };
const manifestBytes = enc(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [layer] }));

type Behaviour = "good" | "wrong-blob" | "oversized-declared" | "oversized-streamed" | "break-once" | "break-once-no-range" | "5xx-twice" | "schema1" | "other-platform" | "lying-digest-header";
let behaviour: Behaviour = "good";
let served = 0;
let requests: Array<{ url: string; range: string | null; accept: string | null }> = [];
let blobGets = 0;

/** 256 MiB of zeros, counting what the server gets to write (kernel socket buffers included). */
function endless(): ReadableStream<Uint8Array> {
  const chunk = new Uint8Array(64 * 1024);
  return new ReadableStream({
    pull(c) {
      if (served >= HOSTILE_SIZE) return c.close();
      served += chunk.length;
      c.enqueue(chunk);
    },
  }, { highWaterMark: 0 });
}
const HOSTILE_SIZE = 256 * 1024 * 1024;
/** What loopback socket buffers and the HTTP client's read-ahead may take before a cancel lands. */
const BUFFERING_SLACK = 32 * 1024 * 1024;

function blobResponse(req: Request, body: Uint8Array): Response {
  if (behaviour === "wrong-blob") { const bad = body.slice(); bad[bad.length - 1]! ^= 1; return new Response(bad); }
  if (behaviour === "oversized-declared") return new Response(endless(), { headers: { "content-length": String(256 * 1024 * 1024) } });
  if (behaviour === "oversized-streamed") return new Response(endless());
  if (behaviour === "break-once" || behaviour === "break-once-no-range") {
    blobGets++;
    const range = /^bytes=(\d+)-$/.exec(req.headers.get("range") ?? "");
    if (blobGets === 1) {
      // Promise the whole length, send half, then break the connection.
      const half = body.subarray(0, body.length >> 1);
      let sent = false;
      return new Response(new ReadableStream({ pull(c) { if (!sent) { sent = true; c.enqueue(half); } else c.close(); } }), { headers: { "content-length": String(body.length) } });
    }
    if (range && behaviour === "break-once") {
      const start = Number(range[1]);
      return new Response(body.subarray(start), { status: 206, headers: { "content-range": `bytes ${start}-${body.length - 1}/${body.length}` } });
    }
    return new Response(body);
  }
  return new Response(body);
}

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch(req) {
    requests.push({ url: req.url, range: req.headers.get("range"), accept: req.headers.get("accept") });
    const path = new URL(req.url).pathname;
    if (behaviour === "5xx-twice" && requests.length <= 2) return new Response("busy", { status: 503 });
    if (path === "/v2/test/img/manifests/v1") {
      if (behaviour === "schema1") return new Response(JSON.stringify({ schemaVersion: 1, name: "test/img", fsLayers: [] }), { headers: { "content-type": DOCKER_SCHEMA1_SIGNED } });
      if (behaviour === "other-platform") {
        const idx = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: OCI_MANIFEST, digest: digestOf(manifestBytes), size: manifestBytes.length, platform: { os: "linux", architecture: "s390x" } }] };
        return new Response(JSON.stringify(idx), { headers: { "content-type": OCI_INDEX } });
      }
      const headers: Record<string, string> = { "content-type": OCI_MANIFEST, "docker-content-digest": behaviour === "lying-digest-header" ? digestOf("other") : digestOf(manifestBytes) };
      return new Response(manifestBytes, { headers });
    }
    if (path === `/v2/test/img/blobs/${config.digest}`) return new Response(configBytes);
    if (path === `/v2/test/img/blobs/${layer.digest}`) return blobResponse(req, layerBytes);
    return Response.json({ errors: [{ code: "MANIFEST_UNKNOWN", message: "manifest unknown" }] }, { status: 404 });
  },
});
afterAll(() => server.stop(true));

let n = 0;
let store: ContentStore;
beforeEach(() => {
  behaviour = "good";
  served = 0;
  requests = [];
  blobGets = 0;
  store = new ContentStore(join(tmp, `s${++n}`));
});

const ref = (s = "test/img:v1") => parseReference(`127.0.0.1:${server.port}/${s}`);
const pull = (s?: string) => pullImage(store, ref(s), { backoffMs: 1, retries: 3 });

async function failure(p: Promise<unknown>): Promise<{ code: ErrorCode; message: string }> {
  try {
    await p;
  } catch (err) {
    if (ImagetoolError.is(err)) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error("expected a failure");
}

function nothingStored(): void {
  expect(store.listBlobs()).toEqual([]); // not even the verified config: a failed pull leaves nothing
  expect(store.has(layer.digest)).toBe(false);
  expect(listImages(store)).toEqual([]);
  expect(readdirSync(store.ingestDir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
}

describe("pull from a hostile or flaky registry", () => {
  test("the good path stores manifest, config, layer and the name", async () => {
    const r = await pull();
    expect(r.name).toBe(`127.0.0.1:${server.port}/test/img:v1`);
    expect(store.has(layer.digest) && store.has(config.digest) && store.has(r.manifest.digest)).toBe(true);
    expect(requests.find((q) => q.url.includes("/manifests/"))!.accept).toContain(OCI_INDEX);
  });
  test("a blob already stored is never downloaded again", async () => {
    await pull();
    requests = [];
    const r = await pull();
    expect(r.downloaded).toBe(0);
    expect(requests.filter((q) => q.url.includes("/blobs/"))).toEqual([]);
  });
  test("unknown tag or repository: No image named 'x:y' exists", async () => {
    const f = await failure(pull("test/img:nope"));
    expect(f.code).toBe("IMAGE_NOT_FOUND");
    expect(f.message).toBe(`No image named '127.0.0.1:${server.port}/test/img:nope' exists on 127.0.0.1:${server.port}`);
  });
  test("wrong blob content: digest mismatch, blob discarded, no name", async () => {
    behaviour = "wrong-blob";
    const f = await failure(pull());
    expect(f.code).toBe("DIGEST_MISMATCH");
    expect(f.message).toContain("discarded");
    nothingStored();
  });
  test("oversized blob with an honest Content-Length: refused before reading the body", async () => {
    behaviour = "oversized-declared";
    const f = await failure(pull());
    expect(f.code).toBe("SIZE_MISMATCH");
    expect(served).toBeLessThan(BUFFERING_SLACK);
    nothingStored();
  });
  test("oversized blob streamed without a length: cut off just past the descriptor's size", async () => {
    behaviour = "oversized-streamed";
    const f = await failure(pull());
    expect(f.code).toBe("SIZE_MISMATCH");
    expect(served).toBeLessThan(BUFFERING_SLACK);
    nothingStored();
  });
  test("a broken connection is resumed with Range", async () => {
    behaviour = "break-once";
    await pull();
    expect(store.has(layer.digest)).toBe(true);
    const gets = requests.filter((q) => q.url.endsWith(layer.digest));
    expect(gets.length).toBe(2);
    expect(gets[1]!.range).toMatch(/^bytes=\d+-$/);
  });
  test("a registry that ignores Range gets the known prefix skipped", async () => {
    behaviour = "break-once-no-range";
    await pull();
    expect(store.has(layer.digest)).toBe(true);
  });
  test("5xx responses are retried with backoff", async () => {
    behaviour = "5xx-twice";
    await pull();
    expect(store.has(layer.digest)).toBe(true);
  });
  test("schema1 manifests are refused clearly", async () => {
    behaviour = "schema1";
    const f = await failure(pull());
    expect(f.code).toBe("UNSUPPORTED");
    expect(f.message).toContain("schema 1 is deprecated");
  });
  test("no manifest for this platform: the error lists what there is", async () => {
    behaviour = "other-platform";
    const f = await failure(pull());
    expect(f.code).toBe("NO_MATCHING_PLATFORM");
    expect(f.message).toContain("available: linux/s390x");
  });
  test("a Docker-Content-Digest that does not match the manifest is refused", async () => {
    behaviour = "lying-digest-header";
    expect((await failure(pull())).code).toBe("DIGEST_MISMATCH");
  });
  test("an unreachable registry says so", async () => {
    const port = server.port;
    const r = parseReference(`127.0.0.1:1/test/img:v1`);
    const f = await failure(pullImage(store, r, { backoffMs: 1, retries: 1 }));
    expect(f.code).toBe("UNREACHABLE");
    expect(f.message).toContain("registry 127.0.0.1:1 is unreachable");
    expect(port).toBeGreaterThan(0);
  });
});
