/**
 * Registry authorization (distribution docs spec/auth/token.md): a 401 carries a
 * `WWW-Authenticate` challenge; for `Bearer realm=…,service=…,scope=…` we fetch a token from the
 * realm (anonymously or with Basic credentials) and retry; for `Basic` we send the credentials.
 * An identity token (`docker login` with OAuth2, or a credential helper's "<token>" answer) is
 * exchanged at the realm instead, by a POST with grant_type=refresh_token (distribution docs
 * spec/auth/oauth.md). Tokens are cached per host and scope for the life of the Authorizer (one
 * pull or push), so each blob request reuses them (cf. containerd core/remotes/docker/authorizer.go).
 * Where credentials come from: --creds, else docker-config.ts.
 */
import { ImagetoolError } from "../errors.ts";

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

export interface Credentials {
  username: string;
  password: string;
  /** An OAuth2 refresh token standing for the user (then username may be empty, password is). */
  identityToken?: string;
}

/** Parses a WWW-Authenticate value (RFC 7235 §4.1), possibly holding several challenges. */
export function parseChallenges(header: string): Challenge[] {
  const out: Challenge[] = [];
  const param = /[\s,]*([A-Za-z0-9._~+/-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^,\s]*)/y;
  const scheme = /[\s,]*([A-Za-z][A-Za-z0-9._~+/-]*)/y;
  let current: Challenge | undefined;
  let pos = 0;
  while (pos < header.length) {
    // name=value is tried first, so `realm="x"` is never taken for a new scheme.
    param.lastIndex = pos;
    const p = param.exec(header);
    if (p && current) {
      const raw = p[2]!;
      current.params[p[1]!.toLowerCase()] = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, "$1") : raw;
      pos = param.lastIndex;
      continue;
    }
    scheme.lastIndex = pos;
    const s = scheme.exec(header);
    if (!s) break;
    current = { scheme: s[1]!.toLowerCase(), params: {} };
    out.push(current);
    pos = scheme.lastIndex;
  }
  return out;
}

/** Parses `user:pass` as given to --creds (the password may contain ':'). */
export function parseCredsFlag(value: string): Credentials {
  const i = value.indexOf(":");
  if (i <= 0) throw new ImagetoolError("INVALID_ARGUMENT", "--creds: expected USERNAME:PASSWORD");
  return { username: value.slice(0, i), password: value.slice(i + 1) };
}

function basic(c: Credentials): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString("base64")}`;
}

export class Authorizer {
  /** host → challenge last seen; scope-keyed tokens. */
  private readonly challenges = new Map<string, Challenge>();
  private readonly tokens = new Map<string, Promise<string>>();
  /**
   * host → what `lookup` said, asked once: a Basic registry needs the credentials on every
   * request, and the lookup reads Docker's config and may run a credential helper.
   */
  private readonly known = new Map<string, Credentials | undefined>();

  constructor(
    private readonly lookup: (host: string) => Credentials | undefined,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  private credentials(host: string): Credentials | undefined {
    if (!this.known.has(host)) this.known.set(host, this.lookup(host));
    return this.known.get(host);
  }

  /** The Authorization header to send to `host` for `scope`, if we already know how. */
  async header(host: string, scope: string): Promise<string | undefined> {
    const challenge = this.challenges.get(host);
    if (!challenge) return undefined;
    if (challenge.scheme === "basic") {
      const creds = this.credentials(host);
      if (creds?.identityToken !== undefined) throw new ImagetoolError("UNAUTHORIZED", `registry ${host} asks for Basic credentials, and an identity token cannot answer that (use --creds USER:PASS)`);
      return creds ? basic(creds) : undefined;
    }
    return `Bearer ${await this.token(host, challenge, scope)}`;
  }

  /**
   * Records the challenge of a 401 response. If the refused header was one of our cached tokens
   * (expired, or too narrow a scope), that token is dropped so the next header() fetches anew.
   */
  async onUnauthorized(host: string, response: Response, refused: string | undefined): Promise<void> {
    const challenges = parseChallenges(response.headers.get("www-authenticate") ?? "");
    const challenge = challenges.find((c) => c.scheme === "bearer") ?? challenges.find((c) => c.scheme === "basic");
    if (!challenge) return;
    this.challenges.set(host, challenge);
    if (refused === undefined) return;
    for (const [key, token] of [...this.tokens]) {
      if (!key.startsWith(`${host}\n`)) continue;
      if (`Bearer ${await token.catch(() => "")}` === refused) this.tokens.delete(key);
    }
  }

  private tokenKey(host: string, challenge: Challenge, scope: string): string {
    return `${host}\n${challenge.params.realm}\n${challenge.params.service}\n${challenge.params.scope ?? scope}`;
  }

  private token(host: string, challenge: Challenge, scope: string): Promise<string> {
    const key = this.tokenKey(host, challenge, scope);
    let token = this.tokens.get(key);
    if (!token) {
      token = this.fetchToken(host, challenge, scope);
      this.tokens.set(key, token);
      token.catch(() => this.tokens.delete(key));
    }
    return token;
  }

  private async fetchToken(host: string, challenge: Challenge, scope: string): Promise<string> {
    const realm = challenge.params.realm;
    if (!realm) throw new ImagetoolError("UNAUTHORIZED", `registry ${host}: Bearer challenge without a realm`);
    const url = new URL(realm);
    if (challenge.params.service) url.searchParams.set("service", challenge.params.service);
    // A push that mounts from another repository needs several scopes: one `scope` parameter each.
    const scopes = new Set([...(challenge.params.scope ?? "").split(" "), ...scope.split(" ")].filter((s) => s !== ""));
    for (const s of scopes) url.searchParams.append("scope", s);
    const creds = this.credentials(host);
    let res: Response;
    try {
      res = creds?.identityToken !== undefined ? await this.exchangeIdentityToken(new URL(realm), challenge.params.service, creds.identityToken, scopes) : await this.fetchImpl(url, { headers: creds ? { authorization: basic(creds) } : {} });
    } catch (err) {
      throw new ImagetoolError("UNREACHABLE", `token server ${url.origin} is unreachable: ${(err as Error).message}`, { cause: err });
    }
    if (res.status === 401 || res.status === 403) {
      const refused = creds?.identityToken !== undefined ? "the identity token was refused" : creds ? `credentials for '${creds.username}' were refused` : "authentication required";
      throw new ImagetoolError("UNAUTHORIZED", `registry ${host}: ${refused} by ${url.origin} (use --creds USER:PASS or docker login)`);
    }
    if (!res.ok) throw new ImagetoolError("REGISTRY_ERROR", `token server ${url.origin} answered HTTP ${res.status}`);
    const body = (await res.json().catch(() => ({}))) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new ImagetoolError("REGISTRY_ERROR", `token server ${url.origin} returned no token`);
    return token;
  }

  /** OAuth2 refresh-token grant at the realm (spec/auth/oauth.md): form-encoded, scopes space-separated. */
  private exchangeIdentityToken(realm: URL, service: string | undefined, identityToken: string, scopes: Set<string>): Promise<Response> {
    const form = new URLSearchParams({ grant_type: "refresh_token", refresh_token: identityToken, client_id: "bocker-imagetool" });
    if (service) form.set("service", service);
    if (scopes.size > 0) form.set("scope", [...scopes].join(" "));
    return this.fetchImpl(realm, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: form });
  }
}
