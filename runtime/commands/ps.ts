/** `ps ID [--format table|json] [-- ps options]`: the container's processes, from its cgroups (runc ps). */
import { writeStdout } from "../../common/stdio.ts";
import { parseArgs, requireId, stringFlag } from "../lib/args.ts";
import type { CommandMain } from "../lib/context.ts";
import { RuntimeError } from "../lib/errors.ts";
import { containerDir, readRecord } from "../lib/state.ts";
import { cgroupPids } from "../lib/cgroups/index.ts";

const ps: CommandMain = async (argv, ctx) => {
  const { flags, positionals } = parseArgs(argv, { format: { kind: "string", alias: "f" } }, { stopAfterPositionals: 1 });
  const id = requireId(positionals, "ps");
  const rec = readRecord(containerDir(ctx.root, id));
  if (!rec.cgroup) throw new RuntimeError("STATE_CORRUPT", `container ${id} has no recorded cgroup`);
  const pids = cgroupPids(rec.cgroup).sort((a, b) => a - b);
  const format = stringFlag(flags, "format") ?? "table";
  if (format === "json") {
    writeStdout(JSON.stringify(pids) + "\n");
    return 0;
  }
  if (format !== "table") throw new RuntimeError("USAGE", `--format: expected table or json, got ${format}`);
  // runc runs ps(1) with the given options (default -ef) and keeps the header and our pids.
  const r = Bun.spawnSync(["ps", ...(positionals.length > 1 ? positionals.slice(1) : ["-ef"])]);
  if (r.exitCode !== 0) throw new RuntimeError("IO", `ps failed: ${r.stderr.toString().trim()}`);
  const lines = r.stdout.toString().split("\n");
  const header = lines[0] ?? "";
  const pidColumn = header.trim().split(/\s+/).indexOf("PID");
  if (pidColumn < 0) throw new RuntimeError("IO", "ps output has no PID column");
  const wanted = new Set(pids);
  const rows = lines.slice(1).filter((l) => wanted.has(Number(l.trim().split(/\s+/)[pidColumn])));
  writeStdout([header, ...rows].join("\n") + "\n");
  return 0;
};

export default ps;
