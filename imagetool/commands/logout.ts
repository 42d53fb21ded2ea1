/** `logout REGISTRY | --all [--authfile F]`: removes logins from Docker's config file (as `skopeo logout`). */
import type { Globals } from "./globals.ts";
import { writeStdout } from "../../common/stdio.ts";
import { parseFlags, type CommandSpec } from "./flags.ts";
import { ImagetoolError, UsageError } from "../lib/errors.ts";
import { dockerConfigPath } from "../lib/registry/docker-config.ts";
import { loginKey, removeAllLogins, removeLogin } from "../lib/registry/docker-config-write.ts";

const SPEC: CommandSpec = {
  name: "bocker-imagetool logout",
  usage: ["REGISTRY", "--all"],
  flags: {
    all: { alias: "a", kind: "boolean", describe: "remove the logins of every registry" },
    authfile: { kind: "string", describe: "the file the logins are in (default: $DOCKER_CONFIG/config.json, else ~/.docker/config.json)" },
  },
  positionals: { min: 0, max: 1, message: "logout takes one REGISTRY, or --all" },
};

export async function run(args: string[], globals: Globals): Promise<number> {
  const parsed = parseFlags(args, SPEC);
  if (parsed === undefined) return 0;
  const argv = parsed.flags as { all?: boolean; authfile?: string };
  const path = argv.authfile ?? dockerConfigPath();
  const given = parsed.positionals[0];
  if (argv.all) {
    if (given !== undefined) throw new UsageError("logout: give REGISTRY or --all, not both");
    removeAllLogins(path);
    if (!globals.quiet) writeStdout("Removed login credentials for all registries\n");
    return 0;
  }
  if (given === undefined) throw new UsageError("logout: give the REGISTRY to log out of, or --all");
  const registry = loginKey(given);
  if (!removeLogin(path, registry)) throw new ImagetoolError("INVALID_ARGUMENT", `not logged in to ${registry} (no login for it in ${path})`);
  if (!globals.quiet) writeStdout(`Removed login credentials for ${registry}\n`);
  return 0;
}
