/** WWW-Authenticate parsing, --creds, Docker config lookup, and the token flow against a loopback token server. */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Authorizer, credentialsFromDockerConfig, parseChallenges, parseCredsFlag } from "../../../../imagetool/lib/registry/auth.ts";
import { ImagetoolError } from "../../../../imagetool/lib/errors.ts";

const tmp = mkdtempSync(join(tmpdir(), "bocker-auth-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("parseChallenges", () => {
  test("Docker Hub's Bearer challenge", () => {
    expect(parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"')).toEqual([
      { scheme: "bearer", params: { realm: "https://auth.docker.io/token", service: "registry.docker.io", scope: "repository:library/busybox:pull" } },
    ]);
  });
  test("Basic, case-insensitive scheme and names, spaces after commas", () => {
    expect(parseChallenges('BASIC Realm="Registry Realm"')).toEqual([{ scheme: "basic", params: { realm: "Registry Realm" } }]);
  });
  test("several challenges in one header, quoted escapes and tokens", () => {
    expect(parseChallenges('Basic realm="a\\"b", Bearer realm=https://x/t,service=svc')).toEqual([
      { scheme: "basic", params: { realm: 'a"b' } },
      { scheme: "bearer", params: { realm: "https://x/t", service: "svc" } },
    ]);
  });
  test("a scope with commas inside quotes stays one value", () => {
    expect(parseChallenges('Bearer realm="r",scope="repository:a/b:pull,push"')[0]!.params.scope).toBe("repository:a/b:pull,push");
  });
  test("empty header: no challenge", () => expect(parseChallenges("")).toEqual([]));
});

describe("credentials", () => {
  test("--creds splits at the first colon", () => {
    expect(parseCredsFlag("me:pa:ss")).toEqual({ username: "me", password: "pa:ss" });
    expect(() => parseCredsFlag("nocolon")).toThrow(/USERNAME:PASSWORD/);
    expect(() => parseCredsFlag(":pw")).toThrow(/USERNAME:PASSWORD/);
  });
  test("~/.docker/config.json auths: base64 auth, URL keys, Docker Hub's legacy key", () => {
    const path = join(tmp, "config.json");
    writeFileSync(path, JSON.stringify({
      auths: {
        "https://index.docker.io/v1/": { auth: Buffer.from("hubuser:hubpw").toString("base64") },
        "localhost:5000": { auth: Buffer.from("local:pw:x").toString("base64") },
        "https://quay.io": { username: "q", password: "qp" },
      },
    }));
    expect(credentialsFromDockerConfig("docker.io", path)).toEqual({ username: "hubuser", password: "hubpw" });
    expect(credentialsFromDockerConfig("registry-1.docker.io", path)).toEqual({ username: "hubuser", password: "hubpw" });
    expect(credentialsFromDockerConfig("localhost:5000", path)).toEqual({ username: "local", password: "pw:x" });
    expect(credentialsFromDockerConfig("quay.io", path)).toEqual({ username: "q", password: "qp" });
    expect(credentialsFromDockerConfig("other.io", path)).toBeUndefined();
    expect(credentialsFromDockerConfig("x", join(tmp, "missing.json"))).toBeUndefined();
  });
  test("a malformed config file is an error naming the file", () => {
    const path = join(tmp, "bad.json");
    writeFileSync(path, "{");
    expect(() => credentialsFromDockerConfig("x", path)).toThrow(path);
  });
});

describe("Authorizer token flow (real loopback token server)", () => {
  const requests: URL[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req) {
      const url = new URL(req.url);
      requests.push(url);
      if (req.headers.get("authorization") === `Basic ${Buffer.from("u:bad").toString("base64")}`) return new Response("no", { status: 401 });
      return Response.json({ token: `tok-${requests.length}` });
    },
  });
  afterAll(() => server.stop(true));
  const challenge = (scope?: string) =>
    new Response(null, { status: 401, headers: { "www-authenticate": `Bearer realm="http://127.0.0.1:${server.port}/token",service="svc"${scope ? `,scope="${scope}"` : ""}` } });

  test("fetches one token per scope and reuses it", async () => {
    const a = new Authorizer(() => undefined);
    expect(await a.header("h", "repository:x:pull")).toBeUndefined();
    await a.onUnauthorized("h", challenge("repository:x:pull"), undefined);
    const first = await a.header("h", "repository:x:pull");
    expect(first).toMatch(/^Bearer tok-/);
    expect(await a.header("h", "repository:x:pull")).toBe(first!);
    const req = requests.at(-1)!;
    expect(req.searchParams.get("service")).toBe("svc");
    expect(req.searchParams.getAll("scope")).toEqual(["repository:x:pull"]);
  });
  test("several scopes (cross-repository mount) are sent as separate scope parameters", async () => {
    const a = new Authorizer(() => ({ username: "u", password: "p" }));
    await a.onUnauthorized("h", challenge(), undefined);
    await a.header("h", "repository:dst:pull,push repository:src:pull");
    expect(requests.at(-1)!.searchParams.getAll("scope")).toEqual(["repository:dst:pull,push", "repository:src:pull"]);
  });
  test("a refused token is dropped and fetched again", async () => {
    const a = new Authorizer(() => undefined);
    await a.onUnauthorized("h", challenge(), undefined);
    const first = await a.header("h", "repository:y:pull");
    await a.onUnauthorized("h", challenge(), first);
    expect(await a.header("h", "repository:y:pull")).not.toBe(first!);
  });
  test("refused credentials: UNAUTHORIZED naming the user", async () => {
    const a = new Authorizer(() => ({ username: "u", password: "bad" }));
    await a.onUnauthorized("h", challenge(), undefined);
    let err: unknown;
    await a.header("h", "repository:z:pull").catch((e) => (err = e));
    expect(ImagetoolError.is(err, "UNAUTHORIZED")).toBe(true);
    expect((err as Error).message).toContain("'u' were refused");
  });
  test("Basic challenge: credentials sent directly", async () => {
    const a = new Authorizer(() => ({ username: "u", password: "p" }));
    await a.onUnauthorized("h", new Response(null, { status: 401, headers: { "www-authenticate": 'Basic realm="r"' } }), undefined);
    expect(await a.header("h", "any")).toBe(`Basic ${Buffer.from("u:p").toString("base64")}`);
  });
});
