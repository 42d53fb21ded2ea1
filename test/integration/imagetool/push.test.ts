/**
 * push to Debian's docker-registry: blob existence checks, monolithic and chunked upload,
 * cross-repository mount, manifest last; checked by reading back with skopeo and our own pull.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeRoot } from "../../fixtures/root.ts";
import { Cleanup } from "../../fixtures/cleanup.ts";
import { buildBusyboxImage, imagetool, sh, startRegistry, type BuiltImage, type TestRegistry } from "../../fixtures/registry.ts";
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

  test("pushing an image that is not in the store", async () => {
    const res = await imagetool(["--root", root, "push", "nothing:1", `${open.host}/x/y:1`]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("No image named 'nothing:1'");
  });
});
