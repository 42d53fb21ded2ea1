/**
 * login / logout against Debian's docker-registry with htpasswd Basic auth and with Bearer tokens:
 * credentials are checked before they are written, the Docker config file is replaced atomically
 * with mode 0600 and keeps its other keys, and pull then finds the login.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeRoot } from "../../fixtures/root.ts";
import { Cleanup } from "../../../common/cleanup.ts";
import { buildBusyboxImage, imagetool, imagetoolArgv, sh, startRegistry, type TestRegistry } from "../../fixtures/registry.ts";
import { ContentStore } from "../../../imagetool/lib/content/store.ts";

describeRoot("imagetool login and logout", () => {
  const cleanup = new Cleanup();
  let tmp: string;
  let basic: TestRegistry;
  let token: TestRegistry;
  let n = 0;
  const fresh = () => join(tmp, `case${++n}`);

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), "bocker-login-"));
    cleanup.add("temp dir", () => rmSync(tmp, { recursive: true, force: true }));
    [basic, token] = await Promise.all([startRegistry("htpasswd"), startRegistry("token")]);
    for (const r of [basic, token]) cleanup.add(`registry ${r.host}`, () => r.stop());
    const src = new ContentStore(join(tmp, "src"));
    await buildBusyboxImage(src, "busybox:1", tmp);
    for (const r of [basic, token]) {
      await sh(["skopeo", "copy", "--quiet", "--dest-tls-verify=false", "--dest-creds", `${r.credentials!.username}:${r.credentials!.password}`, `oci:${src.root}:busybox:1`, `docker://${r.host}/test/busybox:1`]);
    }
  });
  afterAll(() => cleanup.run());

  for (const kind of ["htpasswd", "token"] as const) {
    test(`${kind}: login checks the credentials, records them 0600 beside the other keys; pull uses them; logout removes them`, async () => {
      const r = kind === "htpasswd" ? basic : token;
      const dir = fresh();
      mkdirSync(dir);
      const env = { DOCKER_CONFIG: dir };
      const config = join(dir, "config.json");
      const before = { auths: { "other.example:5000": { auth: "b3RoZXI6cHc=" } }, HttpHeaders: { "User-Agent": "test" }, credHelpers: { "gcr.example": "gcloud" } };
      writeFileSync(config, JSON.stringify(before), { mode: 0o644 });
      const { username, password } = r.credentials!;

      const wrong = await imagetool(["login", r.host, "-u", username, "-p", "not-the-password"], env);
      expect(wrong.code).not.toBe(0);
      expect(wrong.stderr).toContain(`login to ${r.host} failed`);
      expect(JSON.parse(readFileSync(config, "utf8"))).toEqual(before);

      const ok = await imagetool(["login", r.host, "-u", username, "-p", password], env);
      expect(ok.stderr).toBe("");
      expect(ok.code).toBe(0);
      expect(ok.stdout).toBe("Login Succeeded!\n");
      const after = JSON.parse(readFileSync(config, "utf8"));
      expect(after).toEqual({ ...before, auths: { ...before.auths, [r.host]: { auth: Buffer.from(`${username}:${password}`).toString("base64") } } });
      expect(statSync(config).mode & 0o777).toBe(0o600);
      expect(readdirSync(dir)).toEqual(["config.json"]); // no temp file left

      const root = join(dir, "root");
      const pulled = await imagetool(["--root", root, "pull", "--unpack=false", `${r.host}/test/busybox:1`], env);
      expect(pulled.stderr).not.toContain("unauthorized");
      expect(pulled.code).toBe(0);

      const out = await imagetool(["logout", r.host], env);
      expect(out.code).toBe(0);
      expect(out.stdout).toBe(`Removed login credentials for ${r.host}\n`);
      expect(JSON.parse(readFileSync(config, "utf8"))).toEqual(before);
      const refused = await imagetool(["inspect", "--no-tags", `docker://${r.host}/test/busybox:1`], env);
      expect(refused.code).not.toBe(0);
      const again = await imagetool(["logout", r.host], env);
      expect(again.code).not.toBe(0);
      expect(again.stderr).toContain(`not logged in to ${r.host}`);
    });
  }

  test("--password-stdin and --authfile; a new file's directory is made; logout --all keeps the other keys", async () => {
    const dir = fresh();
    const authfile = join(dir, "sub", "auth.json");
    const { username, password } = basic.credentials!;
    const proc = Bun.spawn([...imagetoolArgv(), "login", "--authfile", authfile, "-u", username, "--password-stdin", basic.host], { stdin: new TextEncoder().encode(`${password}\n`), stdout: "pipe", stderr: "pipe" });
    const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toBe("Login Succeeded!\n");
    expect(statSync(authfile).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(authfile, "utf8")).auths[basic.host].auth).toBe(Buffer.from(`${username}:${password}`).toString("base64"));
    // The login is found through --authfile by the commands that read it (and not without it).
    const inspected = await imagetool(["inspect", "--authfile", authfile, "--no-tags", `docker://${basic.host}/test/busybox:1`], { DOCKER_CONFIG: join(dir, "none") });
    expect(inspected.code).toBe(0);

    writeFileSync(authfile, JSON.stringify({ ...JSON.parse(readFileSync(authfile, "utf8")), credHelpers: { x: "y" } }));
    const all = await imagetool(["logout", "--all", "--authfile", authfile]);
    expect(all.code).toBe(0);
    expect(JSON.parse(readFileSync(authfile, "utf8"))).toEqual({ auths: {}, credHelpers: { x: "y" } });
  });

  test("bad input: a file that is not JSON is not overwritten; a registry with a path; a missing password; a credential helper for the registry", async () => {
    const dir = fresh();
    mkdirSync(dir);
    const config = join(dir, "config.json");
    writeFileSync(config, "{not json");
    const { username, password } = basic.credentials!;
    const bad = await imagetool(["login", basic.host, "-u", username, "-p", password], { DOCKER_CONFIG: dir });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain(`${config}: not valid JSON`);
    expect(readFileSync(config, "utf8")).toBe("{not json");

    const path = await imagetool(["login", `${basic.host}/ns`, "-u", username, "-p", password], { DOCKER_CONFIG: dir });
    expect(path.stderr).toContain("give its host[:port] alone");
    const nopw = await imagetool(["login", basic.host, "-u", username], { DOCKER_CONFIG: dir });
    expect(nopw.stderr).toContain("-p PASSWORD or --password-stdin");

    writeFileSync(config, JSON.stringify({ credHelpers: { [basic.host]: "pass" } }));
    const helper = await imagetool(["login", basic.host, "-u", username, "-p", password], { DOCKER_CONFIG: dir });
    expect(helper.code).not.toBe(0);
    expect(helper.stderr).toContain("docker-credential-pass");
    expect(existsSync(join(dir, "config.json"))).toBe(true);
    expect(readdirSync(dir)).toEqual(["config.json"]);
  });
});
