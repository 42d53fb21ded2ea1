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
import type { Seccomp, Spec } from "./spec-types.ts";
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

async function compile(profile: Seccomp): Promise<CompiledSeccomp> {
  const { compileSeccomp } = await import("./seccomp/compile.ts");
  return compileSeccomp(profile, "/linux/seccomp");
}

/**
 * Cache file: u32 flags, u32 length of the metadata JSON ({listenerPath, skippedSyscalls}), the
 * metadata, then the program. The key's version string changes with the format.
 */
function decode(bytes: Buffer): CompiledSeccomp | undefined {
  if (bytes.length < 8) return undefined;
  const metaLen = bytes.readUInt32LE(4);
  const programLen = bytes.length - 8 - metaLen;
  if (programLen <= 0 || programLen % 8 !== 0) return undefined;
  const meta = JSON.parse(bytes.toString("utf8", 8, 8 + metaLen)) as { listenerPath?: string; skippedSyscalls: string[] };
  return { flags: bytes.readUInt32LE(0), program: new Uint8Array(bytes.subarray(8 + metaLen)), ...meta };
}

function encode(c: CompiledSeccomp): Buffer {
  const meta = Buffer.from(JSON.stringify({ ...(c.listenerPath ? { listenerPath: c.listenerPath } : {}), skippedSyscalls: c.skippedSyscalls ?? [] }));
  const header = Buffer.alloc(8);
  header.writeUInt32LE(c.flags >>> 0, 0);
  header.writeUInt32LE(meta.length, 4);
  return Buffer.concat([header, meta, c.program]);
}

/** The container's seccomp program, from the cache when `cacheRoot` is given and holds it. */
export async function seccompProgram(spec: Spec, cacheRoot: string | undefined): Promise<CompiledSeccomp | undefined> {
  const profile = spec.linux?.seccomp;
  if (!profile) return undefined;
  const stamp = cacheRoot ? libseccompStamp() : undefined;
  if (!cacheRoot || !stamp) return compile(profile);
  const key = new Bun.CryptoHasher("sha256").update(JSON.stringify(["v2", profile, arch(), release(), stamp])).digest("hex");
  const dir = join(cacheRoot, ".cache", "seccomp");
  const file = join(dir, key);
  try {
    const cached = decode(readFileSync(file));
    if (cached) return cached;
  } catch {
    // not cached yet (or unreadable: compiled again below)
  }
  const compiled = await compile(profile);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileAtomic(file, encode(compiled));
  } catch {
    // a full or read-only --root only costs the next create the compile again
  }
  return compiled;
}
