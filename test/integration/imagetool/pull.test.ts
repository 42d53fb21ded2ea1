/**
 * pull against Debian's docker-registry on 127.0.0.1: open, htpasswd Basic auth and Bearer token
 * auth; images put there by skopeo from layouts built in code.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeRoot } from "../../fixtures/root.ts";
import { Cleanup } from "../../../common/cleanup.ts";
import { buildBusyboxImage, buildImage, buildMultiPlatformImage, imagetool, imagetoolArgv, sh, startRegistry, type BuiltImage, type TestRegistry } from "../../fixtures/registry.ts";
import { ContentStore } from "../../../imagetool/lib/content/store.ts";

describeRoot("imagetool pull", () => {
  const cleanup = new Cleanup();
  let tmp: string;
  let open: TestRegistry;
  let basic: TestRegistry;
  let token: TestRegistry;
  let image: BuiltImage;
  let diffIDs: string[];
  let multi: Awaited<ReturnType<typeof buildMultiPlatformImage>>;
  let corrupt: string;
  let n = 0;
  const root = () => join(tmp, `root${++n}`);

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), "bocker-pull-"));
    cleanup.add("temp dir", () => rmSync(tmp, { recursive: true, force: true }));
    [open, basic, token] = await Promise.all([startRegistry("none"), startRegistry("htpasswd"), startRegistry("token")]);
    for (const r of [open, basic, token]) cleanup.add(`registry ${r.host}`, () => r.stop());
    const src = new ContentStore(join(tmp, "src"));
    image = await buildBusyboxImage(src, "busybox:1", tmp);
    diffIDs = (await src.readJSON<{ rootfs: { diff_ids: string[] } }>(image.config.digest)).rootfs.diff_ids;
    // The same layer under a config that commits to other content: caught when it is unpacked.
    await buildImage(src, "baddiff:1", [join(tmp, "busybox-rootfs")], { rootfs: { type: "layers", diff_ids: [`sha256:${"0".repeat(64)}`] } });
    multi = await buildMultiPlatformImage(src, "multi:1", tmp);
    const copy = (name: string, dest: string, extra: string[] = []) =>
      sh(["skopeo", "copy", "--quiet", ...extra, `oci:${src.root}:${name}`, `docker://${dest}`, "--dest-tls-verify=false"]);
    await copy("busybox:1", `${open.host}/test/busybox:1`);
    await copy("multi:1", `${open.host}/test/multi:1`, ["--all"]);
    await copy("baddiff:1", `${open.host}/test/baddiff:1`);
    // A layer of its own (so no other test shares its blob), corrupted in the registry's storage below.
    const corruptDir = join(tmp, "corrupt-layer");
    mkdirSync(join(corruptDir, "etc"), { recursive: true });
    for (let i = 0; i < 50; i++) writeFileSync(join(corruptDir, "etc", `f${i}`), `file ${i}\n`.repeat(200));
    // Two layers: the first is unpacked and committed before the second fails.
    const goodDir = join(tmp, "good-layer");
    mkdirSync(join(goodDir, "usr"), { recursive: true });
    writeFileSync(join(goodDir, "usr", "good"), "a layer of its own\n");
    corrupt = (await buildImage(src, "corrupt:1", [goodDir, corruptDir])).layers[1]!.digest;
    await copy("corrupt:1", `${open.host}/test/corrupt:1`);
    for (const r of [basic, token]) await copy("busybox:1", `${r.host}/test/busybox:1`, ["--dest-creds", `${r.credentials!.username}:${r.credentials!.password}`]);
  });
  afterAll(() => cleanup.run());

  test("pulls, names the image by its full reference, prints progress lines off a TTY", async () => {
    const r = root();
    const res = await imagetool(["--root", r, "pull", `${open.host}/test/busybox:1`]);
    expect(res.stderr).toContain(`${image.layers[0]!.digest.slice(7, 19)}: downloaded`);
    // As root the layer is unpacked during the pull, and says so once done.
    expect(res.stderr).toMatch(new RegExp(`${image.layers[0]!.digest.slice(7, 19)}: unpacked \\(\\d+ entries\\)\n`));
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`Pulled ${open.host}/test/busybox:1 (${image.manifest.digest})`);
    const store = new ContentStore(join(r, "content"));
    for (const d of [image.manifest, image.config, ...image.layers]) expect(store.has(d.digest)).toBe(true);
    expect(readdirSync(join(r, "content", "ingest")).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    const images = await imagetool(["--root", r, "images", "--json"]);
    const list = JSON.parse(images.stdout);
    expect(list).toMatchObject([{ name: `${open.host}/test/busybox:1`, repository: `${open.host}/test/busybox`, tag: "1", digest: image.manifest.digest, id: image.config.digest }]);
    // A second pull downloads nothing.
    const again = await imagetool(["--root", r, "pull", `${open.host}/test/busybox:1`]);
    expect(again.stderr).toContain("already exists");
    expect(again.stdout).toContain("0 B downloaded");
  });

  test("on a terminal, progress is drawn as bars (cli-progress) on stderr", async () => {
    const r = root();
    // script(1) gives the command a pseudo-terminal; what the terminal showed is written to `typescript`.
    const typescript = join(tmp, "pull-tty.typescript");
    const argv = [...imagetoolArgv(), "--root", r, "pull", `${open.host}/test/busybox:1`].map((a) => `'${a}'`).join(" ");
    const res = await sh(["script", "-qefc", argv, typescript]);
    expect(res.code).toBe(0);
    const shown = readFileSync(typescript, "utf8");
    expect(shown).toMatch(/total\s+\|[\u2588\u2591]+\|/); // the overall bar, in the shades_classic preset
    expect(shown).toContain(`Pulled ${open.host}/test/busybox:1 (${image.manifest.digest})`);
    expect(shown).not.toContain(": downloaded"); // the plain lines are for pipes and files only
  });

  test("pull by digest and --quiet", async () => {
    const r = root();
    const res = await imagetool(["--root", r, "--quiet", "pull", `${open.host}/test/busybox@${image.manifest.digest}`]);
    expect(res.code).toBe(0);
    expect(res.stderr).toBe("");
    expect(res.stdout).toBe(`${open.host}/test/busybox@${image.manifest.digest}\n`);
  });

  test("platform selection from an index, with the available platforms listed on a miss", async () => {
    const r = root();
    const host = await imagetool(["--root", r, "pull", `${open.host}/test/multi:1`]);
    expect(host.code).toBe(0);
    expect(host.stdout).toContain(multi.host.manifest.digest);
    const other = await imagetool(["--root", r, "pull", "--platform", multi.otherPlatform, `${open.host}/test/multi:1`]);
    expect(other.code).toBe(0);
    expect(other.stdout).toContain(multi.other.manifest.digest);
    const miss = await imagetool(["--root", r, "pull", "--platform", "linux/s390x", `${open.host}/test/multi:1`]);
    expect(miss.code).not.toBe(0);
    expect(miss.stderr).toContain("has no manifest for platform linux/s390x; available: linux/");
    expect(miss.stderr).toContain(multi.otherPlatform);
  });

  test("unknown tag and unknown repository", async () => {
    for (const ref of [`${open.host}/test/busybox:nope`, `${open.host}/no/such:1`]) {
      const res = await imagetool(["--root", root(), "pull", ref]);
      expect(res.code).toBe(1);
      expect(res.stderr).toBe(`bocker-imagetool: No image named '${ref}' exists on ${open.host}\n`);
    }
  });

  test("unreachable registry", async () => {
    const res = await imagetool(["--root", root(), "pull", "127.0.0.1:1/x:1"]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("registry 127.0.0.1:1 is unreachable");
  });

  for (const kind of ["basic", "token"] as const) {
    test(`${kind} auth: refused without credentials, works with --creds and with ~/.docker/config.json`, async () => {
      const reg = kind === "basic" ? basic : token;
      const ref = `${reg.host}/test/busybox:1`;
      const r = root();
      const anon = await imagetool(["--root", r, "pull", ref]);
      expect(anon.code).toBe(1);
      expect(anon.stderr).toMatch(/unauthorized|authentication required/);
      const wrong = await imagetool(["--root", r, "pull", "--creds", `${reg.credentials!.username}:wrong`, ref]);
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toMatch(/unauthorized|refused/);
      const { username, password } = reg.credentials!;
      const withFlag = await imagetool(["--root", r, "pull", "--creds", `${username}:${password}`, ref]);
      expect(withFlag.code).toBe(0);
      const dockerDir = join(tmp, `docker-${kind}`);
      mkdirSync(dockerDir, { recursive: true });
      writeFileSync(join(dockerDir, "config.json"), JSON.stringify({ auths: { [reg.host]: { auth: Buffer.from(`${username}:${password}`).toString("base64") } } }));
      const withConfig = await imagetool(["--root", root(), "pull", ref], { DOCKER_CONFIG: dockerDir });
      expect(withConfig.code).toBe(0);
    });
  }

  test("token auth from Docker's config file: a credsStore or credHelpers helper, identity tokens, a helper that is not installed", async () => {
    const ref = `${token.host}/test/busybox:1`;
    const { username, password } = token.credentials!;
    const bin = join(tmp, "helpers");
    mkdirSync(bin, { recursive: true });
    // docker-credential-helpers protocol: `get`, the server address on stdin, JSON or "not found".
    const helper = (name: string, answer: string) => {
      const path = join(bin, `docker-credential-${name}`);
      writeFileSync(path, `#!/bin/sh\nserver=$(cat)\nif [ "$1" = get ] && [ "$server" = "${token.host}" ]; then printf '%s' '${answer}'; exit 0; fi\necho "credentials not found in native keychain"; exit 1\n`, { mode: 0o755 });
    };
    helper("bockerstore", JSON.stringify({ ServerURL: token.host, Username: username, Secret: password }));
    helper("bockertoken", JSON.stringify({ ServerURL: token.host, Username: "<token>", Secret: token.identityToken }));
    const env = (config: object) => {
      const dir = mkdtempSync(join(tmp, "docker-config-"));
      writeFileSync(join(dir, "config.json"), JSON.stringify(config));
      return { DOCKER_CONFIG: dir, PATH: `${bin}:${process.env.PATH}` };
    };
    const pull = (config: object) => imagetool(["--root", root(), "pull", ref], env(config));

    // docker login with a credsStore leaves an empty marker in auths.
    expect((await pull({ credsStore: "bockerstore", auths: { [token.host]: {} } })).code).toBe(0);
    // credHelpers names the helper for this registry; it wins over credsStore.
    expect((await pull({ credHelpers: { [token.host]: "bockertoken" }, credsStore: "missinghelper" })).code).toBe(0);
    // An identity token that docker login stored in auths (OAuth2 refresh-token grant at the realm).
    expect((await pull({ auths: { [token.host]: { identitytoken: token.identityToken } } })).code).toBe(0);
    const wrongToken = await pull({ auths: { [token.host]: { identitytoken: "idtok-wrong" } } });
    expect(wrongToken.code).toBe(1);
    expect(wrongToken.stderr).toContain("the identity token was refused");
    const missing = await pull({ credsStore: "missinghelper" });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("docker-credential-missinghelper, which is not installed");
  });

  const snapshots = (r: string) => {
    const meta = JSON.parse(readFileSync(join(r, "snapshots", "overlay", "metadata.json"), "utf8")) as { snapshots: Record<string, { key: string; kind: string }> };
    return Object.values(meta.snapshots).map((s) => `${s.kind} ${s.key}`).sort();
  };

  test("as root the layers are unpacked while pulling: bundle finds the snapshots; --unpack=false unpacks nothing", async () => {
    const r = root();
    const ref = `${open.host}/test/busybox:1`;
    const pulled = await imagetool(["--root", r, "-q", "--debug", "pull", "--snapshotter", "overlay", ref]);
    expect(pulled.code).toBe(0);
    // --debug: where the time went, in order, on stderr (stdout stays the name alone).
    const phases = ["pull: command loaded", "pull: overlay snapshotter open", "pull: resolved", "unpack: layer 0 applied (", "pull: every blob verified", "pull: named"];
    const at = phases.map((p) => pulled.stderr.indexOf(`bocker-imagetool: ${p}`));
    expect(at.every((i, k) => i >= 0 && (k === 0 || i > at[k - 1]!))).toBe(true);
    expect(pulled.stderr).toMatch(/ms after start-up\)\n$/);
    expect(pulled.stdout).toBe(`${ref}\n`);
    // One layer: its chain ID is its diffID.
    expect(snapshots(r)).toEqual([`committed ${diffIDs[0]}`]);
    const bundle = join(tmp, `bundle-${n}`);
    cleanup.add(`remove ${bundle}`, () => imagetool(["--root", r, "bundle", "--remove", bundle]));
    expect((await imagetool(["--root", r, "-q", "bundle", "--snapshotter", "overlay", ref, bundle])).code).toBe(0);
    const after = snapshots(r);
    expect(after.filter((s) => s.startsWith("committed"))).toEqual([`committed ${diffIDs[0]}`]);
    expect(after.filter((s) => s.startsWith("active")).map((s) => s.split(" ")[1]!.slice(0, 10))).toEqual(["container-"]);
    expect((await imagetool(["--root", r, "bundle", "--remove", bundle])).code).toBe(0);

    const plain = root();
    expect((await imagetool(["--root", plain, "-q", "pull", "--unpack=false", ref])).code).toBe(0);
    expect(existsSync(join(plain, "snapshots"))).toBe(false);
    const conflicting = await imagetool(["--root", plain, "pull", "--unpack=false", "--snapshotter", "overlay", ref]);
    expect(conflicting.code).toBe(1);
    expect(conflicting.stderr).toContain("--snapshotter needs the layers unpacked");
  });

  test("a layer that does not match its diffID fails the pull: nothing named, no temp files, no snapshot left", async () => {
    const r = root();
    const res = await imagetool(["--root", r, "pull", "--snapshotter", "overlay", `${open.host}/test/baddiff:1`]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/diffID.*digest mismatch/);
    expect(JSON.parse((await imagetool(["--root", r, "images", "--json"])).stdout)).toEqual([]);
    expect(readdirSync(join(r, "content", "ingest")).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    expect(snapshots(r)).toEqual([]);
    expect(readdirSync(join(r, "snapshots", "overlay")).filter((f) => /^\d+$|^tmp-/.test(f))).toEqual([]);
  });

  test("a layer whose bytes are wrong fails while it is being unpacked: digest mismatch, nothing named, no snapshot (not even the good first layer's), no temp file", async () => {
    // The registry serves what its storage holds without checking it: flip the last byte.
    const data = join(open.dir, "data", "docker", "registry", "v2", "blobs", "sha256", corrupt.slice(7, 9), corrupt.slice(7), "data");
    const bytes = readFileSync(data);
    bytes[bytes.length - 1]! ^= 0xff;
    writeFileSync(data, bytes);
    const r = root();
    const res = await imagetool(["--root", r, "pull", "--snapshotter", "overlay", `${open.host}/test/corrupt:1`]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`blob ${corrupt}: content has digest`);
    expect(res.stderr).toContain("discarded");
    expect(JSON.parse((await imagetool(["--root", r, "images", "--json"])).stdout)).toEqual([]);
    expect(readdirSync(join(r, "content", "ingest")).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    expect(readdirSync(join(r, "content", "blobs", "sha256"))).toEqual([]);
    expect(snapshots(r)).toEqual([]);
    expect(readdirSync(join(r, "snapshots", "overlay")).filter((f) => /^\d+$|^tmp-/.test(f))).toEqual([]);
  });
});
