/**
 * A layer's character device, block device or FIFO. Rootless there are no device nodes outside the
 * initial user namespace (mknod(2): CAP_MKNOD there): an empty regular file takes the device's
 * place, as umoci `unpack --rootless` makes; the runtime mounts its own /dev over the image's.
 */
import { closeSync, openSync, constants as fsc } from "node:fs";
import { errnoOf } from "../../../common/errors.ts";
import { mknod } from "../sys/libc.ts";
import { isRootless } from "../sys/rootless.ts";
import type { TarHeader } from "../tar/header.ts";
import { trace } from "../trace.ts";

export function makeSpecialFile(host: string, h: TarHeader): void {
  const kind = h.type === "char" ? 0o020000 : h.type === "block" ? 0o060000 : 0o010000;
  try {
    mknod(host, kind | (h.mode & 0o777), h.devmajor, h.devminor);
  } catch (e) {
    if (h.type === "fifo" || errnoOf(e) !== "EPERM" || !isRootless()) throw e;
    trace(`rootless: device ${h.name} (${h.type} ${h.devmajor}:${h.devminor}) unpacked as an empty regular file`);
    closeSync(openSync(host, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW, 0));
  }
}
