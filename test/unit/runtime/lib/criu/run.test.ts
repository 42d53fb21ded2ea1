import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCriu } from "../../../../../runtime/lib/criu/run.ts";

const stateOf = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat[stat.lastIndexOf(")") + 2];
};

describe("runCriu's wrapper (restore with the systemd driver: the unit takes the pid that becomes criu)", () => {
  test("beforeExec gets the wrapper stopped, before it joins the cgroup files; it runs on once the hook returns", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bocker-criu-run-"));
    try {
      const procs = join(dir, "cgroup.procs"); // a plain file stands in for cgroup.procs: the wrapper only writes its pid
      let seen: { pid: number; state: string | undefined; procs: string } | undefined;
      await runCriu({
        binary: "/bin/true", args: [], logDir: dir, logName: "log", cgroupProcs: [procs], what: "test",
        beforeExec: async (pid) => {
          let procsNow = "";
          try {
            procsNow = readFileSync(procs, "utf8");
          } catch {
            // not written yet: as it should be
          }
          seen = { pid, state: stateOf(pid), procs: procsNow };
        },
      });
      expect(seen).toMatchObject({ state: "T", procs: "" });
      expect(readFileSync(procs, "utf8").trim()).toBe(String(seen!.pid));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a failing beforeExec kills the wrapper (criu never runs) and passes its error on", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bocker-criu-run-"));
    try {
      const marker = join(dir, "ran");
      writeFileSync(join(dir, "fake-criu"), `#!/bin/sh\ntouch ${marker}\n`, { mode: 0o755 });
      let pid = 0;
      const run = runCriu({
        binary: join(dir, "fake-criu"), args: [], logDir: dir, logName: "log", what: "test",
        beforeExec: async (p) => {
          pid = p;
          throw new Error("StartTransientUnit failed");
        },
      });
      await expect(run).rejects.toThrow("StartTransientUnit failed");
      expect(() => readFileSync(marker)).toThrow();
      expect(() => readFileSync(`/proc/${pid}/stat`)).toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
