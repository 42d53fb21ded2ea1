/** WWW-Authenticate parsing, --creds, and the token flow against a loopback token server (identity tokens too). */
import { afterAll, describe, expect, test } from "bun:test";
import { Authorizer, parseChallenges, parseCredsFlag } from "../../../../../imagetool/lib/registry/auth.ts";
import { ImagetoolError } from "../../../../../imagetool/lib/errors.ts";

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
});

describe("Authorizer token flow (real loopback token server)", () => {
  const requests: URL[] = [];
  const posts: URLSearchParams[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const url = new URL(req.url);
      requests.push(url);
      if (req.method === "POST") {
        posts.push(new URLSearchParams(await req.text()));
        return posts.at(-1)!.get("refresh_token") === "idtok" ? Response.json({ access_token: "from-refresh" }) : new Response("no", { status: 401 });
      }
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
  test("Basic challenge: credentials sent directly, looked up once however many requests", async () => {
    let lookups = 0;
    const a = new Authorizer(() => (lookups++, { username: "u", password: "p" }));
    await a.onUnauthorized("h", new Response(null, { status: 401, headers: { "www-authenticate": 'Basic realm="r"' } }), undefined);
    for (let i = 0; i < 3; i++) expect(await a.header("h", "any")).toBe(`Basic ${Buffer.from("u:p").toString("base64")}`);
    expect(lookups).toBe(1);
  });
  test("an identity token is exchanged by an OAuth2 refresh-token POST with the service and every scope", async () => {
    const a = new Authorizer(() => ({ username: "", password: "", identityToken: "idtok" }));
    await a.onUnauthorized("h", challenge("repository:x:pull"), undefined);
    expect(await a.header("h", "repository:y:pull")).toBe("Bearer from-refresh");
    const form = posts.at(-1)!;
    expect(Object.fromEntries(form)).toEqual({ grant_type: "refresh_token", refresh_token: "idtok", client_id: "bocker-imagetool", service: "svc", scope: "repository:x:pull repository:y:pull" });
    const refused = new Authorizer(() => ({ username: "", password: "", identityToken: "stale" }));
    await refused.onUnauthorized("h", challenge(), undefined);
    let err: unknown;
    await refused.header("h", "repository:z:pull").catch((e) => (err = e));
    expect(ImagetoolError.is(err, "UNAUTHORIZED")).toBe(true);
    expect((err as Error).message).toContain("the identity token was refused");
  });
  test("an identity token cannot answer a Basic challenge: a clear error, not anonymous", async () => {
    const a = new Authorizer(() => ({ username: "", password: "", identityToken: "idtok" }));
    await a.onUnauthorized("h", new Response(null, { status: 401, headers: { "www-authenticate": 'Basic realm="r"' } }), undefined);
    await expect(a.header("h", "any")).rejects.toThrow(/identity token cannot answer/);
  });
});
