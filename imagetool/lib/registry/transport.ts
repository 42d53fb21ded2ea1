/**
 * HTTP to one registry (distribution spec, "API"): base URL and scheme, authorization on 401,
 * retries with exponential backoff on 5xx, 429 and broken connections, and registry error bodies
 * turned into messages a user can act on. Redirects (blob storage on S3 and the like) are followed
 * by hand so the registry's Authorization header never goes to another host.
 *
 * Scheme and TLS: HTTPS, verified against the usual roots plus the CAs of the registry's certs.d
 * directory, with its client certificate (certs.ts). An insecure registry (--tls-verify=false, or
 * insecure = true in registries.conf) is tried in HTTPS without verification first and in plain
 * HTTP when HTTPS fails, as containers/image's detectPropertiesHelper does. A loopback registry
 * without certs.d material is spoken to in plain HTTP, as Docker treats 127.0.0.0/8 as insecure.
 * The certs.d material goes only to the registry's own host (not to a redirect's blob store).
 */
import { ImagetoolError } from "../errors.ts";
import { isLoopbackHost } from "../reference.ts";
import type { Authorizer } from "./auth.ts";
import type { TlsMaterial } from "./certs.ts";
import { trace } from "../trace.ts";

export interface TransportOptions {
  /** false: plain HTTP (and no certificate checks), as skopeo's --tls-verify=false. */
  tlsVerify?: boolean;
  /** registries.conf `insecure = true` for this registry: as tlsVerify false. */
  insecure?: boolean;
  /** The registry's certs.d material (certs.ts). */
  tls?: TlsMaterial;
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

const SYSTEM_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";

async function systemRoots(): Promise<string[]> {
  const bundle = Bun.file(SYSTEM_BUNDLE);
  if (await bundle.exists()) return [await bundle.text()];
  return [...(await import("node:tls")).rootCertificates];
}

/** A TLS handshake or certificate failure (Bun's codes follow OpenSSL's and node's names). */
function isTlsFailure(err: unknown): boolean {
  const code = String((err as { code?: unknown })?.code ?? "");
  return /CERT|SSL|TLS|EPROTO|UNABLE_TO_VERIFY|SELF_SIGNED|HOSTNAME_MISMATCH/.test(code);
}

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
  baseUrl: string;
  private readonly retries: number;
  readonly backoffMs: number;
  private readonly verify: boolean;
  private readonly material: TlsMaterial | undefined;
  /** HTTPS failed to connect once: go on in plain HTTP (insecure registries only). */
  private httpFallback: boolean;
  private ownTls: Promise<Record<string, unknown>> | undefined;

  constructor(host: string, readonly authorizer: Authorizer, options: TransportOptions = {}) {
    this.host = host;
    this.verify = (options.tlsVerify ?? true) && !options.insecure;
    this.material = options.tls;
    this.httpFallback = !this.verify;
    const plain = this.verify && isLoopbackHost(host) && !options.tls;
    this.baseUrl = `${plain ? "http" : "https"}://${host}`;
    this.retries = options.retries ?? 4;
    this.backoffMs = options.backoffMs ?? 250;
  }

  /** fetch's `tls` for `url`: certs.d material and verification for the registry's own host only. */
  private tlsFor(url: string): Promise<Record<string, unknown>> | Record<string, unknown> {
    const own = new URL(url).host === this.host;
    if (!own || this.material === undefined) return this.verify ? {} : { rejectUnauthorized: false };
    this.ownTls ??= (async () => {
      const m = this.material!;
      // fetch's `ca` replaces the built-in roots, so the system's are given too, as containers/image
      // adds certs.d CAs to the system pool (Debian's bundle: <1 ms to read; node:tls' list: ~20 ms to import).
      const ca = m.ca.length > 0 ? [...(await systemRoots()), ...m.ca] : undefined;
      return { ...(ca ? { ca } : {}), ...(m.cert.length > 0 ? { cert: m.cert, key: m.key } : {}), rejectUnauthorized: this.verify };
    })();
    return this.ownTls;
  }

  /** fetch with this registry's TLS settings (also for its token realm). */
  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const tls = await this.tlsFor(url);
    return fetch(url, { ...init, ...(Object.keys(tls).length > 0 ? { tls } : {}) } as RequestInit);
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
        if (isTlsFailure(err)) throw this.tlsFailure(err, path);
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
      let res: Response;
      try {
        res = await this.fetch(url, { method: options.method ?? "GET", headers, body: options.body, redirect: "manual" });
      } catch (err) {
        // Requests sent at once (a push's blobs) all try HTTPS before the first of them falls
        // back: the others follow its switch instead of failing.
        const switched = this.baseUrl.startsWith("http://");
        if (!(this.httpFallback || switched) || !url.startsWith(`https://${this.host}/`)) throw err;
        if (!switched) trace(`${this.host}: HTTPS failed (${(err as Error).message}); insecure registry, trying plain HTTP`);
        this.httpFallback = false;
        this.baseUrl = `http://${this.host}`;
        url = `http:${url.slice("https:".length)}`;
        i--;
        continue;
      }
      if (url.startsWith(`${this.baseUrl}/`)) this.httpFallback = false;
      const location = res.headers.get("location");
      if (![301, 302, 303, 307, 308].includes(res.status) || !location) return res;
      await res.body?.cancel().catch(() => {});
      const next = new URL(location, url);
      if (next.host !== new URL(url).host) delete headers.authorization;
      url = next.toString();
    }
    throw new ImagetoolError("REGISTRY_ERROR", `${this.url(path)}: more than ${MAX_REDIRECTS} redirects`);
  }

  /** A certificate refused either way is not retried; the message says where the material goes. */
  private tlsFailure(err: unknown, path: string): ImagetoolError {
    const where = this.material ? `the TLS material in ${this.material.dir}` : `no certs.d directory for ${this.host}`;
    return new ImagetoolError("TLS_FAILED", `registry ${this.host}: TLS with ${this.url(path)} failed: ${(err as Error).message} (${where}; a CA goes in certs.d/${this.host}/NAME.crt, a client certificate in NAME.cert with NAME.key; or set insecure = true in registries.conf)`, { cause: err });
  }

  private async check(res: Response, path: string, options: RequestOptions): Promise<Response> {
    if (res.ok || (options.expect ?? []).includes(res.status)) return res;
    const what = `${options.method ?? "GET"} ${this.url(path)}`;
    const detail = await registryErrorText(res);
    if (res.status === 400 && this.url(path).startsWith("http:") && /HTTPS/.test(detail)) {
      throw new ImagetoolError("TLS_FAILED", `${what}: the registry speaks HTTPS; put its CA in certs.d/${this.host}/ca.crt (or set insecure = true in registries.conf) so that it is spoken to in TLS`);
    }
    if (res.status === 401) {
      throw new ImagetoolError("UNAUTHORIZED", `registry ${this.host}: unauthorized (${detail}); give credentials with --creds USER:PASS or docker login`);
    }
    if (res.status === 403) throw new ImagetoolError("DENIED", `registry ${this.host}: access denied for ${options.scope} (${detail})`);
    throw new ImagetoolError("REGISTRY_ERROR", `${what}: HTTP ${res.status} ${detail}`);
  }
}
