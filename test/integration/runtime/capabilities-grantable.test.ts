/**
 * runtime-spec config.md "capabilities": a capability that cannot be granted MUST be logged as a
 * warning, and the runtime SHOULD NOT fail (a restricted environment). Here the runtime itself
 * runs without CAP_SYS_NICE in its bounding set (setpriv), so no container process can have it.
 */
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { describeRoot } from "../../fixtures/root.ts";
import { RuntimeSuite } from "./harness.ts";

describeRoot("bocker-runtime capabilities outside its own bounding set", () => {
  let s: RuntimeSuite;
  beforeAll(() => {
    s = new RuntimeSuite("caps");
  });
  afterEach(async () => {
    await s.cleanup.run();
  });
  afterAll(() => s?.remove());

  test("are dropped from every set with a warning; the rest are granted", async () => {
    const all = ["CAP_SYS_NICE", "CAP_CHOWN"];
    const bundle = s.bundle(["sh", "-c", "grep -E '^Cap(Bnd|Eff)' /proc/self/status | tr -d '\\t'"], (c) => {
      c.process!.capabilities = { bounding: all, effective: all, permitted: all, inheritable: [], ambient: [] };
    });
    const proc = Bun.spawn(["setpriv", "--bounding-set", "-sys_nice", s.binary, "--root", s.root, "run", "--bundle", bundle, s.id()], { stdout: "pipe", stderr: "pipe" });
    const [code, stdout, stderr] = await Promise.all([proc.exited, new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
    expect({ code, stdout }).toEqual({ code: 0, stdout: "CapEff:0000000000000001\nCapBnd:0000000000000001\n" });
    expect(stderr).toContain("CAP_SYS_NICE cannot be granted (not in the runtime's own bounding set)");
  });
});
