/**
 * runc list: the state of every container under the state root, by id. A container whose
 * state.json cannot be read is skipped with a warning (and the hint in it to `delete --force` it)
 * instead of breaking the listing.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { errnoOf } from "../../../common/errors.ts";
import { ioError } from "../errors.ts";
import { ociState, readRecord } from "../state.ts";

export function listContainers(root: string, warn: (message: string) => void): Array<Record<string, unknown>> {
  let names: string[] = [];
  try {
    names = readdirSync(root, { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith(".")).map((e) => e.name).sort();
  } catch (err) {
    if (errnoOf(err) !== "ENOENT") throw ioError("read", root, err);
  }
  const states: Array<Record<string, unknown>> = [];
  for (const name of names) {
    try {
      states.push(ociState(join(root, name), readRecord(join(root, name))));
    } catch (err) {
      warn(`skipping ${name}: ${(err as Error).message}`);
    }
  }
  return states;
}
