/** `list [--format table|json] [-q]` (lib/lifecycle/list.ts). */
import { writeStdout } from "../../common/stdio.ts";
import { parseArgs, stringFlag, boolFlag } from "../lib/args.ts";
import type { CommandMain } from "../lib/context.ts";
import { RuntimeError } from "../lib/errors.ts";
import { listContainers } from "../lib/lifecycle/list.ts";

const list: CommandMain = async (argv, ctx) => {
  const { flags } = parseArgs(argv, { format: { kind: "string", alias: "f" }, quiet: { kind: "bool", alias: "q" } });
  const format = stringFlag(flags, "format") ?? "table";
  if (format !== "table" && format !== "json") throw new RuntimeError("USAGE", `--format: expected table or json, got ${format}`);
  const states = listContainers(ctx.root, (m) => ctx.log.warn(m));
  if (boolFlag(flags, "quiet")) writeStdout(states.map((s) => `${s.id}\n`).join(""));
  else if (format === "json") writeStdout(JSON.stringify(states) + "\n");
  else writeStdout(table(states));
  return 0;
};

function table(states: Array<Record<string, unknown>>): string {
  const rows = [["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"], ...states.map((s) => [s.id, s.pid, s.status, s.bundle, s.created, s.owner === "" ? "root" : s.owner].map(String))];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]! + 2))).join("").trimEnd() + "\n").join("");
}

export default list;
