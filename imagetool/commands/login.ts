/**
 * `login REGISTRY -u USER (-p PASS | --password-stdin) [--authfile F] [--tls-verify=false]`:
 * checks the credentials against the registry, then records them in Docker's config file, where
 * pull, push, inspect and list-tags find them (as `skopeo login` / `docker login`).
 */
import type { Globals } from "./globals.ts";
import { writeStdout } from "../../common/stdio.ts";
import { parseFlags, type CommandSpec } from "./flags.ts";
import { UsageError } from "../lib/errors.ts";
import { dockerConfigPath } from "../lib/registry/docker-config.ts";
import { loginKey, storeLogin } from "../lib/registry/docker-config-write.ts";
import { checkLogin } from "../lib/registry/login.ts";

const SPEC: CommandSpec = {
  name: "bocker-imagetool login",
  usage: ["REGISTRY -u USERNAME (-p PASSWORD | --password-stdin)  (e.g. localhost:5000)"],
  flags: {
    username: { alias: "u", kind: "string", describe: "user name", required: true },
    password: { alias: "p", kind: "string", describe: "password (visible in the process list: prefer --password-stdin)" },
    "password-stdin": { kind: "boolean", describe: "read the password from standard input" },
    authfile: { kind: "string", describe: "where to record the login (default: $DOCKER_CONFIG/config.json, else ~/.docker/config.json)" },
    "tls-verify": { kind: "boolean", describe: "false: plain HTTP / no certificate checks (default: true)" },
  },
  conflicts: [["password", "password-stdin"]],
  positionals: { min: 1, max: 1, message: "login needs exactly one REGISTRY" },
};

export async function run(args: string[], globals: Globals): Promise<number> {
  const parsed = parseFlags(args, SPEC);
  if (parsed === undefined) return 0;
  const argv = parsed.flags as { username: string; password?: string; "password-stdin"?: boolean; authfile?: string; "tls-verify"?: boolean };
  const registry = loginKey(parsed.positionals[0]!);
  let password = argv.password;
  // docker login --password-stdin takes the input up to a final newline.
  if (argv["password-stdin"]) password = (await Bun.stdin.text()).replace(/\r?\n$/, "");
  if (password === undefined) throw new UsageError("login: give the password with -p PASSWORD or --password-stdin");
  if (argv.username === "" || password === "") throw new UsageError("login: the user name and the password must not be empty");
  const credentials = { username: argv.username, password };
  await checkLogin(registry, credentials, { tlsVerify: argv["tls-verify"] ?? true });
  storeLogin(argv.authfile ?? dockerConfigPath(), registry, credentials);
  if (!globals.quiet) writeStdout("Login Succeeded!\n");
  return 0;
}
