/**
 * The checked-in files under schemas/generated/ are exactly what schemas/scripts/generate.ts
 * makes from the schemas now. If this fails, run `bun schemas/scripts/generate.ts`.
 */
import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { generateAll, SCHEMAS_DIR } from "../../../schemas/scripts/generate.ts";

test("generated types and validators match the schemas", async () => {
  const generated = await generateAll();
  const onDisk = ["generated/types", "generated/validators"].flatMap((dir) =>
    readdirSync(join(SCHEMAS_DIR, dir)).map((file) => `${dir}/${file}`),
  );
  expect(onDisk.sort()).toEqual([...generated.keys()].sort());
  for (const [path, content] of generated) {
    expect({ path, content: readFileSync(join(SCHEMAS_DIR, path), "utf8") }).toEqual({ path, content });
  }
}, 30_000);
