/**
 * Rootless with one id (rootless-owner.ts "single-id"), the user owns every directory but has no
 * CAP_DAC_OVERRIDE: it cannot add to or remove from its own directory of mode 0555 (images have
 * them: /proc, /sys, /usr/share/…). As umoci's pkg/unpriv does, such a directory is made u+rwx
 * while the layer is applied and gets its mode back at the end (deferred-dirs.ts), whether this
 * layer made it or an older layer did (the copy snapshotter's tree holds it as it was left).
 * As root, or in a user namespace (whose root has CAP_DAC_OVERRIDE over the mapped owners),
 * nothing here does anything.
 */
import { chmodSync, lstatSync } from "node:fs";
import { errnoOf } from "../../../common/errors.ts";
import { ownershipMode } from "../sys/rootless.ts";
import type { DeferredDirTimes } from "./deferred-dirs.ts";

export class WritableDirs {
  private readonly active = ownershipMode() === "single";

  constructor(private readonly deferred: DeferredDirTimes) {}

  /** Directory `host` was just given `mode`: kept u+rwx until the layer ends. */
  opened(host: string, mode: number): void {
    if (!this.active || (mode & 0o700) === 0o700) return;
    chmodSync(host, (mode | 0o700) & 0o7777);
    this.deferred.addMode(host, lstatSync(host), mode & 0o7777);
  }

  /** Runs `fn`, which adds to or removes from `dir`; on EACCES opens `dir` up and runs it again. */
  within<T>(dir: string, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (!this.active || errnoOf(e) !== "EACCES") throw e;
      const st = lstatSync(dir);
      if (!st.isDirectory() || (st.mode & 0o700) === 0o700) throw e;
      this.opened(dir, st.mode & 0o7777);
      return fn();
    }
  }
}
