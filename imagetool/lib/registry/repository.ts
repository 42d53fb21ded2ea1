/**
 * One repository on one registry: the shared state of a pull or push (transport, authorizer with
 * its cached tokens) that the resolver, fetcher and pusher work with. The registry's policy comes
 * from registries.conf (blocked, insecure: sources.ts) and its TLS material from certs.d (certs.ts).
 */
import { type Reference, registryHost } from "../reference.ts";
import { Authorizer, type Credentials } from "./auth.ts";
import { tlsMaterial } from "./certs.ts";
import { credentialsFromDockerConfig } from "./docker-config.ts";
import { hostPolicy } from "./sources.ts";
import { Transport, type TransportOptions } from "./transport.ts";

export interface RepositoryOptions extends TransportOptions {
  /** --creds; otherwise Docker's config file (credential helpers, then auths: docker-config.ts). */
  credentials?: Credentials;
  /** --authfile: a Docker config file read instead of docker-config.ts's default. */
  authfile?: string;
  /** Push needs pull+push scope. */
  push?: boolean;
}

export interface Repository {
  ref: Reference;
  /** Repository path on the registry (library/busybox). */
  path: string;
  transport: Transport;
  scope: string;
}

/**
 * A transport to `host` under registries.conf and certs.d. The registries.conf entry is the one
 * for `name` (host/repository, as containers/image's newDockerClient looks it up); `insecure` as
 * the pull source says, else that entry's.
 */
export function openTransport(host: string, name: string, authorizer: (transport: () => Transport) => Authorizer, options: TransportOptions = {}, insecure?: boolean): Transport {
  const policy = hostPolicy(name);
  const tls = tlsMaterial(host);
  const transport: Transport = new Transport(host, authorizer(() => transport), { ...options, insecure: insecure ?? policy.insecure, ...(tls ? { tls } : {}) });
  return transport;
}

export function openRepository(ref: Reference, options: RepositoryOptions = {}, insecure?: boolean): Repository {
  const host = registryHost(ref);
  const lookup = (h: string) => options.credentials ?? credentialsFromDockerConfig(h === "registry-1.docker.io" ? "docker.io" : h, options.authfile);
  // The token realm is fetched with the registry's TLS settings too (its CA, its client certificate when on the same host).
  const transport = openTransport(host, `${ref.domain}/${ref.path}`, (t) => new Authorizer(lookup, ((url: string | URL, init?: RequestInit) => t().fetch(String(url), init)) as typeof fetch), options, insecure);
  return {
    ref,
    path: ref.path,
    transport,
    scope: `repository:${ref.path}:${options.push ? "pull,push" : "pull"}`,
  };
}
