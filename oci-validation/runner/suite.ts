/**
 * Runs conformance tests against one runtime binary and writes TAP. Each test gets its own
 * TestContext (temp dir, --root) and its cleanup runs whether it passed or not; a cleanup failure
 * fails the test (a runtime that cannot delete what it created is not conforming either).
 */
import { buildChecker } from "./checker-build.ts";
import { TestContext } from "./context.ts";
import { TapWriter } from "./tap.ts";
import { AssertionFailure } from "./assert.ts";
import type { ConformanceTest } from "./types.ts";

export interface TestResult {
  name: string;
  outcome: "pass" | "fail" | "skip";
  message?: string;
  ms: number;
}

function describeError(err: unknown): Record<string, unknown> {
  if (err instanceof AssertionFailure) return { message: err.message, expected: err.expected, actual: err.actual };
  return { message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
}

export async function runSuite(binary: string, tests: ConformanceTest[], write: (line: string) => void): Promise<TestResult[]> {
  buildChecker();
  const tap = new TapWriter(write);
  tap.comment(`runtime: ${binary}`);
  tap.plan(tests.length);
  const results: TestResult[] = [];
  for (const test of tests) {
    const skipReason = test.skip?.();
    if (skipReason) {
      tap.skip(test.name, skipReason);
      results.push({ name: test.name, outcome: "skip", message: skipReason, ms: 0 });
      continue;
    }
    const started = performance.now();
    const t = new TestContext(binary, test.name);
    let failure: Record<string, unknown> | undefined;
    try {
      await test.run(t);
    } catch (err) {
      failure = describeError(err);
    }
    const commands = t.runtime.history.slice(-6).map((c) => `${c.argv.join(" ")} → exit ${c.exitCode}${c.stderr.trim() ? `: ${c.stderr.trim().slice(0, 400)}` : ""}`);
    const containerStderr = failure ? t.containerStderr() : [];
    try {
      await t.cleanup.run();
    } catch (err) {
      failure ??= { message: (err as Error).message };
    }
    const ms = Math.round(performance.now() - started);
    if (failure) {
      tap.notOk(test.name, { spec: test.spec, ref: test.ref, ...failure, commands, container_stderr: containerStderr.length ? containerStderr : undefined, duration_ms: ms });
      results.push({ name: test.name, outcome: "fail", message: String(failure.message), ms });
    } else {
      tap.ok(test.name);
      results.push({ name: test.name, outcome: "pass", ms });
    }
  }
  const failed = results.filter((r) => r.outcome === "fail").length;
  const skipped = results.filter((r) => r.outcome === "skip").length;
  tap.comment(`pass ${results.length - failed - skipped}, fail ${failed}, skip ${skipped}`);
  return results;
}
