import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RuntimeError } from "../../../../../runtime/lib/errors.ts";
import { readResourcesFile } from "../../../../../runtime/lib/lifecycle/update.ts";

const tmp = mkdtempSync(join(tmpdir(), "bocker-update-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("update --resources FILE", () => {
  test("the file is the linux.resources object", () => {
    const file = join(tmp, "r.json");
    writeFileSync(file, JSON.stringify({ pids: { limit: 10 }, memory: { limit: 1 << 20 } }));
    expect(readResourcesFile(file)).toEqual({ pids: { limit: 10 }, memory: { limit: 1 << 20 } });
  });

  test("a file that is not JSON is a config error naming it; a missing one an IO error naming it", () => {
    const file = join(tmp, "bad.json");
    writeFileSync(file, "{ pids");
    let err: unknown;
    try {
      readResourcesFile(file);
    } catch (e) {
      err = e;
    }
    expect((err as RuntimeError).code).toBe("CONFIG_INVALID");
    expect((err as Error).message).toContain(file);
    expect(() => readResourcesFile(join(tmp, "none.json"))).toThrow(/none\.json/);
  });
});
