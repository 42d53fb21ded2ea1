/**
 * `update ID [--resources FILE|-] [--memory N] [--memory-swap N] [--memory-reservation N]
 * [--cpu-shares N] [--cpu-quota N] [--cpu-period N] [--cpuset-cpus S] [--cpuset-mems S] [--pids-limit N]`:
 * changes the container's cgroup limits (runc update). --resources takes linux.resources JSON.
 */
import { readFileSync } from "node:fs";
import { parseArgs, requireId, stringFlag } from "../lib/args.ts";
import type { CommandMain } from "../lib/context.ts";
import { RuntimeError, ioError } from "../lib/errors.ts";
import { updateResources } from "../lib/container-cgroup.ts";
import { lockContainer, readRecord, status, writeRecord } from "../lib/state.ts";

const NUMERIC: Array<[string, string, string]> = [
  ["memory", "memory", "limit"],
  ["memory-swap", "memory", "swap"],
  ["memory-reservation", "memory", "reservation"],
  ["cpu-shares", "cpu", "shares"],
  ["cpu-quota", "cpu", "quota"],
  ["cpu-period", "cpu", "period"],
  ["pids-limit", "pids", "limit"],
];

const update: CommandMain = async (argv, ctx) => {
  const spec = Object.fromEntries([...NUMERIC.map(([f]) => [f, { kind: "string" }]), ["resources", { kind: "string", alias: "r" }], ["cpuset-cpus", { kind: "string" }], ["cpuset-mems", { kind: "string" }]]);
  const { flags, positionals } = parseArgs(argv, spec);
  const id = requireId(positionals, "update");
  let resources: Record<string, Record<string, unknown>> = {};
  const file = stringFlag(flags, "resources");
  if (file) {
    const text = (() => {
      try {
        return readFileSync(file === "-" ? 0 : file, "utf8");
      } catch (err) {
        throw ioError("read", file, err);
      }
    })();
    try {
      resources = JSON.parse(text);
    } catch (err) {
      throw new RuntimeError("CONFIG_INVALID", `${file}: not valid JSON: ${(err as Error).message}`);
    }
  }
  for (const [flag, group, key] of NUMERIC) {
    const v = stringFlag(flags, flag);
    if (v === undefined) continue;
    if (!/^-?\d+$/.test(v)) throw new RuntimeError("USAGE", `--${flag}: expected an integer, got ${JSON.stringify(v)}`);
    (resources[group] ??= {})[key] = Number(v);
  }
  if (stringFlag(flags, "cpuset-cpus") !== undefined) (resources.cpu ??= {}).cpus = stringFlag(flags, "cpuset-cpus");
  if (stringFlag(flags, "cpuset-mems") !== undefined) (resources.cpu ??= {}).mems = stringFlag(flags, "cpuset-mems");
  const lock = lockContainer(ctx.root, id);
  try {
    const rec = readRecord(lock.dir);
    const st = status(lock.dir, rec);
    if (st === "stopped") throw new RuntimeError("BAD_STATUS", `cannot update container ${id}: it is stopped`);
    if (!rec.cgroup) throw new RuntimeError("STATE_CORRUPT", `container ${id} has no recorded cgroup`);
    updateResources(rec.cgroup, resources);
    const linux = (rec.config.linux ??= {});
    linux.resources = { ...(linux.resources ?? {}), ...resources };
    writeRecord(lock.dir, rec);
  } finally {
    lock.release();
  }
  return 0;
};

export default update;
