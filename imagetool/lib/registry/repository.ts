/**
 * One repository on one registry: the shared state of a pull or push (transport, authorizer with
 * its cached tokens) that the resolver, fetcher and pusher work with.
 */
import { type Reference, registryHost } from "../reference.ts";
import { Authorizer, type Credentials } from "./auth.ts";
import { credentialsFromDockerConfig } from "./docker-config.ts";
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

export function openRepository(ref: Reference, options: RepositoryOptions = {}): Repository {
  const host = registryHost(ref);
  const authorizer = new Authorizer((h) => options.credentials ?? credentialsFromDockerConfig(h === "registry-1.docker.io" ? "docker.io" : h, options.authfile));
  return {
    ref,
    path: ref.path,
    transport: new Transport(host, authorizer, options),
    scope: `repository:${ref.path}:${options.push ? "pull,push" : "pull"}`,
  };
}
