/**
 * registries.conf (containers-registries.conf(5), version 2), found and merged as containers/image
 * does (pkg/sysregistriesv2): $CONTAINERS_REGISTRIES_CONF, else ~/.config/containers/registries.conf
 * when it exists, else /etc/containers/registries.conf; then the drop-ins `*.conf` of
 * registries.conf.d in name order ($BOCKER_REGISTRIES_CONF_DIR instead, for tests; with a user
 * file only the user's directory, otherwise the system's then the user's). A later [[registry]]
 * with the same prefix replaces an earlier one.
 *
 * What is used: [[registry]] prefix, location, insecure, blocked, mirror-by-digest-only and
 * [[registry.mirror]] location, insecure, pull-from-mirror. Short-name resolution is Docker's
 * (busybox is docker.io/library/busybox), so unqualified-search-registries, short-name-mode,
 * [aliases] and credential-helpers do not change anything here and are ignored. Any other key is
 * refused with the file and entry that hold it, as is the version 1 format ([registries.search]).
 * The files are read only when they exist; Bun's built-in TOML parser costs no module load.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { ImagetoolError } from "../errors.ts";

export type PullFromMirror = "all" | "digest-only" | "tag-only";

export interface MirrorEntry {
  location: string;
  insecure: boolean;
  pullFromMirror: PullFromMirror;
}

export interface RegistryEntry {
  prefix: string;
  /** Empty for a wildcard prefix without location: the reference's own host. */
  location: string;
  insecure: boolean;
  blocked: boolean;
  mirrorByDigestOnly: boolean;
  mirrors: MirrorEntry[];
  /** file and entry, for messages */
  source: string;
}

export interface RegistriesConfig {
  registries: RegistryEntry[];
  files: string[];
}

const IGNORED_TOP = new Set(["unqualified-search-registries", "short-name-mode", "aliases", "credential-helpers", "additional-layer-store-auth-helper"]);
const REGISTRY_KEYS = new Set(["prefix", "location", "insecure", "blocked", "mirror-by-digest-only", "mirror"]);
const MIRROR_KEYS = new Set(["location", "insecure", "pull-from-mirror"]);

function bad(where: string, what: string): ImagetoolError {
  return new ImagetoolError("INVALID_ARGUMENT", `${where}: ${what}`);
}

function bool(o: Record<string, unknown>, key: string, where: string): boolean {
  const v = o[key];
  if (v === undefined) return false;
  if (typeof v !== "boolean") throw bad(where, `${key} must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

function str(o: Record<string, unknown>, key: string, where: string): string {
  const v = o[key];
  if (v === undefined) return "";
  if (typeof v !== "string") throw bad(where, `${key} must be a string, got ${JSON.stringify(v)}`);
  return v.replace(/\/+$/, "");
}

function checkKeys(o: Record<string, unknown>, allowed: Set<string>, where: string): void {
  for (const key of Object.keys(o)) if (!allowed.has(key)) throw bad(where, `'${key}' is not supported (supported: ${[...allowed].join(", ")})`);
}

function parseMirror(m: unknown, where: string): MirrorEntry {
  if (typeof m !== "object" || m === null || Array.isArray(m)) throw bad(where, "expected a table");
  const o = m as Record<string, unknown>;
  checkKeys(o, MIRROR_KEYS, where);
  const location = str(o, "location", where);
  if (location === "") throw bad(where, "a mirror needs a location");
  const pull = o["pull-from-mirror"] ?? "all";
  if (pull !== "all" && pull !== "digest-only" && pull !== "tag-only") throw bad(where, `pull-from-mirror must be all, digest-only or tag-only, got ${JSON.stringify(pull)}`);
  return { location, insecure: bool(o, "insecure", where), pullFromMirror: pull };
}

function parseRegistry(r: unknown, where: string): RegistryEntry {
  if (typeof r !== "object" || r === null || Array.isArray(r)) throw bad(where, "expected a table");
  const o = r as Record<string, unknown>;
  checkKeys(o, REGISTRY_KEYS, where);
  const location = str(o, "location", where);
  const prefix = str(o, "prefix", where) || location;
  if (prefix === "") throw bad(where, "needs a location or a prefix");
  if (prefix.startsWith("*.")) {
    if (location !== "") throw bad(where, `a wildcard prefix (${prefix}) takes no location: the image stays on its own host`);
    if (prefix.includes("/")) throw bad(where, `a wildcard prefix (${prefix}) names hosts only`);
  } else if (location === "") throw bad(where, "needs a location");
  if (/[@]|:[^/]*$/.test(prefix.replace(/^[^/]*/, ""))) throw bad(where, `prefix ${prefix} must name a host or repository, without a tag or digest`);
  const mirrors = o.mirror === undefined ? [] : Array.isArray(o.mirror) ? o.mirror : [o.mirror];
  return {
    prefix,
    location,
    insecure: bool(o, "insecure", where),
    blocked: bool(o, "blocked", where),
    mirrorByDigestOnly: bool(o, "mirror-by-digest-only", where),
    mirrors: mirrors.map((m, i) => parseMirror(m, `${where}.mirror[${i}]`)),
    source: where,
  };
}

/** Parses one file's text; `file` names it in errors. */
export function parseRegistriesConf(text: string, file: string): { registries: RegistryEntry[] } {
  let doc: Record<string, unknown>;
  try {
    doc = Bun.TOML.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new ImagetoolError("INVALID_ARGUMENT", `${file}: not valid TOML: ${(err as Error).message}`, { cause: err });
  }
  if ("registries" in doc) throw bad(file, "the version 1 format ([registries.search], [registries.insecure], [registries.block]) is not supported; write [[registry]] tables (containers-registries.conf(5), version 2)");
  for (const key of Object.keys(doc)) {
    if (key !== "registry" && !IGNORED_TOP.has(key)) throw bad(file, `'${key}' is not supported`);
  }
  const list = doc.registry === undefined ? [] : Array.isArray(doc.registry) ? doc.registry : [doc.registry];
  return { registries: list.map((r, i) => parseRegistry(r, `${file}: [[registry]] #${i + 1}`)) };
}

function dropIns(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith(".conf")).sort().map((f) => join(dir, f));
}

/** The files to read, in order (see the top comment). */
export function registriesConfFiles(env: Record<string, string | undefined> = process.env, home = homedir()): string[] {
  const userFile = join(home, ".config/containers/registries.conf");
  const userDir = join(home, ".config/containers/registries.conf.d");
  const systemDir = "/etc/containers/registries.conf.d";
  let main: string;
  let dirs: string[];
  if (env.CONTAINERS_REGISTRIES_CONF) {
    main = env.CONTAINERS_REGISTRIES_CONF;
    dirs = [systemDir, userDir];
  } else if (existsSync(userFile)) {
    main = userFile;
    dirs = [userDir];
  } else {
    main = "/etc/containers/registries.conf";
    dirs = [systemDir, userDir];
  }
  if (env.BOCKER_REGISTRIES_CONF_DIR !== undefined) dirs = env.BOCKER_REGISTRIES_CONF_DIR === "" ? [] : [env.BOCKER_REGISTRIES_CONF_DIR];
  return [...(existsSync(main) ? [main] : []), ...dirs.flatMap(dropIns)];
}

let cached: RegistriesConfig | undefined;

/** The merged configuration, read once per process. */
export function registriesConfig(): RegistriesConfig {
  if (cached) return cached;
  const files = registriesConfFiles();
  const byPrefix = new Map<string, RegistryEntry>();
  for (const file of files) {
    for (const entry of parseRegistriesConf(readFileSync(file, "utf8"), file).registries) {
      byPrefix.delete(entry.prefix); // a later file's entry takes the place of an earlier one
      byPrefix.set(entry.prefix, entry);
    }
  }
  cached = { registries: [...byPrefix.values()], files };
  return cached;
}
