/** `state ID`: the OCI state JSON (runtime-spec runtime.md "State"), indented like runc's. */
import { parseArgs, requireId } from "../lib/args.ts";
import type { CommandMain } from "../lib/context.ts";
import { containerDir, ociState, readRecord } from "../lib/state.ts";
import { writeStdout } from "../../common/stdio.ts";

const state: CommandMain = async (argv, ctx) => {
  const { positionals } = parseArgs(argv, {});
  const dir = containerDir(ctx.root, requireId(positionals, "state"));
  writeStdout(JSON.stringify(ociState(dir, readRecord(dir)), null, 2) + "\n");
  return 0;
};

export default state;
