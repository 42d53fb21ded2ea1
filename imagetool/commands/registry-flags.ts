/** The flags of every command that talks to a registry (pull, push, inspect docker://, list-tags, login). */
import type { FlagValue } from "../../common/flags.ts";
import type { FlagSpec } from "./flags.ts";
import { parseCredsFlag } from "../lib/registry/auth.ts";
import type { RepositoryOptions } from "../lib/registry/repository.ts";

export const REGISTRY_FLAGS: FlagSpec = {
  creds: { kind: "string", describe: "USERNAME:PASSWORD for the registry (default: the login in the auth file)" },
  authfile: { kind: "string", describe: "Docker config file with the logins (default: $DOCKER_CONFIG/config.json, else ~/.docker/config.json)" },
  "tls-verify": { kind: "boolean", describe: "false: plain HTTP / no certificate checks (default: true)" },
};

export function registryOptions(flags: Record<string, FlagValue | undefined>): RepositoryOptions {
  const f = flags as { creds?: string; authfile?: string; "tls-verify"?: boolean };
  return {
    ...(f.creds ? { credentials: parseCredsFlag(f.creds) } : {}),
    ...(f.authfile ? { authfile: f.authfile } : {}),
    tlsVerify: f["tls-verify"] ?? true,
  };
}
