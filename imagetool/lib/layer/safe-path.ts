/**
 * Path handling for names that come from a layer or a rootfs: both are attacker input.
 *
 * During unpack the archive is the only writer of the tree, so a component-by-component lstat
 * walk that resolves symlinks as if the rootfs were `/` (umoci's SecureJoinVFS, containerd's
 * fs.RootPath) cannot be raced: every symlink, absolute or relative, stays inside the root.
 */
import { chmodSync, lstatSync, mkdirSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { constants } from "node:os";
import { SyscallError, UnsafePathError } from "../errors.ts";
import { errnoOf } from "../../../common/errors.ts";

const MAX_SYMLINKS = 255;

/**
 * Lexically cleans a tar entry name into components relative to the root.
 * Absolute names and `..` that climb above the root are rejected, not silently rebased:
 * a legitimate layer never contains them (docker/containerd write `./x` or `x`).
 */
export function cleanEntryName(name: string): string[] {
  if (name.startsWith("/")) throw new UnsafePathError(`absolute path ${JSON.stringify(name)}`);
  if (name.includes("\0")) throw new UnsafePathError(`path ${JSON.stringify(name)} contains NUL`);
  const out: string[] = [];
  for (const part of name.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length === 0) throw new UnsafePathError(`path ${JSON.stringify(name)} escapes the root with '..'`);
      out.pop();
      continue;
    }
    out.push(part);
  }
  return out;
}

export interface ResolveOptions {
  /** Create missing intermediate directories (mode 0755, root-owned) instead of failing. */
  create?: boolean;
  /** Called with the host path of each directory created, so callers can copy metadata. */
  onCreate?: (hostPath: string, components: string[]) => void;
  /**
   * For overlay upper dirs: where a component missing from the root exists in a lower layer
   * (host path there), so a lower symlink is followed as the merged view would follow it.
   */
  lowerLookup?: (components: string[]) => string | undefined;
  /** Called when a symlink found only in a lower layer was followed (the result depends on the lowers). */
  onLowerSymlink?: () => void;
}

/**
 * Resolves `components` as a directory inside `root`, following symlinks with the root as `/`.
 * Returns the resolved components (real, symlink-free, relative to root).
 */
export function resolveDirInRoot(root: string, components: string[], opts: ResolveOptions = {}): string[] {
  const resolved: string[] = [];
  const todo = [...components];
  let hops = 0;
  while (todo.length > 0) {
    const part = todo.shift()!;
    if (part === "" || part === ".") continue;
    if (part === "..") {
      resolved.pop(); // `..` at the root stays at the root, as the kernel does for `/..`.
      continue;
    }
    const host = join(root, ...resolved, part);
    let st;
    try {
      st = lstatSync(host);
    } catch (e) {
      if (errnoOf(e) !== "ENOENT" || !opts.create) throw e;
      const lower = opts.lowerLookup?.([...resolved, part]);
      if (lower !== undefined && lstatSync(lower).isSymbolicLink()) {
        if (++hops > MAX_SYMLINKS) throw new UnsafePathError(`too many levels of symbolic links resolving ${components.join("/")}`);
        opts.onLowerSymlink?.();
        const target = readlinkSync(lower);
        if (target.startsWith("/")) resolved.length = 0;
        todo.unshift(...target.split("/"));
        continue;
      }
      mkdirSync(host);
      chmodSync(host, 0o755); // explicit: the caller's umask must not narrow it
      resolved.push(part);
      opts.onCreate?.(host, [...resolved]);
      continue;
    }
    if (st.isSymbolicLink()) {
      if (++hops > MAX_SYMLINKS) throw new UnsafePathError(`too many levels of symbolic links resolving ${components.join("/")}`);
      const target = readlinkSync(host);
      if (target.startsWith("/")) resolved.length = 0;
      todo.unshift(...target.split("/"));
      continue;
    }
    if (!st.isDirectory()) {
      const path = join(...resolved, part);
      throw new SyscallError("lstat", path, constants.errno.ENOTDIR, `${path} is not a directory (resolving ${components.join("/")})`);
    }
    resolved.push(part);
  }
  return resolved;
}

/** Host path of an entry: the parent resolved inside the root, the last component not followed. */
export function entryHostPath(root: string, components: string[], opts: ResolveOptions = {}): string {
  if (components.length === 0) return root;
  const parent = resolveDirInRoot(root, components.slice(0, -1), opts);
  return join(root, ...parent, components[components.length - 1]!);
}

/** Host path of a file inside the root with every symlink, including the last, resolved in the root. */
export function resolveFileInRoot(root: string, path: string): string {
  const components = path.split("/").filter((p) => p !== "");
  let hops = 0;
  for (;;) {
    const last = components[components.length - 1];
    if (last === ".." || last === ".") return join(root, ...resolveDirInRoot(root, components));
    const host = entryHostPath(root, components);
    let st;
    try {
      st = lstatSync(host);
    } catch {
      return host;
    }
    if (!st.isSymbolicLink()) return host;
    if (++hops > MAX_SYMLINKS) throw new UnsafePathError(`too many levels of symbolic links resolving ${path}`);
    const target = readlinkSync(host);
    const base = target.startsWith("/") ? [] : components.slice(0, -1);
    components.splice(0, components.length, ...base, ...target.split("/").filter((p) => p !== ""));
  }
}
