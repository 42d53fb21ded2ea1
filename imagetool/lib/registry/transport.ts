/**
 * HTTP to one registry (distribution spec, "API"): base URL and scheme, authorization on 401,
 * retries with exponential backoff on 5xx, 429 and broken connections, and registry error bodies
 * turned into messages a user can act on. Redirects (blob storage on S3 and the like) are followed
 * by hand so the registry's Authorization header never goes to another host.
 */
import { ImagetoolError } from "../errors.ts";
import { isLoopbackHost } from "../reference.ts";
import type { Authorizer } from "./auth.ts";

export interface TransportOptions {
  /** false: plain HTTP (and no certificate checks), as skopeo's --tls-verify=false. */
  tlsVerify?: boolean;
  retries?: number;
  /** First backoff delay in ms; doubled on every retry. */
  backoffMs?: number;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: RequestInit["body"];
  /** Token scope, e.g. repository:library/busybox:pull */
  scope: string;
  /** Repeat on 5xx and network errors (only for requests whose body can be sent again). */
  retry?: boolean;
  /** Statuses the caller handles itself (not turned into errors). */
  expect?: number[];
}

const MAX_REDIRECTS = 5;

function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 502 || status === 503 || status === 504 || status === 500;
}

/** `{"errors":[{"code":"MANIFEST_UNKNOWN","message":"…"}]}` → "MANIFEST_UNKNOWN: …" */
export async function registryErrorText(res: Response): Promise<string> {
  const text = await res.text().catch(() => "");
  try {
    const body = JSON.parse(text) as { errors?: Array<{ code?: string; message?: string }> };
    if (Array.isArray(body.errors) && body.errors.length > 0) {
      return body.errors.map((e) => `${e.code ?? "ERROR"}: ${e.message ?? ""}`.trim()).join("; ");
    }
  } catch {
    // not JSON: fall through to the raw text
  }
  return text.slice(0, 200).trim() || res.statusText;
}

export class Transport {
  readonly host: string;
  readonly baseUrl: string;
  private readonly retries: number;
  readonly backoffMs: number;
  private readonly tlsVerify: boolean;

  constructor(host: string, readonly authorizer: Authorizer, options: TransportOptions = {}) {
    this.host = host;
    this.tlsVerify = options.tlsVerify ?? true;
    const plain = isLoopbackHost(host) || !this.tlsVerify;
    this.baseUrl = `${plain ? "http" : "https"}://${host}`;
    this.retries = options.retries ?? 4;
    this.backoffMs = options.backoffMs ?? 250;
  }

  url(path: string): string {
    return path.startsWith("http://") || path.startsWith("https://") ? path : `${this.baseUrl}${path}`;
  }

  /** Sends a request, answering one auth challenge and retrying transient failures. */
  async request(path: string, options: RequestOptions): Promise<Response> {
    const attempts = options.retry === false ? 1 : this.retries + 1;
    let lastError: unknown;
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (attempt > 0) await Bun.sleep(this.backoffMs * 2 ** (attempt - 1));
      let res: Response;
      try {
        res = await this.sendAuthorized(path, options);
      } catch (err) {
        if (ImagetoolError.is(err)) throw err;
        lastError = err;
        continue;
      }
      if (isRetryableStatus(res.status) && attempt + 1 < attempts && !(options.expect ?? []).includes(res.status)) {
        lastError = new ImagetoolError("REGISTRY_ERROR", `${options.method ?? "GET"} ${this.url(path)}: HTTP ${res.status} ${await registryErrorText(res)}`);
        continue;
      }
      return this.check(res, path, options);
    }
    if (ImagetoolError.is(lastError)) throw lastError;
    throw new ImagetoolError(
      "UNREACHABLE",
      `registry ${this.host} is unreachable (${this.url(path)}): ${(lastError as Error)?.message ?? lastError}`,
      { cause: lastError },
    );
  }

  private async sendAuthorized(path: string, options: RequestOptions): Promise<Response> {
    const before = await this.authorizer.header(this.host, options.scope);
    const res = await this.send(path, options, before);
    if (res.status !== 401) return res;
    // Answer the challenge once; if it gives nothing new to send, the 401 stands.
    await this.authorizer.onUnauthorized(this.host, res, before);
    const after = await this.authorizer.header(this.host, options.scope);
    if (after === undefined || after === before) return res;
    await res.body?.cancel().catch(() => {});
    return this.send(path, options, after);
  }

  private async send(path: string, options: RequestOptions, authorization: string | undefined): Promise<Response> {
    let url = this.url(path);
    const headers: Record<string, string> = { ...options.headers };
    if (authorization) headers.authorization = authorization;
    for (let i = 0; i <= MAX_REDIRECTS; i++) {
      const res = await fetch(url, {
        method: options.method ?? "GET",
        headers,
        body: options.body,
        redirect: "manual",
        ...(this.tlsVerify ? {} : { tls: { rejectUnauthorized: false } }),
      } as RequestInit);
      const location = res.headers.get("location");
      if (![301, 302, 303, 307, 308].includes(res.status) || !location) return res;
      await res.body?.cancel().catch(() => {});
      const next = new URL(location, url);
      if (next.host !== new URL(url).host) delete headers.authorization;
      url = next.toString();
    }
    throw new ImagetoolError("REGISTRY_ERROR", `${this.url(path)}: more than ${MAX_REDIRECTS} redirects`);
  }

  private async check(res: Response, path: string, options: RequestOptions): Promise<Response> {
    if (res.ok || (options.expect ?? []).includes(res.status)) return res;
    const what = `${options.method ?? "GET"} ${this.url(path)}`;
    const detail = await registryErrorText(res);
    if (res.status === 401) {
      throw new ImagetoolError("UNAUTHORIZED", `registry ${this.host}: unauthorized (${detail}); give credentials with --creds USER:PASS or docker login`);
    }
    if (res.status === 403) throw new ImagetoolError("DENIED", `registry ${this.host}: access denied for ${options.scope} (${detail})`);
    throw new ImagetoolError("REGISTRY_ERROR", `${what}: HTTP ${res.status} ${detail}`);
  }
}
