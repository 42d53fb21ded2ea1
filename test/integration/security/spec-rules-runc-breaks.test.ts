/**
 * Spec rules runc 1.1.5 breaks, checked through the CLI with hostile bundles:
 * - a relative hook path is an error and is never run from the bundle directory (config.md
 *   "hooks": path MUST be absolute), even when the bundle holds an executable of that name;
 * - duplicate rlimit types are an error (config.md "rlimits": MUST NOT contain duplicates);
 * - a net.* sysctl without a new network namespace is rejected: it would change the host.
 */
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describeRoot } from "../../fixtures/root.ts";
import { RuntimeSuite } from "../runtime/harness.ts";

describeRoot("security: spec rules on hooks, rlimits and sysctls", () => {
  let s: RuntimeSuite;
  beforeAll(() => {
    s = new RuntimeSuite("spec-rules");
  });
  afterEach(async () => {
    await s.cleanup.run();
  });
  afterAll(() => s?.remove());

  test("a relative hook path is an error at create; the bundle's executable of that name never runs", async () => {
    for (const [kind, path] of [["prestart", "hook.sh"], ["createRuntime", "./hook.sh"], ["poststart", "bin/../hook.sh"], ["poststop", "hook.sh"]] as const) {
      const marker = join(s.dir, `hook-ran-${kind}`);
      const bundle = s.bundle(["true"], (c) => (c.hooks = { [kind]: [{ path }] }));
      writeFileSync(join(bundle, "hook.sh"), `#!/bin/sh\ntouch ${marker}\n`, { mode: 0o755 });
      const id = s.id();
      const r = await s.rt(["run", "--bundle", bundle, id]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`/hooks/${kind}/0/path: hook path must be absolute`);
      expect(existsSync(marker)).toBe(false);
      expect(existsSync(join(s.root, id))).toBe(false);
    }
  });

  test("duplicate rlimit types are an error naming both entries", async () => {
    const id = s.id();
    const r = await s.rt(["create", "--bundle", s.bundle(["true"], (c) => {
      c.process!.rlimits = [
        { type: "RLIMIT_NOFILE", soft: 100, hard: 100 },
        { type: "RLIMIT_NPROC", soft: 50, hard: 50 },
        { type: "RLIMIT_NOFILE", soft: 200, hard: 200 },
      ];
    }), id]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("/process/rlimits/2/type: duplicate rlimit RLIMIT_NOFILE (also /process/rlimits/0)");
    expect(existsSync(join(s.root, id))).toBe(false);
  });

  test("a net.* sysctl without a new network namespace is rejected; the host value is unchanged", async () => {
    const hostFile = "/proc/sys/net/ipv4/ip_default_ttl";
    const before = readFileSync(hostFile, "utf8");
    const wanted = before.trim() === "42" ? "43" : "42";
    const id = s.id();
    const r = await s.rt(["run", "--bundle", s.bundle(["true"], (c) => {
      c.linux!.namespaces = c.linux!.namespaces!.filter((n) => n.type !== "network");
      c.linux!.sysctl = { "net.ipv4.ip_default_ttl": wanted };
    }), id]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("/linux/sysctl/net.ipv4.ip_default_ttl");
    expect(readFileSync(hostFile, "utf8")).toBe(before);
    expect(existsSync(join(s.root, id))).toBe(false);

    // With its own network namespace the same sysctl applies inside only.
    const ok = await s.rt(["run", "--bundle", s.bundle(["cat", hostFile], (c) => (c.linux!.sysctl = { "net.ipv4.ip_default_ttl": wanted })), s.id()]);
    expect(ok).toEqual({ code: 0, stdout: `${wanted}\n`, stderr: "" });
    expect(readFileSync(hostFile, "utf8")).toBe(before);
  });
});
