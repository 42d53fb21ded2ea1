/**
 * Builds everything the tools need: the C helper (system compiler) and the single executable in
 * dist/ (bun build --compile) under the three tools' names. Run by `npm install` and `npm run build`.
 */
import { existsSync, linkSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
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
 *   --compile-jit-policy=1000      JavaScriptCore's tier-up thresholds ×1000: the runtime's commands
 *                                  run almost every function once, so run-once code stays in the
 *                                  interpreter instead of being compiled on the main thread (the
 *                                  plan encoder alone: 1.5–4.6 → 1.1–1.9 ms; create+start of the
 *                                  lifecycle bench: 3–5 ms less). The image tool and the wrapper
 *                                  restore the normal policy when they are chosen (multicall.ts),
 *                                  and so does the runtime's console relay, its one long loop.
 *
 * One executable, hard-linked under the three tools' names (multicall.ts): three executables of
 * ~107 MB each were almost all the same Bun runtime.
 */
const COMPILE_FLAGS = ["--compile", "--minify", "--bytecode", "--splitting", "--format=esm", "--no-compile-autoload-dotenv", "--no-compile-autoload-bunfig", "--compile-jit-policy=1000"];
const runtime = join(dist, "bocker-runtime");
run([process.execPath, "build", ...COMPILE_FLAGS, "multicall.ts", "--outfile", runtime]);
for (const name of ["bocker-imagetool", "bocker"]) {
  rmSync(join(dist, name), { force: true });
  linkSync(runtime, join(dist, name));
}
