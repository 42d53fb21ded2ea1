/** `spec [--rootless] [--bundle DIR]`: writes a default config.json, refusing to overwrite one (runc). */
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { boolFlag, parseArgs, stringFlag } from "../lib/args.ts";
import type { CommandMain } from "../lib/context.ts";
import { RuntimeError, ioError } from "../lib/errors.ts";
import { defaultSpec, toRootless } from "../lib/default-spec.ts";

const spec: CommandMain = async (argv) => {
  const { flags } = parseArgs(argv, { rootless: { kind: "bool" }, bundle: { kind: "string", alias: "b" } });
  const path = join(stringFlag(flags, "bundle") ?? ".", "config.json");
  if (existsSync(path)) throw new RuntimeError("USAGE", `${path} already exists: remove it first`, { path });
  let doc = defaultSpec();
  // runc maps the effective ids: those are what the kernel checks when stage0 writes the maps.
  if (boolFlag(flags, "rootless")) doc = toRootless(doc, process.geteuid!(), process.getegid!());
  try {
    writeFileSync(path, JSON.stringify(doc, null, "\t") + "\n", { mode: 0o666, flag: "wx" });
  } catch (err) {
    throw ioError("write", path, err);
  }
  return 0;
};

export default spec;
