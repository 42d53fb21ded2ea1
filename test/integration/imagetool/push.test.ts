/**
 * push to Debian's docker-registry: blob existence checks, monolithic and chunked upload,
 * cross-repository mount, manifest last; checked by reading back with skopeo and our own pull.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeRoot } from "../../fixtures/root.ts";
import { Cleanup } from "../../../common/cleanup.ts";
import { buildBusyboxImage, buildMultiPlatformImage, imagetool, sh, startRegistry, type BuiltImage, type TestRegistry } from "../../fixtures/registry.ts";
import { ContentStore } from "../../../imagetool/lib/content/store.ts";

describeRoot("imagetool push", () => {
  const cleanup = new Cleanup();
  let tmp: string;
  let root: string;
  let open: TestRegistry;
  let token: TestRegistry;
  let image: BuiltImage;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), "bocker-push-"));
    cleanup.add("temp dir", () => rmSync(tmp, { recursive: true, force: true }));
    [open, token] = await Promise.all([startRegistry("none"), startRegistry("token")]);
    for (const r of [open, token]) cleanup.add(`registry ${r.host}`, () => r.stop());
    root = join(tmp, "root");
    image = await buildBusyboxImage(new ContentStore(join(root, "content")), "docker.io/library/busybox:1", tmp);
  });
  afterAll(() => cleanup.run());

  const skopeoInspect = async (ref: string, extra: string[] = []) =>
    JSON.parse((await sh(["skopeo", "inspect", "--raw", "--tls-verify=false", ...extra, `docker://${ref}`])).stdout);

  test("monolithic upload; the registry serves the same manifest digest", async () => {
    const res = await imagetool(["--root", root, "push", "busybox:1", `${open.host}/mono/busybox:1`]);
    expect(res.stderr).toContain("uploaded");
    expect(res.code).toBe(0);
    expect(res.stdout).toBe(`Pushed ${open.host}/mono/busybox:1 (${image.manifest.digest})\n`);
    const raw = await skopeoInspect(`${open.host}/mono/busybox:1`);
    expect(raw.config.digest).toBe(image.config.digest);
    const digest = (await sh(["skopeo", "inspect", "--format", "{{.Digest}}", "--tls-verify=false", `docker://${open.host}/mono/busybox:1`])).stdout.trim();
    expect(digest).toBe(image.manifest.digest);
  });

  test("--tls-verify=false to a plain-HTTP registry: blobs uploaded at once all fall back from HTTPS", async () => {
    // The config and the layer go up concurrently; each first tried HTTPS, and the one that lost
    // the race to fall back failed with a TLS error.
    const res = await imagetool(["--root", root, "push", "--tls-verify=false", "busybox:1", `${open.host}/insecure/busybox:1`]);
    expect(res.stderr).not.toContain("TLS");
    expect(res.code).toBe(0);
  });

  test("pushing again uploads nothing (HEAD finds every blob)", async () => {
    const res = await imagetool(["--root", root, "push", "busybox:1", `${open.host}/mono/busybox:1`]);
    expect(res.code).toBe(0);
    expect(res.stderr).not.toContain("uploaded");
    expect(res.stderr.match(/already exists/g)?.length).toBe(2);
  });

  test("chunked upload (PATCH with Content-Range) gives the same content", async () => {
    const res = await imagetool(["--root", root, "push", "--chunk-size", "100000", "busybox:1", `${open.host}/chunked/busybox:1`]);
    expect(res.code).toBe(0);
    const pulled = await imagetool(["--root", join(tmp, "r-chunked"), "pull", `${open.host}/chunked/busybox:1`]);
    expect(pulled.code).toBe(0);
    expect(pulled.stdout).toContain(image.manifest.digest);
  });

  test("cross-repository mount when the image came from the same registry", async () => {
    const r = join(tmp, "r-mount");
    expect((await imagetool(["--root", r, "pull", `${open.host}/mono/busybox:1`])).code).toBe(0);
    const res = await imagetool(["--root", r, "push", `${open.host}/mono/busybox:1`, `${open.host}/mounted/busybox:2`]);
    expect(res.code).toBe(0);
    expect(res.stderr.match(/mounted/g)?.length).toBe(2);
    expect((await skopeoInspect(`${open.host}/mounted/busybox:2`)).config.digest).toBe(image.config.digest);
  });

  test("token auth: push with --creds (mount across repositories needs two scopes)", async () => {
    const { username, password } = token.credentials!;
    const creds = `${username}:${password}`;
    const denied = await imagetool(["--root", root, "push", "busybox:1", `${token.host}/a/busybox:1`]);
    expect(denied.code).toBe(1);
    const res = await imagetool(["--root", root, "push", "--creds", creds, "busybox:1", `${token.host}/a/busybox:1`]);
    expect(res.code).toBe(0);
    const r = join(tmp, "r-token");
    expect((await imagetool(["--root", r, "pull", "--creds", creds, `${token.host}/a/busybox:1`])).code).toBe(0);
    const mount = await imagetool(["--root", r, "push", "--creds", creds, `${token.host}/a/busybox:1`, `${token.host}/b/busybox:1`]);
    expect(mount.code).toBe(0);
    expect(mount.stderr).toContain("mounted");
  });

  test("--all pushes a multi-platform image whole: every platform, then the index; without it, one platform", async () => {
    const r = join(tmp, "r-multi");
    const multi = await buildMultiPlatformImage(new ContentStore(join(r, "content")), "docker.io/library/multi:1", join(tmp, "multi"));
    const all = await imagetool(["--root", r, "push", "--all", "multi:1", `${open.host}/all/multi:1`]);
    expect(all.code).toBe(0);
    expect(all.stdout).toBe(`Pushed ${open.host}/all/multi:1 (${multi.index.digest})\n`);
    const index = await skopeoInspect(`${open.host}/all/multi:1`);
    expect(index.manifests.map((m: { digest: string }) => m.digest).sort()).toEqual([multi.host.manifest.digest, multi.other.manifest.digest].sort());
    // Each platform is there, pullable by itself.
    const other = await imagetool(["--root", join(tmp, "r-multi-pull"), "pull", "--unpack=false", "--platform", multi.otherPlatform, `${open.host}/all/multi:1`]);
    expect(other.code).toBe(0);
    expect(other.stdout).toContain(multi.other.manifest.digest);
    // Without --all: the host's platform alone, as skopeo copy does by default.
    const one = await imagetool(["--root", r, "push", "multi:1", `${open.host}/one/multi:1`]);
    expect(one.code).toBe(0);
    expect(one.stdout).toContain(multi.host.manifest.digest);
    expect((await skopeoInspect(`${open.host}/one/multi:1`)).config.digest).toBe(multi.host.config.digest);
    expect((await imagetool(["--root", r, "push", "--all", "--platform", "linux/amd64", "multi:1", `${open.host}/x/multi:1`])).stderr).toContain("mutually exclusive");
  });

  test("--all refuses an index whose other platforms are not in the store, naming what is missing", async () => {
    const r = join(tmp, "r-partial");
    const store = new ContentStore(join(r, "content"));
    const multi = await buildMultiPlatformImage(store, "docker.io/library/partial:1", join(tmp, "partial"));
    rmSync(store.blobPath(multi.other.config.digest));
    const res = await imagetool(["--root", r, "push", "--all", "partial:1", `${open.host}/partial/multi:1`]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`cannot push all of 'docker.io/library/partial:1': platform ${multi.otherPlatform}`);
    expect(res.stderr).toContain("push one platform without --all");
    // Nothing was sent: the check comes before any upload.
    const probe = await sh(["skopeo", "inspect", "--raw", "--tls-verify=false", `docker://${open.host}/partial/multi:1`], false);
    expect(probe.code).not.toBe(0);
  });

  test("pushing an image that is not in the store", async () => {
    const res = await imagetool(["--root", root, "push", "nothing:1", `${open.host}/x/y:1`]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("No image named 'nothing:1'");
  });
});
