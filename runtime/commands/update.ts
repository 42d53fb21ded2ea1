/**
 * `update ID [-r FILE|-] [--memory 50M] [--memory-swap N] [--memory-reservation N] [--cpu-share N]
 * [--cpu-period N] [--cpu-quota N] [--cpu-burst N] [--cpu-rt-period N] [--cpu-rt-runtime N]
 * [--cpu-idle N] [--cpuset-cpus S] [--cpuset-mems S] [--blkio-weight N] [--pids-limit N]`:
 * changes the container's cgroup limits (runc update; flags in cgroups/update-flags.ts).
 * --resources takes linux.resources JSON and then the other flags are ignored, as in runc.
 */
import { readFileSync } from "node:fs";
import { parseArgs, requireId, stringFlag } from "../lib/args.ts";
import type { CommandMain } from "../lib/context.ts";
import { RuntimeError, ioError } from "../lib/errors.ts";
import { resourcesFromFlags, UPDATE_FLAGS, updateCgroup } from "../lib/cgroups/index.ts";
import { lockContainer, readRecord, status, writeRecord } from "../lib/state.ts";
import type { LinuxResources } from "../lib/spec-types.ts";

function readResourcesFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file === "-" ? 0 : file, "utf8");
  } catch (err) {
    throw ioError("read", file, err);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new RuntimeError("CONFIG_INVALID", `${file}: not valid JSON: ${(err as Error).message}`);
  }
}

const update: CommandMain = async (argv, ctx) => {
  const { flags, positionals } = parseArgs(argv, UPDATE_FLAGS);
  const id = requireId(positionals, "update");
  const file = stringFlag(flags, "resources");
  const resources = (file ? readResourcesFile(file) : resourcesFromFlags(flags, (m) => ctx.log.warn(m))) as Record<string, Record<string, unknown>>;
  const lock = lockContainer(ctx.root, id);
  try {
    const rec = readRecord(lock.dir);
    const st = status(lock.dir, rec);
    if (st === "stopped") throw new RuntimeError("BAD_STATUS", `cannot update container ${id}: it is stopped`);
    if (!rec.cgroup) throw new RuntimeError("STATE_CORRUPT", `container ${id} has no recorded cgroup`);
    updateCgroup(rec.cgroup, resources as LinuxResources);
    const linux = (rec.config.linux ??= {});
    const old = (linux.resources ?? {}) as Record<string, Record<string, unknown>>;
    // Merged per group, so a later update still sees (and events reports) the earlier values.
    const merged: Record<string, unknown> = { ...old };
    for (const [group, values] of Object.entries(resources)) {
      merged[group] = values && typeof values === "object" && !Array.isArray(values) ? { ...(old[group] ?? {}), ...values } : values;
    }
    linux.resources = merged;
    writeRecord(lock.dir, rec);
  } finally {
    lock.release();
  }
  return 0;
};

export default update;
