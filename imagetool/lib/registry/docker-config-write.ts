/**
 * Writing logins into Docker's config file, as `docker login` / `skopeo login` do for a config
 * without a credential store: `auths[registry] = {"auth": base64(user:password)}`. Every other key
 * of the file (credHelpers, proxies, HttpHeaders, other logins) is kept as it was. The file is
 * replaced atomically (a temp file in the same directory, fsync, rename) with mode 0600, so a
 * reader never sees half a file and no other user can read the passwords.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { ImagetoolError } from "../errors.ts";
import { randomHex } from "../content/digest.ts";
import type { Credentials } from "./auth.ts";
import { HUB_HOSTS, keyHost } from "./docker-config.ts";

type ConfigObject = Record<string, unknown> & { auths?: Record<string, unknown>; credHelpers?: Record<string, unknown>; credsStore?: unknown };

const sameRegistry = (key: string, registry: string) => {
  const host = keyHost(key);
  return host === registry || (HUB_HOSTS.includes(host) && HUB_HOSTS.includes(registry));
};

function readConfig(path: string): ConfigObject {
  if (!existsSync(path)) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new ImagetoolError("INVALID_ARGUMENT", `${path}: not valid JSON (${(err as Error).message}); not overwritten`, { cause: err });
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new ImagetoolError("INVALID_ARGUMENT", `${path}: expected a JSON object; not overwritten`);
  const config = parsed as ConfigObject;
  if (config.auths !== undefined && (typeof config.auths !== "object" || config.auths === null || Array.isArray(config.auths))) {
    throw new ImagetoolError("INVALID_ARGUMENT", `${path}: "auths" is not an object; not overwritten`);
  }
  return config;
}

function writeConfig(path: string, config: ConfigObject): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${randomHex(6)}.tmp`;
  const fd = openSync(tmp, "wx", 0o600);
  try {
    writeSync(fd, `${JSON.stringify(config, null, "\t")}\n`);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, path);
  } catch (err) {
    try { closeSync(fd); } catch { /* already closed */ }
    rmSync(tmp, { force: true });
    throw new ImagetoolError("INVALID_ARGUMENT", `cannot write ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** The registry a user typed (`https://host:5000/`, `host:5000`) as the host that keys its login. */
export function loginKey(registry: string): string {
  const host = registry.replace(/^https?:\/\//, "").replace(/\/+$/, "");
  if (host === "" || host.includes("/")) throw new ImagetoolError("INVALID_ARGUMENT", `'${registry}' is not a registry: give its host[:port] alone (e.g. localhost:5000)`);
  return HUB_HOSTS.includes(host) ? "docker.io" : host;
}

/**
 * Records `credentials` for `registry`. A credential helper configured for that registry would be
 * asked before `auths` when pulling (docker-config.ts), and this tool does not store into helpers,
 * so such a config is refused rather than written to no effect.
 */
export function storeLogin(path: string, registry: string, credentials: Credentials): void {
  const config = readConfig(path);
  const helper = Object.entries(config.credHelpers ?? {}).find(([key]) => sameRegistry(key, registry));
  if (helper) throw new ImagetoolError("UNSUPPORTED", `${path}: credHelpers["${helper[0]}"] keeps the logins of ${registry} in docker-credential-${String(helper[1])}; log in with that helper (storing into credential helpers is not supported)`);
  if (config.credsStore) throw new ImagetoolError("UNSUPPORTED", `${path}: credsStore "${String(config.credsStore)}" keeps every login; log in with docker-credential-${String(config.credsStore)} (storing into credential helpers is not supported)`);
  const auths = { ...(config.auths ?? {}) };
  for (const key of Object.keys(auths)) if (sameRegistry(key, registry)) delete auths[key];
  auths[registry] = { auth: Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64") };
  writeConfig(path, { ...config, auths });
}

/** Removes `registry`'s login (under any of its spellings); false when there was none. */
export function removeLogin(path: string, registry: string): boolean {
  const config = readConfig(path);
  const auths = { ...(config.auths ?? {}) };
  const keys = Object.keys(auths).filter((key) => sameRegistry(key, registry));
  if (keys.length === 0) return false;
  for (const key of keys) delete auths[key];
  writeConfig(path, { ...config, auths });
  return true;
}

/** Removes every login in `auths`; the file's other keys stay. */
export function removeAllLogins(path: string): void {
  if (!existsSync(path)) return;
  writeConfig(path, { ...readConfig(path), auths: {} });
}
