/**
 * `update ID [-r FILE|-] [--memory 50M] [--memory-swap N] [--memory-reservation N] [--cpu-share N]
 * [--cpu-period N] [--cpu-quota N] [--cpu-burst N] [--cpu-rt-period N] [--cpu-rt-runtime N]
 * [--cpu-idle N] [--cpuset-cpus S] [--cpuset-mems S] [--blkio-weight N] [--pids-limit N]
 * [--l3-cache-schema S] [--mem-bw-schema S]`: changes the container's cgroup limits and its Intel
 * RDT schemata (runc update; flags in cgroups/update-flags.ts).
 * --resources takes linux.resources JSON and then the other cgroup flags are ignored, as in runc
 * (the two schema flags still apply: runc reads them after either).
 */
import { parseArgs, requireId, stringFlag } from "../lib/args.ts";
import { rdtFromFlags, resourcesFromFlags, UPDATE_FLAGS } from "../lib/cgroups/index.ts";
import type { CommandMain } from "../lib/context.ts";
import { readResourcesFile, updateContainer } from "../lib/lifecycle/update.ts";

const update: CommandMain = async (argv, ctx) => {
  const { flags, positionals } = parseArgs(argv, UPDATE_FLAGS);
  const id = requireId(positionals, "update");
  const file = stringFlag(flags, "resources");
  await updateContainer(ctx.root, id, file ? readResourcesFile(file) : resourcesFromFlags(flags, (m) => ctx.log.warn(m)), rdtFromFlags(flags));
  return 0;
};

export default update;
