import { afterAll, describe, expect, test } from "bun:test";
import { psTable } from "../../../../../runtime/lib/lifecycle/ps.ts";

const child = Bun.spawn(["sleep", "30"]);
afterAll(async () => {
  child.kill("SIGKILL");
  await child.exited;
});

describe("ps table (runc ps)", () => {
  test("ps -ef's header and only the rows of the given pids", () => {
    const lines = psTable([child.pid], []).trimEnd().split("\n");
    expect(lines[0]).toMatch(/\bPID\b/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain("sleep 30");
  });

  test("the caller's ps options replace -ef; a pid that is not running gives the header only", () => {
    const lines = psTable([child.pid], ["-o", "pid,comm"]).trimEnd().split("\n");
    expect(lines.map((l) => l.trim().split(/\s+/))).toEqual([["PID", "COMMAND"], [String(child.pid), "sleep"]]);
    expect(psTable([2 ** 22 + 7], []).trimEnd().split("\n")).toHaveLength(1);
  });

  test("a ps output without a PID column is an error", () => {
    expect(() => psTable([child.pid], ["-o", "comm"])).toThrow(/no PID column/);
  });
});
