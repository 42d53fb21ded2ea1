/**
 * `list [--format table|json] [-q]`. A container whose state.json cannot be read is reported on
 * stderr (with the hint to `delete --force` it) instead of breaking the listing.
 */
import { writeStdout } from "../../common/stdio.ts";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { parseArgs, stringFlag, boolFlag } from "../lib/args.ts";
import type { CommandMain } from "../lib/context.ts";
import { RuntimeError, ioError } from "../lib/errors.ts";
import { errnoOf } from "../../common/errors.ts";
import { ociState, readRecord } from "../lib/state.ts";

const list: CommandMain = async (argv, ctx) => {
  const { flags } = parseArgs(argv, { format: { kind: "string", alias: "f" }, quiet: { kind: "bool", alias: "q" } });
  const format = stringFlag(flags, "format") ?? "table";
  if (format !== "table" && format !== "json") throw new RuntimeError("USAGE", `--format: expected table or json, got ${format}`);
  let names: string[] = [];
  try {
    names = readdirSync(ctx.root, { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith(".")).map((e) => e.name).sort();
  } catch (err) {
    if (errnoOf(err) !== "ENOENT") throw ioError("read", ctx.root, err);
  }
  const states: Array<Record<string, unknown>> = [];
  for (const name of names) {
    try {
      states.push(ociState(join(ctx.root, name), readRecord(join(ctx.root, name))));
    } catch (err) {
      ctx.log.warn(`skipping ${name}: ${(err as Error).message}`);
    }
  }
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
