/**
 * runtime-spec v1.3.0's own examples (shared/oci-reference/runtime-spec-v1.3.0/test): every Linux
 * `good` one is accepted and every Linux `bad` one rejected, by our schemas and by upstream's.
 *
 * Skipped, because bocker is Linux-only and checks only that other platforms' sections are
 * objects (see OtherPlatform in schemas/runtime/config.json):
 *   config/good/freebsd-example.json, freebsd-minimal.json   FreeBSD platform section
 *   config/good/zos-example.json, zos-minimal.json           z/OS platform section
 *   config/bad/freebsd-vnet-disable.json                     bad value inside `freebsd.jail`
 * (any windows-, solaris- or vm- example is skipped for the same reason.)
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { validateRuntimeConfig, validateRuntimeFeatures, validateRuntimeState } from "../../../schemas/index.ts";
import { RUNTIME_SPEC_DIR, upstream } from "./upstream-oracle.ts";

const NON_LINUX = /^(freebsd|zos|windows|solaris|vm)-/;

const KINDS = [
  { dir: "config", ours: validateRuntimeConfig, upstreamFile: "config-schema.json" },
  { dir: "state", ours: validateRuntimeState, upstreamFile: "state-schema.json" },
  { dir: "features", ours: validateRuntimeFeatures, upstreamFile: "features-schema.json" },
] as const;

/** Whether a file's text is accepted: unparsable JSON is a rejection (bad/invalid-json.json). */
function accepts(text: string, validate: (doc: unknown) => boolean): boolean {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return false;
  }
  return validate(doc);
}

for (const kind of KINDS) {
  describe(`runtime-spec test/${kind.dir}`, () => {
    for (const verdict of ["good", "bad"] as const) {
      const dir = join(RUNTIME_SPEC_DIR, "test", kind.dir, verdict);
      const files = readdirSync(dir).filter((f) => f.endsWith(".json") && !NON_LINUX.test(f));
      test(`has ${verdict} examples`, () => expect(files.length).toBeGreaterThan(0));
      for (const file of files) {
        test(`${verdict}/${file}: ours and upstream ${verdict === "good" ? "accept" : "reject"} it`, () => {
          const text = readFileSync(join(dir, file), "utf8");
          const ours = accepts(text, (doc) => kind.ours(doc).ok);
          const theirs = accepts(text, (doc) => upstream("runtime", kind.upstreamFile)(doc) as boolean);
          expect({ ours, theirs }).toEqual({ ours: verdict === "good", theirs: verdict === "good" });
        });
      }
    }
  });
}

test("the skipped examples are exactly the non-Linux ones", () => {
  const skipped = KINDS.flatMap((kind) =>
    ["good", "bad"].flatMap((verdict) =>
      readdirSync(join(RUNTIME_SPEC_DIR, "test", kind.dir, verdict))
        .filter((f) => NON_LINUX.test(f))
        .map((f) => `${kind.dir}/${verdict}/${f}`),
    ),
  );
  expect(skipped.sort()).toEqual([
    "config/bad/freebsd-vnet-disable.json",
    "config/good/freebsd-example.json",
    "config/good/freebsd-minimal.json",
    "config/good/zos-example.json",
    "config/good/zos-minimal.json",
  ]);
});
