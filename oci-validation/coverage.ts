/**
 * Prints the README coverage table (spec requirement → test → result per runtime) from TAP files
 * written by run.ts, so the table is filled from real runs:
 *
 *   RUNTIME=dist/bocker-runtime bun oci-validation/run.ts > /tmp/bocker.tap
 *   RUNTIME=/usr/sbin/runc bun oci-validation/run.ts > /tmp/runc.tap
 *   bun oci-validation/coverage.ts bocker-runtime=/tmp/bocker.tap runc=/tmp/runc.tap
 */
import { readFileSync } from "node:fs";
import { ALL_TESTS } from "./tests/index.ts";

function outcomes(tapFile: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of readFileSync(tapFile, "utf8").split("\n")) {
    const m = /^(not ok|ok) \d+ - (.*?)( # SKIP (.*))?$/.exec(line);
    if (!m) continue;
    out.set(m[2]!, m[3] ? "skip" : m[1] === "ok" ? "pass" : "**FAIL**");
  }
  return out;
}

const columns = process.argv.slice(2).map((arg) => {
  const i = arg.indexOf("=");
  if (i < 0) throw new Error(`expected NAME=TAPFILE, got ${arg}`);
  return { name: arg.slice(0, i), results: outcomes(arg.slice(i + 1)) };
});

const cell = (s: string) => s.replace(/\|/g, "\\|");
const excerpt = (s: string) => (s.length > 140 ? `${s.slice(0, 137)}...` : s);

console.log(`| spec | requirement | test | ${columns.map((c) => c.name).join(" | ")} |`);
console.log(`|---|---|---|${columns.map(() => "---").join("|")}|`);
for (const t of ALL_TESTS) {
  console.log(`| ${t.ref} | ${cell(excerpt(t.spec))} | ${cell(t.name)} | ${columns.map((c) => c.results.get(t.name) ?? "not run").join(" | ")} |`);
}
