/**
 * Compiled seccomp programs cached under <root>/.cache/seccomp, as crun does (keyed by a hash
 * of the profile): loading libseccomp and compiling the default profile costs ~100 ms, which
 * would otherwise be paid by every create and exec. The key covers everything the output
 * depends on: the profile, the architecture, the kernel (flag support is probed) and the
 * libseccomp build. A cache that cannot be read or written is only a slower path.
 */
import { existsSync, mkdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { arch, release } from "node:os";
import { join } from "node:path";
import type { CompiledSeccomp } from "./plan/process-steps.ts";
import type { Spec } from "./spec-types.ts";
import { writeFileAtomic } from "./state.ts";

const LIB_DIRS = ["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib/i386-linux-gnu", "/usr/lib64", "/lib64", "/usr/lib"];

function libseccompStamp(): string | undefined {
  for (const dir of LIB_DIRS) {
    const path = join(dir, "libseccomp.so.2");
    if (!existsSync(path)) continue;
    const real = realpathSync(path);
    const st = statSync(real);
    return `${real}:${st.size}:${st.mtimeMs}`;
  }
  return undefined;
}

async function compile(spec: Spec): Promise<CompiledSeccomp> {
  const { compileSeccomp } = await import("./seccomp/compile.ts");
  return compileSeccomp(spec.linux!.seccomp as never, "/linux/seccomp");
}

/** The container's seccomp program, from the cache when `cacheRoot` is given and holds it. */
export async function seccompProgram(spec: Spec, cacheRoot: string | undefined): Promise<CompiledSeccomp | undefined> {
  const profile = spec.linux?.seccomp;
  if (!profile) return undefined;
  const stamp = cacheRoot ? libseccompStamp() : undefined;
  if (!cacheRoot || !stamp) return compile(spec);
  const key = new Bun.CryptoHasher("sha256").update(JSON.stringify([profile, arch(), release(), stamp])).digest("hex");
  const dir = join(cacheRoot, ".cache", "seccomp");
  const file = join(dir, key);
  try {
    const bytes = readFileSync(file);
    if (bytes.length >= 4 && (bytes.length - 4) % 8 === 0) {
      return { flags: bytes.readUInt32LE(0), program: new Uint8Array(bytes.subarray(4)) };
    }
  } catch {
    // not cached yet
  }
  const compiled = await compile(spec);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const header = Buffer.alloc(4);
    header.writeUInt32LE(compiled.flags >>> 0, 0);
    writeFileAtomic(file, Buffer.concat([header, compiled.program]));
  } catch {
    // a full or read-only --root only costs the next create the compile again
  }
  return compiled;
}
