/**
 * runc update's flags (runc update.go) → a linux.resources object holding only what was given.
 * With --resources/-r the file is the whole request and the other flags are ignored, as in runc.
 */
import { RuntimeError } from "../errors.ts";
import type { FlagSpec, FlagValues } from "../args.ts";
import type { LinuxResources } from "../spec-types.ts";
import { ramInBytes } from "./units.ts";

type Group = "cpu" | "memory" | "blockIO";
type Parse = (flag: string, v: string) => number;

const uint: Parse = (flag, v) => integer(flag, v, /^\d+$/);
const int: Parse = (flag, v) => integer(flag, v, /^[-+]?\d+$/);
/** runc: "-1" is unlimited; anything else is a go-units size ("50M", "1g", "1048576"). */
const size: Parse = (flag, v) => {
  if (v === "-1") return -1;
  try {
    return ramInBytes(v);
  } catch (err) {
    throw new RuntimeError("USAGE", `invalid value for ${flag}: ${(err as Error).message}`);
  }
};

function integer(flag: string, v: string, shape: RegExp): number {
  if (!shape.test(v)) throw new RuntimeError("USAGE", `invalid value for ${flag}: ${JSON.stringify(v)} is not an integer`);
  return Number(v);
}

/** flag → where it goes and how its value is read (runc's cli.StringFlag/IntFlag types). */
const VALUED: Array<[flag: string, group: Group, key: string, parse: Parse]> = [
  ["blkio-weight", "blockIO", "weight", uint],
  ["cpu-period", "cpu", "period", uint],
  ["cpu-quota", "cpu", "quota", int],
  ["cpu-burst", "cpu", "burst", uint],
  ["cpu-share", "cpu", "shares", uint],
  ["cpu-rt-period", "cpu", "realtimePeriod", uint],
  ["cpu-rt-runtime", "cpu", "realtimeRuntime", int],
  ["cpu-idle", "cpu", "idle", int],
  ["memory", "memory", "limit", size],
  ["memory-reservation", "memory", "reservation", size],
  ["memory-swap", "memory", "swap", size],
];
/** Accepted and ignored with a warning, as runc 1.1+ does (kernel memory limits are gone). */
const IGNORED = ["kernel-memory", "kernel-memory-tcp"];
const RDT = ["l3-cache-schema", "mem-bw-schema"];

export const UPDATE_FLAGS: FlagSpec = Object.fromEntries([
  ["resources", { kind: "string", alias: "r" }],
  ...[...VALUED.map(([f]) => f), ...IGNORED, ...RDT, "cpuset-cpus", "cpuset-mems", "pids-limit"].map((f) => [f, { kind: "string" }]),
  ["cpu-shares", { kind: "string" }], // bocker's earlier spelling of --cpu-share
]);

const given = (flags: FlagValues, name: string) => {
  const v = flags[name];
  return typeof v === "string" && v !== "" ? v : undefined;
};

/** The resources the flags ask for (the Intel RDT schema flags are read by rdtFromFlags). */
export function resourcesFromFlags(flags: FlagValues, warn: (msg: string) => void): LinuxResources {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [flag, group, key, parse] of VALUED) {
    const v = given(flags, flag) ?? (flag === "cpu-share" ? given(flags, "cpu-shares") : undefined);
    if (v !== undefined) (out[group] ??= {})[key] = parse(flag, v);
  }
  // runc update.go: blkio-weight and pids-limit are IntFlags, 0 means "not given".
  if (out.blockIO?.weight === 0) delete out.blockIO;
  const pids = given(flags, "pids-limit");
  if (pids !== undefined && int("pids-limit", pids) !== 0) out.pids = { limit: int("pids-limit", pids) };
  for (const [flag, key] of [["cpuset-cpus", "cpus"], ["cpuset-mems", "mems"]] as const) {
    const v = given(flags, flag);
    if (v !== undefined) (out.cpu ??= {})[key] = v;
  }
  for (const flag of IGNORED) if (given(flags, flag) !== undefined) warn(`Setting --${flag} is ignored and will be removed`);
  return out as LinuxResources;
}

/** --l3-cache-schema and --mem-bw-schema: new schemata lines for the container's CLOS (runc update.go), or undefined. */
export function rdtFromFlags(flags: FlagValues): { l3CacheSchema?: string; memBwSchema?: string } | undefined {
  const l3CacheSchema = given(flags, "l3-cache-schema");
  const memBwSchema = given(flags, "mem-bw-schema");
  return l3CacheSchema !== undefined || memBwSchema !== undefined ? { l3CacheSchema, memBwSchema } : undefined;
}
