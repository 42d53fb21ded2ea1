/**
 * Builds everything the tools need: the C helper (system compiler) and the single executables
 * in dist/ (bun build --compile). Run by `npm install` and by `npm run build`.
 */
import { mkdirSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { renderOpcodesHeader } from "./gen-opcodes.ts";

const root = join(import.meta.dir, "..");
const dist = join(root, "dist");
const nativeDir = join(root, "runtime", "native");
const nativeBuild = join(nativeDir, "build");

function run(cmd: string[], cwd = root): void {
  const r = Bun.spawnSync(cmd, { cwd, stdio: ["ignore", "inherit", "inherit"] });
  if (r.exitCode !== 0) throw new Error(`build step failed (exit ${r.exitCode}): ${cmd.join(" ")}`);
}

mkdirSync(nativeBuild, { recursive: true });
mkdirSync(dist, { recursive: true });
writeFileSync(join(nativeBuild, "opcodes.h"), renderOpcodesHeader());

// The helper: static, so that it runs the same from a sealed memfd and needs nothing at exec time.
if (existsSync(join(nativeDir, "Makefile"))) run(["make", "-s", "-C", nativeDir, `OUT=${join(dist, "bocker-init")}`]);

const executables: Array<[string, string]> = [
  ["runtime/main.ts", "bocker-runtime"],
  ["imagetool/main.ts", "bocker-imagetool"],
  ["bocker.ts", "bocker"],
];
for (const [entry, name] of executables) {
  if (!existsSync(join(root, entry))) continue;
  run([process.execPath, "build", "--compile", "--minify", "--bytecode", "--format=esm", entry, "--outfile", join(dist, name)]);
}
