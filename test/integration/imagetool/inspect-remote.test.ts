/**
 * inspect docker://REF and list-tags against Debian's docker-registry on 127.0.0.1, checked
 * against what skopeo prints for the same image (skopeo is the reference for the JSON shape).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeRoot } from "../../fixtures/root.ts";
import { Cleanup } from "../../../common/cleanup.ts";
import { buildBusyboxImage, buildMultiPlatformImage, imagetool, sh, startRegistry, type BuiltImage, type TestRegistry } from "../../fixtures/registry.ts";
import { ContentStore } from "../../../imagetool/lib/content/store.ts";
import { openRepository } from "../../../imagetool/lib/registry/repository.ts";
import { listTags } from "../../../imagetool/lib/registry/tags.ts";
import { parseReference } from "../../../imagetool/lib/reference.ts";

describeRoot("imagetool inspect docker:// and list-tags", () => {
  const cleanup = new Cleanup();
  let tmp: string;
  let open: TestRegistry;
  let token: TestRegistry;
  let image: BuiltImage;
  let multi: Awaited<ReturnType<typeof buildMultiPlatformImage>>;
  const TAGS = ["1", "1.0", "2", "latest", "stable"];
  const skopeo = async (args: string[]) => (await sh(["skopeo", ...args])).stdout;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), "bocker-inspect-remote-"));
    cleanup.add("temp dir", () => rmSync(tmp, { recursive: true, force: true }));
    [open, token] = await Promise.all([startRegistry("none"), startRegistry("token")]);
    for (const r of [open, token]) cleanup.add(`registry ${r.host}`, () => r.stop());
    const src = new ContentStore(join(tmp, "src"));
    image = await buildBusyboxImage(src, "busybox:1", tmp);
    multi = await buildMultiPlatformImage(src, "multi:1", tmp);
    const copy = (name: string, dest: string, extra: string[] = []) =>
      sh(["skopeo", "copy", "--quiet", ...extra, `oci:${src.root}:${name}`, `docker://${dest}`, "--dest-tls-verify=false"]);
    for (const t of TAGS) await copy("busybox:1", `${open.host}/test/busybox:${t}`);
    await copy("multi:1", `${open.host}/test/multi:1`, ["--all"]);
    await copy("busybox:1", `${token.host}/test/busybox:1`, ["--dest-creds", `${token.credentials!.username}:${token.credentials!.password}`]);
  });
  afterAll(() => cleanup.run());

  test("inspect docker://REF prints what skopeo inspect prints, and stores nothing", async () => {
    const root = join(tmp, "untouched-root");
    const res = await imagetool(["--root", root, "inspect", `docker://${open.host}/test/busybox:1`]);
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    const ours = JSON.parse(res.stdout);
    const theirs = JSON.parse(await skopeo(["inspect", "--tls-verify=false", `docker://${open.host}/test/busybox:1`]));
    for (const key of ["Name", "Digest", "Created", "Architecture", "Os", "Layers", "Env", "Labels", "DockerVersion"]) {
      expect({ [key]: ours[key] }).toEqual({ [key]: theirs[key] });
    }
    // Debian's skopeo predates LayersData (skopeo 1.4); where it has it, ours must agree.
    if (theirs.LayersData) expect(ours.LayersData).toEqual(theirs.LayersData);
    expect([...ours.RepoTags].sort()).toEqual([...theirs.RepoTags].sort());
    expect(ours.Digest).toBe(image.manifest.digest);
    expect(ours.LayersData[0]).toMatchObject({ Digest: image.layers[0]!.digest, Size: image.layers[0]!.size });
    expect(existsSync(root)).toBe(false);
    // --no-tags leaves RepoTags out (and skips the listing).
    const noTags = JSON.parse((await imagetool(["inspect", "--no-tags", `docker://${open.host}/test/busybox:1`])).stdout);
    expect(noTags.RepoTags).toBeUndefined();
  });

  test("--raw prints the manifest byte for byte; --config the config, as skopeo does", async () => {
    const ref = `docker://${open.host}/test/busybox:1`;
    const raw = await imagetool(["inspect", "--raw", ref]);
    expect(raw.code).toBe(0);
    expect(raw.stdout).toBe(await skopeo(["inspect", "--raw", "--tls-verify=false", ref]));
    const config = await imagetool(["inspect", "--config", ref]);
    expect(config.code).toBe(0);
    expect(JSON.parse(config.stdout)).toEqual(JSON.parse(await skopeo(["inspect", "--config", "--tls-verify=false", ref])));
  });

  test("an index lists its platforms; --platform inspects that platform's image", async () => {
    const ref = `docker://${open.host}/test/multi:1`;
    const listed = JSON.parse((await imagetool(["inspect", ref])).stdout);
    expect(listed.Digest).toBe(multi.index.digest);
    expect(listed.Manifests.map((m: { Digest: string; Platform: { architecture: string } }) => [m.Digest, m.Platform.architecture])).toEqual([
      [multi.host.manifest.digest, expect.any(String)],
      [multi.other.manifest.digest, multi.otherPlatform.split("/")[1]],
    ]);
    const other = await imagetool(["inspect", "--platform", multi.otherPlatform, ref]);
    expect(other.code).toBe(0);
    const o = JSON.parse(other.stdout);
    expect(o).toMatchObject({ Digest: multi.index.digest, ManifestDigest: multi.other.manifest.digest, Architecture: multi.otherPlatform.split("/")[1], Os: "linux" });
    const raw = await imagetool(["inspect", "--raw", ref]);
    expect(JSON.parse(raw.stdout).manifests).toHaveLength(2);
    const missing = await imagetool(["inspect", "--platform", "linux/s390x", ref]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("no manifest for platform linux/s390x");
  });

  test("list-tags prints skopeo list-tags' JSON; the tag list follows Link pages", async () => {
    const res = await imagetool(["list-tags", `${open.host}/test/busybox`]);
    expect(res.code).toBe(0);
    const ours = JSON.parse(res.stdout);
    expect(ours).toEqual(JSON.parse(await skopeo(["list-tags", "--tls-verify=false", `docker://${open.host}/test/busybox`])));
    expect([...ours.Tags].sort()).toEqual([...TAGS].sort());
    // Debian's docker-registry (distribution 2.8) answers the tag list in one piece, so a front on
    // 127.0.0.1 pages the real registry's answer as distribution 3 and Docker Hub do: `n` per page,
    // `Link: </v2/…/tags/list?last=…&n=…>; rel="next"` while more follow.
    const seen: string[] = [];
    const front = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      async fetch(req) {
        const url = new URL(req.url);
        seen.push(`${url.pathname}${url.search}`);
        const upstream = await fetch(`http://${open.host}${url.pathname}`);
        if (!url.pathname.endsWith("/tags/list")) return upstream;
        const { name, tags } = (await upstream.json()) as { name: string; tags: string[] };
        const n = Number(url.searchParams.get("n") ?? tags.length);
        const last = url.searchParams.get("last");
        const from = last === null ? 0 : tags.indexOf(last) + 1;
        const page = tags.slice(from, from + n);
        const more = from + n < tags.length;
        return Response.json({ name, tags: page }, more ? { headers: { link: `<${url.pathname}?last=${page.at(-1)}&n=${n}>; rel="next"` } } : {});
      },
    });
    try {
      const paged = await listTags(openRepository(parseReference(`127.0.0.1:${front.port}/test/busybox`)), 2);
      expect(paged).toEqual(ours.Tags);
      expect(seen.filter((p) => p.includes("/tags/list"))).toHaveLength(3);
    } finally {
      front.stop(true);
    }
    const tagged = await imagetool(["list-tags", `${open.host}/test/busybox:1`]);
    expect(tagged.code).not.toBe(0);
    expect(tagged.stderr).toContain("give the repository alone");
    const none = await imagetool(["list-tags", `${open.host}/test/nothing-here`]);
    expect(none.code).not.toBe(0);
    expect(none.stderr).toContain("test/nothing-here");
  });

  test("token auth: refused without credentials, answered with --creds", async () => {
    const ref = `docker://${token.host}/test/busybox:1`;
    const denied = await imagetool(["inspect", ref], { DOCKER_CONFIG: join(tmp, "no-config") });
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/unauthorized|authentication required/);
    const creds = `${token.credentials!.username}:${token.credentials!.password}`;
    const ok = await imagetool(["inspect", "--creds", creds, ref]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ Digest: image.manifest.digest, RepoTags: ["1"] });
    const tags = await imagetool(["list-tags", "--creds", creds, `${token.host}/test/busybox`]);
    expect(JSON.parse(tags.stdout)).toEqual({ Repository: `${token.host}/test/busybox`, Tags: ["1"] });
  });

  test("a stored-image inspect refuses registry-only flags", async () => {
    const res = await imagetool(["--root", join(tmp, "r"), "inspect", "--raw", "busybox:1"]);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain("--raw is for an image on a registry");
  });
});
