/**
 * Registry credentials from Docker's config file ($DOCKER_CONFIG/config.json, else
 * ~/.docker/config.json), wherever `docker login` put them:
 *   1. `credHelpers[registry]`: a credential helper for that registry (cloud registries);
 *   2. `credsStore`: the helper that holds every login (Docker Desktop, pass, secretservice);
 *   3. `auths[registry]`: `auth` (base64 user:password), `username`/`password`, or `identitytoken`.
 * A helper that has nothing for the registry lets the search go on, as containers/image does.
 *
 * Helpers speak the docker-credential-helpers protocol: `docker-credential-<name> get` reads the
 * server address on stdin and prints {"ServerURL","Username","Secret"}, or exits non-zero saying
 * "credentials not found". A Username of "<token>" means Secret is an OAuth2 identity (refresh)
 * token, which the token flow exchanges for registry tokens (auth.ts).
 */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { ImagetoolError } from "../errors.ts";
import type { Credentials } from "./auth.ts";

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

interface DockerConfig {
  auths?: Record<string, AuthEntry>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

/** Docker's config file: $DOCKER_CONFIG/config.json, else ~/.docker/config.json. */
export function dockerConfigPath(): string {
  return join(process.env.DOCKER_CONFIG || join(homedir(), ".docker"), "config.json");
}

/** Docker Hub's names (docker login keys it as https://index.docker.io/v1/). */
export const HUB_HOSTS = ["docker.io", "index.docker.io", "registry-1.docker.io"];
/** The server address `docker login` uses for Docker Hub, and so what helpers store it under. */
const HUB_SERVER = "https://index.docker.io/v1/";
/** What a helper's Username is when its Secret is an identity token. */
const IDENTITY_TOKEN_USER = "<token>";

/** A config key (bare host or URL) reduced to its host. */
export const keyHost = (key: string) => key.replace(/^https?:\/\//, "").replace(/\/.*$/, "");

/**
 * Credentials for `host` from a Docker config file, or undefined (anonymous). `helperEnv` is the
 * environment helpers run with (PATH finds them); the process's own by default.
 */
export function credentialsFromDockerConfig(host: string, path = dockerConfigPath(), helperEnv: Record<string, string | undefined> = process.env): Credentials | undefined {
  if (!existsSync(path)) return undefined;
  let config: DockerConfig;
  try {
    config = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new ImagetoolError("INVALID_ARGUMENT", `${path}: not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  const hub = HUB_HOSTS.includes(host);
  const wanted = hub ? HUB_HOSTS : [host];
  const server = hub ? HUB_SERVER : host;
  const matches = (key: string) => wanted.includes(keyHost(key));

  const helperFor = Object.entries(config.credHelpers ?? {}).find(([key]) => matches(key));
  if (helperFor) {
    const found = fromHelper(helperFor[1], server, `${path}: credHelpers["${helperFor[0]}"]`, helperEnv);
    if (found) return found;
  }
  if (config.credsStore) {
    const found = fromHelper(config.credsStore, server, `${path}: credsStore`, helperEnv);
    if (found) return found;
  }
  for (const [key, entry] of Object.entries(config.auths ?? {})) {
    if (!matches(key)) continue;
    const found = fromAuthEntry(entry, `${path}: auths["${key}"]`);
    if (found) return found;
  }
  return undefined;
}

function fromAuthEntry(entry: AuthEntry, where: string): Credentials | undefined {
  if (entry.identitytoken) return { username: entry.username ?? "", password: "", identityToken: entry.identitytoken };
  if (entry.username && entry.password) return { username: entry.username, password: entry.password };
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
    const i = decoded.indexOf(":");
    if (i > 0) return { username: decoded.slice(0, i), password: decoded.slice(i + 1) };
    throw new ImagetoolError("INVALID_ARGUMENT", `${where}.auth is not base64 of user:password`);
  }
  return undefined; // an empty entry: `docker login` with a credsStore leaves these as markers
}

/** Asks `docker-credential-<helper>` for `server`'s credentials; undefined when it has none. */
function fromHelper(helper: string, server: string, where: string, env: Record<string, string | undefined>): Credentials | undefined {
  // The name becomes part of a program name looked up in PATH: no path separators, no options.
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(helper)) throw new ImagetoolError("INVALID_ARGUMENT", `${where}: ${JSON.stringify(helper)} is not a credential helper name`);
  const program = `docker-credential-${helper}`;
  let result;
  try {
    result = Bun.spawnSync([program, "get"], { stdin: Buffer.from(server), stdout: "pipe", stderr: "pipe", env });
  } catch (err) {
    throw new ImagetoolError("INVALID_ARGUMENT", `${where} names ${program}, which is not installed (${(err as Error).message})`, { cause: err });
  }
  const out = result.stdout.toString().trim();
  if (result.exitCode !== 0) {
    if (/credentials not found/i.test(out)) return undefined;
    const said = (result.stderr.toString().trim() || out).slice(0, 500);
    throw new ImagetoolError("UNAUTHORIZED", `${program} get (${where}) failed for ${server}: ${said || `exit status ${result.exitCode}`}`);
  }
  let answer: { Username?: unknown; Secret?: unknown };
  try {
    answer = JSON.parse(out);
  } catch {
    throw new ImagetoolError("UNAUTHORIZED", `${program} get (${where}) printed something other than JSON for ${server}`);
  }
  if (typeof answer.Username !== "string" || typeof answer.Secret !== "string") {
    throw new ImagetoolError("UNAUTHORIZED", `${program} get (${where}) answered without Username and Secret for ${server}`);
  }
  if (answer.Username === IDENTITY_TOKEN_USER) return { username: "", password: "", identityToken: answer.Secret };
  return { username: answer.Username, password: answer.Secret };
}
