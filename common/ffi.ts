/**
 * The one libc binding of the three tools (bun:ffi), for the calls Node's fs has no binding for.
 * Nothing is loaded until a call needs it: bun:ffi and dlopen cost ~0.7 ms of start-up, which
 * `state`, `list` and most image commands never pay. Each set of symbols is bound on its first
 * call, so a tool compiles trampolines only for the calls it makes: the calls several tools make
 * are here; a tool declares its own (sockets, xattrs, mount) with libcSymbols() in its own module.
 * libseccomp is a library of its own (runtime/lib/seccomp/libseccomp.ts).
 */
import type { FFIFunction, Library } from "bun:ffi";

const LIBC = "libc.so.6";

/** bun:ffi itself, loaded on first use. */
export function ffi(): typeof import("bun:ffi") {
  return require("bun:ffi") as typeof import("bun:ffi");
}

const SHARED = {
  __errno_location: { args: [], returns: "ptr" },
  flock: { args: ["i32", "i32"], returns: "i32" },
  close: { args: ["i32"], returns: "i32" },
  ioctl: { args: ["i32", "u64", "ptr"], returns: "i32" },
} as const satisfies Record<string, FFIFunction>;

let shared: Library<typeof SHARED> | undefined;

function sharedSymbols(): Library<typeof SHARED>["symbols"] {
  shared ??= ffi().dlopen(LIBC, SHARED);
  return shared.symbols;
}

/**
 * A tool's own libc symbols, bound on the first call of the function returned. The shared ones
 * are bound first, so reading errno after a failed call never runs a dlopen in between.
 */
export function libcSymbols<S extends Record<string, FFIFunction>>(symbols: S): () => Library<S>["symbols"] {
  let lib: Library<S> | undefined;
  return () => {
    if (!lib) {
      sharedSymbols();
      lib = ffi().dlopen(LIBC, symbols);
    }
    return lib.symbols;
  };
}

/** errno of the last failed libc call on this thread. */
export function errno(): number {
  const p = sharedSymbols().__errno_location();
  return p === null ? 0 : ffi().read.i32(p, 0);
}

/** A NUL-terminated copy of s, for char * arguments. */
export function cString(s: string): Buffer {
  return Buffer.from(`${s}\0`);
}

export const LOCK_EX = 2;
export const LOCK_NB = 4;
export const LOCK_UN = 8;

/** flock(2); false when it failed (EWOULDBLOCK when LOCK_NB was given and the lock is held elsewhere). */
export function flock(fd: number, op: number): boolean {
  return sharedSymbols().flock(fd, op) === 0;
}

export function closeFd(fd: number): void {
  sharedSymbols().close(fd);
}

/** ioctl(2) whose argument is a buffer; returns its result (-1 on failure, errno() tells why). */
export function ioctl(fd: number, request: bigint, arg: Int32Array | Uint16Array | Uint8Array): number {
  return sharedSymbols().ioctl(fd, request, arg);
}
