/**
 * registries.conf and certs.d against Debian's docker-registry on 127.0.0.1: a TLS registry with a
 * CA the test makes, one that requires a client certificate, a mirror that serves the image while
 * the primary is down, a location rewrite, blocked registries and bad configuration files.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeRoot } from "../../fixtures/root.ts";
import { Cleanup } from "../../../common/cleanup.ts";
import { buildBusyboxImage, freePort, imagetool, sh, startRegistry, type BuiltImage, type TestRegistry } from "../../fixtures/registry.ts";
import { makePki, type TestPki } from "../../fixtures/tls.ts";
import { ContentStore } from "../../../imagetool/lib/content/store.ts";

describeRoot("imagetool registries.conf and certs.d", () => {
  const cleanup = new Cleanup();
  let tmp: string;
  let pki: TestPki;
  let plain: TestRegistry;
  let tls: TestRegistry;
  let mtls: TestRegistry;
  let image: BuiltImage;
  let n = 0;
  const fresh = () => {
    const dir = join(tmp, `case${++n}`);
    mkdirSync(dir);
    return dir;
  };
  /** The environment of one case: its registries.conf, its certs.d roots, no host drop-ins, no logins. */
  const env = (dir: string, conf?: string, certsD: string[] = []) => {
    if (conf !== undefined) writeFileSync(join(dir, "registries.conf"), conf);
    return {
      CONTAINERS_REGISTRIES_CONF: join(dir, "registries.conf"),
      BOCKER_REGISTRIES_CONF_DIR: "",
      BOCKER_CERTS_D: certsD.join(":"),
      DOCKER_CONFIG: join(dir, "docker"),
    };
  };
  /** A certs.d root with HOST's directory holding `files` (name → source path). */
  const certsD = (dir: string, host: string, files: Record<string, string>) => {
    const root = join(dir, "certs.d");
    mkdirSync(join(root, host), { recursive: true });
    for (const [name, src] of Object.entries(files)) copyFileSync(src, join(root, host, name));
    return root;
  };
  const pull = (dir: string, ref: string, e: Record<string, string>) => imagetool(["--root", join(dir, "root"), "pull", "--unpack=false", ref], e);

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), "bocker-regconf-"));
    cleanup.add("temp dir", () => rmSync(tmp, { recursive: true, force: true }));
    pki = makePki(join(tmp, "pki"));
    const probe = { ca: readFileSync(pki.caCert, "utf8"), cert: readFileSync(pki.clientCert, "utf8"), key: readFileSync(pki.clientKey, "utf8") };
    [plain, tls, mtls] = await Promise.all([
      startRegistry("none"),
      startRegistry("none", { certificate: pki.serverCert, key: pki.serverKey, probe }),
      startRegistry("none", { certificate: pki.serverCert, key: pki.serverKey, clientCAs: [pki.caCert], probe }),
    ]);
    for (const r of [plain, tls, mtls]) cleanup.add(`registry ${r.host}`, () => r.stop());
    const src = new ContentStore(join(tmp, "src"));
    image = await buildBusyboxImage(src, "busybox:1", tmp);
    // skopeo's --dest-cert-dir: *.crt CAs, NAME.cert + NAME.key client certificates.
    const skopeoCerts = join(tmp, "skopeo-certs");
    mkdirSync(skopeoCerts);
    copyFileSync(pki.caCert, join(skopeoCerts, "ca.crt"));
    copyFileSync(pki.clientCert, join(skopeoCerts, "client.cert"));
    copyFileSync(pki.clientKey, join(skopeoCerts, "client.key"));
    await sh(["skopeo", "copy", "--quiet", "--dest-tls-verify=false", `oci:${src.root}:busybox:1`, `docker://${plain.host}/test/busybox:1`]);
    for (const r of [tls, mtls]) await sh(["skopeo", "copy", "--quiet", "--dest-cert-dir", skopeoCerts, `oci:${src.root}:busybox:1`, `docker://${r.host}/test/busybox:1`]);
  });
  afterAll(() => cleanup.run());

  test("a TLS registry: refused without its CA, pulled with certs.d's *.crt, or with insecure = true", async () => {
    const ref = `${tls.host}/test/busybox:1`;
    const without = await pull(fresh(), ref, env(fresh(), ""));
    expect(without.code).not.toBe(0);
    expect(without.stderr).toContain(`the registry speaks HTTPS; put its CA in certs.d/${tls.host}/ca.crt`);
    const dir = fresh();
    const withCa = await pull(dir, ref, env(dir, "", [certsD(dir, tls.host, { "ca.crt": pki.caCert })]));
    expect(withCa.stderr).not.toContain("error");
    expect(withCa.code).toBe(0);
    expect(withCa.stdout).toContain(image.manifest.digest);
    // A certs.d directory for another host changes nothing for this one.
    const other = fresh();
    expect((await pull(other, ref, env(other, "", [certsD(other, "127.0.0.1:1", { "ca.crt": pki.caCert })]))).code).not.toBe(0);
    // A certs.d directory without the CA: the certificate is refused, at once.
    const noCa = fresh();
    const unknownCa = await pull(noCa, ref, env(noCa, "", [certsD(noCa, tls.host, {})]));
    expect(unknownCa.code).not.toBe(0);
    expect(unknownCa.stderr).toContain(`registry ${tls.host}: TLS with`);
    // insecure = true: HTTPS without verification (then plain HTTP, not needed here).
    const insecure = fresh();
    const res = await pull(insecure, ref, env(insecure, `[[registry]]\nlocation = "${tls.host}"\ninsecure = true\n`));
    expect(res.code).toBe(0);
    // An insecure registry that does not speak TLS at all is spoken to in plain HTTP after HTTPS fails.
    const fallback = fresh();
    const plainPull = await imagetool(["--debug", "--root", join(fallback, "root"), "pull", "--unpack=false", `${plain.host}/test/busybox:1`], env(fallback, `[[registry]]\nlocation = "${plain.host}"\ninsecure = true\n`));
    expect(plainPull.code).toBe(0);
    expect(plainPull.stderr).toContain(`${plain.host}: HTTPS failed`);
    // inspect docker:// and list-tags go through the same transport. and inspect docker:// and list-tags go through the same transport.
    const dir2 = fresh();
    const e2 = env(dir2, "", [certsD(dir2, tls.host, { "ca.crt": pki.caCert })]);
    expect(JSON.parse((await imagetool(["inspect", `docker://${ref}`], e2)).stdout).Digest).toBe(image.manifest.digest);
    expect(JSON.parse((await imagetool(["list-tags", `${tls.host}/test/busybox`], e2)).stdout).Tags).toEqual(["1"]);
  });

  test("a registry requiring a client certificate: refused without one, pulled with client.cert + client.key; a lone .cert is an error", async () => {
    const ref = `${mtls.host}/test/busybox:1`;
    const caOnly = fresh();
    const refused = await pull(caOnly, ref, env(caOnly, "", [certsD(caOnly, mtls.host, { "ca.crt": pki.caCert })]));
    expect(refused.code).not.toBe(0);
    // A refused handshake is not retried, and the message says where the material goes.
    expect(refused.stderr).toContain(`registry ${mtls.host}: TLS with https://${mtls.host}/`);
    expect(refused.stderr).toContain("NAME.cert with NAME.key");
    const dir = fresh();
    const ok = await pull(dir, ref, env(dir, "", [certsD(dir, mtls.host, { "ca.crt": pki.caCert, "client.cert": pki.clientCert, "client.key": pki.clientKey })]));
    expect(ok.stderr).not.toContain("error");
    expect(ok.code).toBe(0);
    // The second root is used when the first has no directory for the host (containers/, then docker/).
    const two = fresh();
    const second = certsD(two, mtls.host, { "ca.crt": pki.caCert, "client.cert": pki.clientCert, "client.key": pki.clientKey });
    expect((await pull(two, ref, env(two, "", [join(two, "empty-root"), second]))).code).toBe(0);
    const lone = fresh();
    const bad = await pull(lone, ref, env(lone, "", [certsD(lone, mtls.host, { "ca.crt": pki.caCert, "client.cert": pki.clientCert })]));
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain(`${mtls.host}/client.cert: client certificate without its key client.key`);
  });

  test("a mirror serves the pull while the primary is down; the image keeps its own name", async () => {
    const down = `127.0.0.1:${await freePort()}`;
    const dir = fresh();
    const e = env(dir, `[[registry]]\nlocation = "${down}"\n[[registry.mirror]]\nlocation = "${plain.host}"\n`);
    const res = await pull(dir, `${down}/test/busybox:1`, e);
    expect(res.stderr).toBe(res.stderr.includes("error") ? "" : res.stderr);
    expect(res.code).toBe(0);
    const images = JSON.parse((await imagetool(["--root", join(dir, "root"), "images", "--json"])).stdout);
    expect(images).toMatchObject([{ name: `${down}/test/busybox:1`, digest: image.manifest.digest }]);
    expect(JSON.parse((await imagetool(["inspect", "--no-tags", `docker://${down}/test/busybox:1`], e)).stdout).Digest).toBe(image.manifest.digest);
    // A digest-only mirror is not asked for a tag: the down primary is, and both failures are named.
    const only = fresh();
    const e2 = env(only, `[[registry]]\nlocation = "${down}"\n[[registry.mirror]]\nlocation = "${plain.host}"\npull-from-mirror = "digest-only"\n`);
    const tagged = await imagetool(["--root", join(only, "root"), "pull", "--unpack=false", `${down}/test/busybox:1`], e2);
    expect(tagged.code).not.toBe(0);
    expect(tagged.stderr).toContain(`registry ${down} is unreachable`);
    const byDigest = await pull(only, `${down}/test/busybox@${image.manifest.digest}`, e2);
    expect(byDigest.code).toBe(0);
    // A mirror that is down gives way to the next source at once (asked once, not retried for ~4 s).
    const mirrorDown = fresh();
    const started = performance.now();
    const fromPrimary = await pull(mirrorDown, `${plain.host}/test/busybox:1`, env(mirrorDown, `[[registry]]\nlocation = "${plain.host}"\n[[registry.mirror]]\nlocation = "${down}"\n`));
    expect(fromPrimary.code).toBe(0);
    expect(performance.now() - started).toBeLessThan(3000);
  }, 30_000);

  test("a prefix and location move a repository to another registry", async () => {
    const dir = fresh();
    const e = env(dir, `[[registry]]\nprefix = "registry.example.test/app"\nlocation = "${plain.host}/test/busybox"\n`);
    const res = await pull(dir, "registry.example.test/app:1", e);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(image.manifest.digest);
  });

  test("blocked = true refuses pull, push, inspect and list-tags, naming the file", async () => {
    const dir = fresh();
    expect((await pull(dir, `${plain.host}/test/busybox:1`, env(dir, ""))).code).toBe(0);
    const e = env(dir, `[[registry]]\nlocation = "${plain.host}"\nblocked = true\n`);
    const conf = join(dir, "registries.conf");
    for (const args of [["pull", `${plain.host}/test/busybox:1`], ["inspect", `docker://${plain.host}/test/busybox:1`], ["list-tags", `${plain.host}/test/busybox`], ["push", `${plain.host}/test/busybox:1`, `${plain.host}/test/other:1`]]) {
      const res = await imagetool(["--root", join(dir, "root"), ...args], e);
      expect(res.code).not.toBe(0);
      expect(res.stderr).toContain(`is blocked by ${conf}`);
    }
  });

  test("bad files are refused with the file and the entry: unknown keys, the v1 format, bad TOML, bad values", async () => {
    const cases: Array<[string, string]> = [
      [`[[registry]]\nlocation = "x.test"\ninsecrue = true\n`, "[[registry]] #1: 'insecrue' is not supported"],
      [`[registries.search]\nregistries = ["docker.io"]\n`, "the version 1 format"],
      [`[[registry]\n`, "not valid TOML"],
      [`[[registry]]\nlocation = "x.test"\n[[registry.mirror]]\nlocation = "m.test"\npull-from-mirror = "sometimes"\n`, "[[registry]] #1.mirror[0]: pull-from-mirror must be all, digest-only or tag-only"],
      [`[[registry]]\nlocation = "x.test"\nblocked = "yes"\n`, "blocked must be true or false"],
      [`mystery = 1\n`, "'mystery' is not supported"],
    ];
    for (const [text, message] of cases) {
      const dir = fresh();
      const res = await pull(dir, `${plain.host}/test/busybox:1`, env(dir, text));
      expect(res.code).not.toBe(0);
      expect(res.stderr).toContain(join(dir, "registries.conf"));
      expect(res.stderr).toContain(message);
    }
    // The keys for short names are accepted and change nothing (short names are Docker's).
    const dir = fresh();
    const ok = await pull(dir, `${plain.host}/test/busybox:1`, env(dir, `unqualified-search-registries = ["quay.io"]\nshort-name-mode = "enforcing"\n[aliases]\n"bb" = "quay.io/bb"\n`));
    expect(ok.code).toBe(0);
  });
});
