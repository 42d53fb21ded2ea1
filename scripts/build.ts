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

/**
 * Start-up is the product (a runtime runs several times per container), so every flag here was
 * measured (`perf stat -r 40 bocker-runtime state x`, this machine):
 *   --bytecode                     21 → 9.7 ms: no parsing at start-up
 *   --splitting                    9.7 → 8.8 ms: each command's modules are their own chunk,
 *                                  loaded by the lazy import() in main.ts only when needed
 *   --no-compile-autoload-*        no bunfig.toml/.env lookups in the caller's directory (which
 *                                  would also let a stray .env change the runtime's environment)
 */
const executables: Array<[string, string, string[]]> = [
  ["runtime/main.ts", "bocker-runtime", []],
  // The layer decompression worker is its own entry point (Bun embeds it at
  // /$bunfs/root/lib/layer/inflate-worker.js, where imagetool/lib/layer/inflate.ts starts it).
  ["imagetool/main.ts", "bocker-imagetool", ["imagetool/lib/layer/inflate-worker.ts"]],
  ["bocker.ts", "bocker", []],
];
const COMPILE_FLAGS = ["--compile", "--minify", "--bytecode", "--splitting", "--format=esm", "--no-compile-autoload-dotenv", "--no-compile-autoload-bunfig"];
for (const [entry, name, workers] of executables) {
  if (!existsSync(join(root, entry))) continue;
  run([process.execPath, "build", ...COMPILE_FLAGS, entry, ...workers, "--outfile", join(dist, name)]);
}
