/** Docker's config file: credential helpers (credHelpers, credsStore) over auths, as docker login leaves them. */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { credentialsFromDockerConfig } from "../../../../../imagetool/lib/registry/docker-config.ts";

const tmp = mkdtempSync(join(tmpdir(), "bocker-docker-config-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let configs = 0;
function config(doc: object): string {
  const path = join(tmp, `config-${++configs}.json`);
  writeFileSync(path, JSON.stringify(doc));
  return path;
}

/**
 * Real helper programs (shell scripts) on a PATH of their own: each answers for the servers in
 * `answers` and says "credentials not found" otherwise, and logs the server it was asked for.
 */
const bin = join(tmp, "bin");
const asked = join(tmp, "asked.log");
function helper(name: string, answers: Record<string, object | "fail">): void {
  const cases = Object.entries(answers)
    .map(([server, a]) => `  "${server}") ${a === "fail" ? "echo 'keychain locked' >&2; exit 3" : `printf '%s' '${JSON.stringify(a)}'`} ;;`)
    .join("\n");
  writeFileSync(join(bin, `docker-credential-${name}`), `#!/bin/sh\n[ "$1" = get ] || exit 2\nserver=$(cat)\necho "${name} $server" >> ${asked}\ncase "$server" in\n${cases}\n  *) echo "credentials not found in native keychain"; exit 1 ;;\nesac\n`, { mode: 0o755 });
}
mkdirSync(bin);
const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
const lookup = (host: string, path: string) => credentialsFromDockerConfig(host, path, env);

describe("auths", () => {
  test("base64 auth, URL keys, Docker Hub's legacy key", () => {
    const path = config({
      auths: {
        "https://index.docker.io/v1/": { auth: Buffer.from("hubuser:hubpw").toString("base64") },
        "localhost:5000": { auth: Buffer.from("local:pw:x").toString("base64") },
        "https://quay.io": { username: "q", password: "qp" },
      },
    });
    expect(lookup("docker.io", path)).toEqual({ username: "hubuser", password: "hubpw" });
    expect(lookup("registry-1.docker.io", path)).toEqual({ username: "hubuser", password: "hubpw" });
    expect(lookup("localhost:5000", path)).toEqual({ username: "local", password: "pw:x" });
    expect(lookup("quay.io", path)).toEqual({ username: "q", password: "qp" });
    expect(lookup("other.io", path)).toBeUndefined();
    expect(lookup("x", join(tmp, "missing.json"))).toBeUndefined();
  });

  test("an identitytoken (docker login with OAuth2) and empty markers", () => {
    const path = config({ auths: { "r.io": { identitytoken: "idt" }, "empty.io": {} } });
    expect(lookup("r.io", path)).toEqual({ username: "", password: "", identityToken: "idt" });
    expect(lookup("empty.io", path)).toBeUndefined();
  });

  test("a malformed file or auth field is an error naming the file", () => {
    const bad = join(tmp, "bad.json");
    writeFileSync(bad, "{");
    expect(() => lookup("x", bad)).toThrow(bad);
    const path = config({ auths: { x: { auth: Buffer.from("no-colon").toString("base64") } } });
    expect(() => lookup("x", path)).toThrow(`${path}: auths["x"].auth is not base64 of user:password`);
  });
});

describe("credential helpers", () => {
  helper("store", { "localhost:5000": { ServerURL: "localhost:5000", Username: "u", Secret: "s" }, "https://index.docker.io/v1/": { Username: "hub", Secret: "hs" } });
  helper("ecr", { "1.dkr.ecr.example": { Username: "AWS", Secret: "ecr-pw" }, "tok.io": { Username: "<token>", Secret: "refresh" } });
  helper("broken", { "b.io": "fail" });
  helper("garbage", {});
  writeFileSync(join(bin, "docker-credential-garbage"), "#!/bin/sh\necho not json\n", { mode: 0o755 });

  test("credsStore answers for every registry, Docker Hub under its login address", () => {
    const path = config({ credsStore: "store", auths: { "localhost:5000": {} } });
    writeFileSync(asked, "");
    expect(lookup("localhost:5000", path)).toEqual({ username: "u", password: "s" });
    expect(lookup("docker.io", path)).toEqual({ username: "hub", password: "hs" });
    expect(readFileSync(asked, "utf8")).toBe("store localhost:5000\nstore https://index.docker.io/v1/\n");
  });

  test("credHelpers wins for its registry; a helper with nothing lets credsStore and then auths answer", () => {
    const path = config({
      credHelpers: { "1.dkr.ecr.example": "ecr", "localhost:5000": "ecr", "q.io": "ecr" },
      credsStore: "store",
      auths: { "q.io": { username: "qa", password: "qp" } },
    });
    expect(lookup("1.dkr.ecr.example", path)).toEqual({ username: "AWS", password: "ecr-pw" });
    expect(lookup("localhost:5000", path)).toEqual({ username: "u", password: "s" });
    expect(lookup("q.io", path)).toEqual({ username: "qa", password: "qp" });
    expect(lookup("nothing.io", path)).toBeUndefined();
  });

  test("a helper's \"<token>\" user means its secret is an identity token", () => {
    expect(lookup("tok.io", config({ credHelpers: { "tok.io": "ecr" } }))).toEqual({ username: "", password: "", identityToken: "refresh" });
  });

  test("failures are errors that name the helper and the config entry", () => {
    const missing = config({ credsStore: "nonesuch" });
    expect(() => lookup("a.io", missing)).toThrow(`${missing}: credsStore names docker-credential-nonesuch, which is not installed`);
    const broken = config({ credHelpers: { "b.io": "broken" } });
    expect(() => lookup("b.io", broken)).toThrow(/docker-credential-broken get .*credHelpers\["b.io"\].* failed for b.io: keychain locked/);
    expect(() => lookup("g.io", config({ credsStore: "garbage" }))).toThrow(/printed something other than JSON/);
    // The name is part of a program name looked up in PATH: no paths, no options.
    for (const name of ["../../bin/sh", "-x", "a b"]) expect(() => lookup("a.io", config({ credsStore: name }))).toThrow(/is not a credential helper name/);
  });
});
