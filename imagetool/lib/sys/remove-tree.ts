/**
 * rm -rf for trees a rootless unpack made. As root a directory's mode never stops a removal
 * (CAP_DAC_OVERRIDE); a user alone cannot unlink entries of its own directory of mode 0555
 * (EACCES), as images have (/proc, /sys, /usr/share/…). Then every directory is made u+rwx
 * first (lstat only: nothing is followed) and the removal done again (umoci pkg/unpriv).
 */
import { chmodSync, lstatSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { errnoOf } from "../../../common/errors.ts";
import { isRootless } from "./rootless.ts";

function openUp(path: string): void {
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (st === undefined || !st.isDirectory()) return;
  if ((st.mode & 0o700) !== 0o700) chmodSync(path, (st.mode | 0o700) & 0o7777);
  for (const name of readdirSync(path)) openUp(join(path, name));
}

export function removeTree(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true });
  } catch (e) {
    if (errnoOf(e) !== "EACCES" || !isRootless()) throw e;
    openUp(path);
    rmSync(path, { recursive: true, force: true });
  }
}
