/**
 * Runs the oci-validation conformance suite against runc (which proves the tests right: it may fail
 * only where runc itself deviates from the spec) and against dist/bocker-runtime when it is built
 * (which may fail only the documented known failures). An entry that no longer fails is reported,
 * so the lists shrink as bugs are fixed.
 */
import { expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { BOCKER_KNOWN_FAILURES, RUNC_DEVIATIONS } from "../../oci-validation/known-failures.ts";
import { runSuite, type TestResult } from "../../oci-validation/runner/suite.ts";
import { ALL_TESTS } from "../../oci-validation/tests/index.ts";
import { DIST } from "../fixtures/dist.ts";
import { describeRoot } from "../fixtures/root.ts";

const RUNC = "/usr/sbin/runc";
const BOCKER_RUNTIME = join(DIST, "bocker-runtime");
const SUITE_TIMEOUT_MS = 15 * 60_000;

interface Verdict {
  unexpected: string[];
  nowPassing: string[];
}

async function runAgainst(binary: string, known: Record<string, string>): Promise<Verdict & { tap: string[]; results: TestResult[] }> {
  const tap: string[] = [];
  const results = await runSuite(binary, ALL_TESTS, (line) => tap.push(line));
  const failed = new Set(results.filter((r) => r.outcome === "fail").map((r) => r.name));
  return {
    tap,
    results,
    unexpected: [...failed].filter((name) => !(name in known)),
    nowPassing: Object.keys(known).filter((name) => !failed.has(name) && results.some((r) => r.name === name && r.outcome === "pass")),
  };
}

/** The TAP blocks of the given tests, for a readable assertion message. */
function tapOf(tap: string[], names: string[]): string {
  const out: string[] = [];
  let keep = false;
  for (const line of tap) {
    if (/^(not )?ok \d+ - /.test(line)) keep = names.some((n) => line.endsWith(`- ${n}`));
    if (keep) out.push(line);
  }
  return out.join("\n");
}

describeRoot("oci-validation suite", () => {
  test("every known-failure entry names a test that exists", () => {
    const names = new Set(ALL_TESTS.map((t) => t.name));
    expect(Object.keys(RUNC_DEVIATIONS).filter((n) => !names.has(n))).toEqual([]);
    expect(Object.keys(BOCKER_KNOWN_FAILURES).filter((n) => !names.has(n))).toEqual([]);
  });

  test.skipIf(!existsSync(RUNC))(
    "runc passes everything but its documented deviations",
    async () => {
      const v = await runAgainst(RUNC, RUNC_DEVIATIONS);
      if (v.unexpected.length > 0) console.error(tapOf(v.tap, v.unexpected));
      expect(v.unexpected).toEqual([]);
      expect(v.nowPassing).toEqual([]);
    },
    SUITE_TIMEOUT_MS,
  );

  test.skipIf(!existsSync(BOCKER_RUNTIME))(
    "bocker-runtime passes everything but the known failures",
    async () => {
      const v = await runAgainst(BOCKER_RUNTIME, BOCKER_KNOWN_FAILURES);
      if (v.unexpected.length > 0) console.error(tapOf(v.tap, v.unexpected));
      expect(v.unexpected).toEqual([]);
      expect(v.nowPassing).toEqual([]);
    },
    SUITE_TIMEOUT_MS,
  );
});
