/** `images [--json]`: name, tag, digest, id, size, created of every stored image. */
import type { Globals } from "./globals.ts";
import { storeForRoot } from "../lib/content/store.ts";
import { describeImages } from "../lib/image/list.ts";
import { formatBytes } from "./progress.ts";
import { writeStdout } from "../../common/stdio.ts";
import { parseFlags, type CommandSpec } from "./flags.ts";

const SPEC: CommandSpec = {
  name: "bocker-imagetool images",
  usage: ["[--json]"],
  flags: { json: { kind: "boolean", describe: "one JSON array with every field" } },
  positionals: { min: 0, max: 0, message: "images takes no arguments" },
};

function ago(created: string | undefined): string {
  if (!created) return "";
  const seconds = (Date.now() - Date.parse(created)) / 1000;
  if (!Number.isFinite(seconds)) return created;
  const units: Array<[number, string]> = [[86400 * 365, "year"], [86400 * 30, "month"], [86400 * 7, "week"], [86400, "day"], [3600, "hour"], [60, "minute"]];
  for (const [size, unit] of units) {
    const n = Math.floor(seconds / size);
    if (n >= 1) return `${n} ${unit}${n > 1 ? "s" : ""} ago`;
  }
  return "just now";
}

export async function run(args: string[], globals: Globals): Promise<number> {
  const parsed = parseFlags(args, SPEC);
  if (parsed === undefined) return 0;
  const images = await describeImages(storeForRoot(globals.root));
  if (parsed.flags.json === true) {
    writeStdout(`${JSON.stringify(images, null, 2)}\n`);
    return 0;
  }
  if (globals.quiet) {
    for (const id of new Set(images.map((i) => i.id))) writeStdout(`${id.slice(7, 19)}\n`);
    return 0;
  }
  const rows = [["REPOSITORY", "TAG", "DIGEST", "IMAGE ID", "CREATED", "SIZE"]];
  for (const i of images) {
    rows.push([i.repository, i.tag, i.digest.slice(0, 19), i.id.slice(7, 19), ago(i.created), i.error ? `error: ${i.error}` : formatBytes(i.size)]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  for (const r of rows) writeStdout(`${r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join("   ")}\n`);
  return 0;
}
