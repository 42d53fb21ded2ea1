/**
 * bocker's runtime conformance suite (cf. youki tests/contest): drives any runc-compatible runtime
 * through the OCI command line and checks the runtime-spec's observable MUSTs and SHOULDs.
 *
 *   RUNTIME=/usr/sbin/runc bun oci-validation/run.ts [filter]
 *
 * Prints TAP version 13; exits 1 when a test fails. `filter` is a substring of test names.
 * Needs root and a real kernel.
 */
import { ALL_TESTS } from "./tests/index.ts";
import { runSuite } from "./runner/suite.ts";

const binary = process.env.RUNTIME;
if (!binary) {
  console.error("oci-validation: set RUNTIME=/path/to/runtime (a runc-compatible CLI)");
  process.exit(2);
}
if (process.getuid?.() !== 0) {
  console.error("oci-validation: must run as root (containers, cgroups and namespaces need it)");
  process.exit(2);
}
const filter = process.argv[2];
const tests = filter ? ALL_TESTS.filter((t) => t.name.includes(filter)) : ALL_TESTS;
if (tests.length === 0) {
  console.error(`oci-validation: no test name contains ${JSON.stringify(filter)}`);
  process.exit(2);
}
const results = await runSuite(binary, tests, (line) => console.log(line));
process.exit(results.some((r) => r.outcome === "fail") ? 1 : 0);
