/**
 * runc fails `create` when process.args[0] cannot be executed (standard_init_linux.go looks it up
 * before signalling ready), and podman/docker turn that error into exit 126/127. Our helper only
 * execs after `start`, so the runtime looks the program up itself, read-only, inside the rootfs:
 * symlinks are resolved against the rootfs (an absolute target is re-rooted, `..` stops at the
 * root), never against the host. A path under a mount destination is not knowable before the
 * mounts exist; the check then stays silent and execve decides.
 */
import { lstatSync, readlinkSync, statSync } from "node:fs";
import { join, posix } from "node:path";
import { RuntimeError } from "./errors.ts";
import type { Spec } from "./spec-types.ts";

const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** The host path of `path` resolved inside `root`, or undefined when a component is missing. */
export function resolveInRoot(root: string, path: string): string | undefined {
  let parts = path.split("/").filter((p) => p !== "");
  let resolved: string[] = [];
  for (let hops = 0; parts.length > 0; ) {
    const part = parts.shift()!;
    if (part === ".") continue;
    if (part === "..") {
      resolved.pop();
      continue;
    }
    const host = join(root, ...resolved, part);
    let isLink: boolean;
    try {
      isLink = lstatSync(host).isSymbolicLink();
    } catch {
      return undefined;
    }
    if (!isLink) {
      resolved.push(part);
      continue;
    }
    if (++hops > 40) return undefined;
    const target = readlinkSync(host);
    if (target.startsWith("/")) resolved = [];
    parts = [...target.split("/").filter((p) => p !== ""), ...parts];
  }
  return join(root, ...resolved);
}

type Verdict = "ok" | "missing" | "not-executable" | "unknown";

function judge(rootfs: string, path: string, mountPoints: readonly string[]): Verdict {
  if (mountPoints.some((m) => m === "/" || path === m || path.startsWith(`${m}/`))) return "unknown";
  const host = resolveInRoot(rootfs, path);
  if (!host) return "missing";
  try {
    const st = statSync(host);
    return st.isFile() && (st.mode & 0o111) !== 0 ? "ok" : "not-executable";
  } catch {
    return "missing";
  }
}

/** Throws runc's wording when args[0] is certainly missing or not executable in the rootfs. */
export function checkExecutable(spec: Spec, rootfs: string): void {
  const proc = spec.process!;
  const file = proc.args![0]!;
  const mountPoints = (spec.mounts ?? []).map((m) => posix.normalize(m.destination));
  const fail = (why: string) => new RuntimeError("CONFIG_INVALID", `exec: ${JSON.stringify(file)}: ${why} (config.json /process/args/0)`, { pointer: "/process/args/0" });
  if (file.includes("/")) {
    const path = posix.resolve(proc.cwd, file);
    const verdict = judge(rootfs, path, mountPoints);
    if (verdict === "missing") throw fail(`stat ${path}: no such file or directory`);
    if (verdict === "not-executable") throw fail(`permission denied`);
    return;
  }
  const pathVar = (proc.env ?? []).find((e) => e.startsWith("PATH="))?.slice(5) ?? DEFAULT_PATH;
  const verdicts = pathVar.split(":").filter((d) => d !== "").map((dir) => judge(rootfs, posix.join(posix.resolve("/", dir), file), mountPoints));
  if (verdicts.includes("ok") || verdicts.includes("unknown")) return;
  if (verdicts.includes("not-executable")) throw fail("permission denied");
  throw fail("executable file not found in $PATH: no such file or directory");
}
