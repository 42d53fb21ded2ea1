/**
 * Pulls interrupted part-way resume across runs: a proxy on 127.0.0.1 in front of Debian's
 * docker-registry passes part of a large layer and then stalls; the pull is killed with -9 by its
 * PID; the next pull continues the partial blob with a Range request (206) instead of starting
 * over, or downloads it whole when the registry ignores Range. gc removes partials older than a day.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync, openSync, writeSync, closeSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeRoot } from "../../fixtures/root.ts";
import { Cleanup } from "../../../common/cleanup.ts";
import { buildImage, imagetool, imagetoolArgv, sh, startRegistry, type BuiltImage, type TestRegistry } from "../../fixtures/registry.ts";
import { ContentStore } from "../../../imagetool/lib/content/store.ts";

type Mode = "stall" | "pass" | "ignore-range";

describeRoot("imagetool pull resumes interrupted downloads", () => {
  const cleanup = new Cleanup();
  let tmp: string;
  let registry: TestRegistry;
  let proxy: ReturnType<typeof Bun.serve>;
  let image: BuiltImage;
  let big: { digest: string; size: number; hex: string };
  let mode: Mode = "pass";
  const STALL_AFTER = 10 << 20;
  /** The proxy's answers to GETs of the big layer. */
  const log: Array<{ range: string | null; status: number; sent: number }> = [];
  let n = 0;
  const root = () => join(tmp, `root${++n}`);
  const ref = () => `127.0.0.1:${proxy.port}/test/big:1`;
  const ingest = (r: string) => join(r, "content", "ingest");
  /** The big layer's partial files (the config's, complete when the pull was killed, may sit beside them). */
  const partials = (r: string) => (existsSync(ingest(r)) ? readdirSync(ingest(r)).filter((f) => f.startsWith(`partial.sha256-${big.hex}`)).sort() : []);
  const owned = (r: string, pid: number) => partials(r).find((f) => f.startsWith(`partial.sha256-${big.hex}.${pid}.`))!;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), "bocker-resume-"));
    cleanup.add("temp dir", () => rmSync(tmp, { recursive: true, force: true }));
    registry = await startRegistry("none");
    cleanup.add(`registry ${registry.host}`, () => registry.stop());
    // 24 MiB of random bytes: the gzip layer stays about that large.
    const dir = join(tmp, "big-layer");
    mkdirSync(dir);
    writeFileSync(join(dir, "random.bin"), randomBytes(24 << 20));
    const src = new ContentStore(join(tmp, "src"));
    image = await buildImage(src, "big:1", [dir]);
    big = { digest: image.layers[0]!.digest, size: image.layers[0]!.size, hex: image.layers[0]!.digest.slice(7) };
    expect(big.size).toBeGreaterThan(STALL_AFTER * 2);
    await sh(["skopeo", "copy", "--quiet", "--dest-tls-verify=false", `oci:${src.root}:big:1`, `docker://${registry.host}/test/big:1`]);
    proxy = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      idleTimeout: 0,
      async fetch(req) {
        const url = new URL(req.url);
        const headers = new Headers(req.headers);
        headers.delete("host");
        const isBig = req.method === "GET" && url.pathname.endsWith(`/blobs/${big.digest}`);
        if (isBig && mode === "ignore-range") headers.delete("range");
        const up = await fetch(`http://${registry.host}${url.pathname}${url.search}`, { method: req.method, headers, redirect: "manual" });
        if (!isBig || !up.body) return new Response(up.body, { status: up.status, headers: up.headers });
        const entry = { range: req.headers.get("range"), status: up.status, sent: 0 };
        log.push(entry);
        const reader = up.body.getReader();
        const stall = mode === "stall";
        const body = new ReadableStream<Uint8Array>({
          async pull(controller) {
            if (stall && entry.sent >= STALL_AFTER) return new Promise<void>(() => {}); // holds the connection, sends nothing more
            const { done, value } = await reader.read();
            if (done) return controller.close();
            const chunk = stall ? value.subarray(0, STALL_AFTER - entry.sent) : value;
            entry.sent += chunk.length;
            controller.enqueue(chunk);
          },
          cancel: () => reader.cancel().catch(() => {}),
        });
        return new Response(body, { status: up.status, headers: up.headers });
      },
    });
    cleanup.add("proxy", () => proxy.stop(true));
  });
  afterAll(() => cleanup.run());

  /** Starts a pull through the stalling proxy, waits until the stalled prefix is recorded, kills it with -9. */
  async function killedPull(r: string): Promise<{ pid: number }> {
    mode = "stall";
    const proc = Bun.spawn([...imagetoolArgv(), "--root", r, "pull", "--unpack=false", ref()], { stdout: "ignore", stderr: "ignore" });
    cleanup.add(`pull ${proc.pid}`, () => proc.kill("SIGKILL"));
    const meta = join(ingest(r), `partial.sha256-${big.hex}.json`);
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (existsSync(meta) && (JSON.parse(readFileSync(meta, "utf8")) as { length: number }).length === STALL_AFTER) break;
      if (Date.now() > deadline) throw new Error(`the partial of ${big.digest} never recorded ${STALL_AFTER} bytes`);
      if (proc.exitCode !== null) throw new Error(`the pull exited (${proc.exitCode}) before it was killed`);
      await Bun.sleep(50);
    }
    process.kill(proc.pid, "SIGKILL");
    await proc.exited;
    expect(proc.signalCode).toBe("SIGKILL");
    return { pid: proc.pid };
  }

  test("a pull killed with -9 mid-layer leaves its partial; the next pull continues it with Range (206) and unpacks it", async () => {
    const r = root();
    const { pid } = await killedPull(r);
    expect(partials(r)).toEqual([owned(r, pid), `partial.sha256-${big.hex}.json`]);
    expect(owned(r, pid)).toMatch(new RegExp(`^partial\\.sha256-${big.hex}\\.${pid}\\.\\d+$`));
    mode = "pass";
    log.length = 0;
    const res = await imagetool(["--debug", "--root", r, "pull", ref()]);
    expect(res.code).toBe(0);
    expect(res.stderr).toContain(`${big.digest} resumes at ${STALL_AFTER} of ${big.size} bytes`);
    expect(log).toEqual([{ range: `bytes=${STALL_AFTER}-`, status: 206, sent: big.size - STALL_AFTER }]);
    expect(res.stdout).toContain(`Pulled ${ref()} (${image.manifest.digest})`);
    expect(new ContentStore(join(r, "content")).has(big.digest)).toBe(true);
    expect(partials(r)).toEqual([]);
    // The resumed layer was unpacked too (as root the pull unpacks while it downloads).
    expect(res.stderr).toMatch(new RegExp(`${big.hex.slice(0, 12)}: unpacked`));
  }, 60_000);

  test("a registry that ignores Range (200): the blob is downloaded whole and verified", async () => {
    const r = root();
    await killedPull(r);
    mode = "ignore-range";
    log.length = 0;
    const res = await imagetool(["--debug", "--root", r, "pull", "--unpack=false", ref()]);
    expect(res.code).toBe(0);
    expect(res.stderr).toContain("Range not honoured (HTTP 200), downloading from the start");
    expect(log).toEqual([{ range: `bytes=${STALL_AFTER}-`, status: 200, sent: big.size }]);
    expect(partials(r)).toEqual([]);
  }, 60_000);

  test("a kept prefix that does not verify is dropped and the blob downloaded whole", async () => {
    const r = root();
    const { pid } = await killedPull(r);
    const fd = openSync(join(ingest(r), owned(r, pid)), "r+");
    writeSync(fd, new Uint8Array([0xde, 0xad, 0xbe, 0xef]), 0, 4, 1000);
    closeSync(fd);
    mode = "pass";
    log.length = 0;
    const res = await imagetool(["--debug", "--root", r, "pull", "--unpack=false", ref()]);
    expect(res.code).toBe(0);
    expect(res.stderr).toContain("resumed content does not verify; downloading it whole");
    expect(log.map((e) => [e.range, e.status])).toEqual([[`bytes=${STALL_AFTER}-`, 206], [null, 200]]);
    expect(partials(r)).toEqual([]);
    // Unpacking while it downloads, the unpacker has read the bad prefix: the pull fails, says why, and the next one succeeds.
    const r2 = root();
    const second = await killedPull(r2);
    const fd2 = openSync(join(ingest(r2), owned(r2, second.pid)), "r+");
    writeSync(fd2, new Uint8Array([0xde, 0xad, 0xbe, 0xef]), 0, 4, 1000);
    closeSync(fd2);
    mode = "pass";
    const failed = await imagetool(["--root", r2, "pull", ref()]);
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toContain(`it continued ${STALL_AFTER} bytes kept by an earlier, interrupted pull, which are now discarded; pull again`);
    expect(partials(r2)).toEqual([]);
    const again = await imagetool(["--root", r2, "pull", ref()]);
    expect(again.code).toBe(0);
  }, 60_000);

  test("gc keeps a fresh partial and removes one left for more than a day", async () => {
    const r = root();
    const { pid } = await killedPull(r);
    const kept = await imagetool(["--root", r, "gc"]);
    expect(kept.code).toBe(0);
    expect(kept.stdout).toContain("partial downloads older than a day: 0 removed");
    expect(partials(r)).toHaveLength(2);
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600 * 1000);
    const name = owned(r, pid);
    utimesSync(join(ingest(r), name), twoDaysAgo, twoDaysAgo);
    const dry = await imagetool(["--root", r, "gc", "--dry-run"]);
    expect(dry.stdout).toContain(`Would delete partial download: ${name}`);
    expect(partials(r)).toHaveLength(2);
    const res = await imagetool(["--root", r, "gc"]);
    expect(res.stdout).toContain(`Deleted partial download: ${name}`);
    expect(res.stdout).toMatch(/partial downloads older than a day: 1 removed \(10(\.0+)? MiB\)/);
    expect(partials(r)).toEqual([]);
  }, 60_000);
});
