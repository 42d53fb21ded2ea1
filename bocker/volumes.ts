/**
 * `-v` arguments: `/host/dir:/ctr/dir[:ro|rw]` as Docker takes them, and named volumes
 * (`name:/ctr/dir`), which are directories under BOCKER_ROOT/volumes made on first use and kept
 * after the container is removed, as Docker keeps them. A missing host directory is created,
 * as `docker run -v` does (checked first, so a bad spec creates nothing). The result goes to
 * `bocker-imagetool bundle -v`.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { BockerError } from "./errors.ts";

const VOLUME_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export function resolveVolume(spec: string, volumesDir: string): string {
  const [source, target, mode, ...extra] = spec.split(":");
  const valid = source && target?.startsWith("/") && (mode === undefined || mode === "ro" || mode === "rw") && extra.length === 0;
  if (!valid) throw new BockerError(`-v ${spec}: expected /host/dir:/container/dir[:ro] or name:/container/dir[:ro]`);
  let hostDir = source;
  if (!source.startsWith("/")) {
    if (!VOLUME_NAME.test(source)) throw new BockerError(`-v ${spec}: '${source}' is neither an absolute path nor a volume name ([A-Za-z0-9][A-Za-z0-9_.-]*)`);
    hostDir = join(volumesDir, source);
  }
  mkdirSync(hostDir, { recursive: true });
  return [hostDir, target, ...(mode ? [mode] : [])].join(":");
}
