/**
 * Where the container's processes run and allocate (issue #13): linux.memoryPolicy through
 * set_mempolicy(2), seen in /proc/self/numa_maps (runc's memory policy tests read it the same way),
 * and process.execCPUAffinity for exec'd processes (runc 1.2), seen in Cpus_allowed_list.
 */
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { describeRoot } from "../../fixtures/root.ts";
import { RuntimeSuite } from "./harness.ts";
import type { Spec } from "../../../runtime/lib/spec-types.ts";

const FIRST_POLICY = "head -n 1 /proc/self/numa_maps | cut -d' ' -f2";

describeRoot("bocker-runtime memory policy and CPU affinity", () => {
  let s: RuntimeSuite;
  beforeAll(() => {
    s = new RuntimeSuite("placement");
  });
  afterEach(async () => {
    await s.cleanup.run();
  });
  afterAll(() => s?.remove());

  const run = (script: string, mut: (c: Spec) => void) => s.rt(["run", "--bundle", s.bundle(["sh", "-c", script], mut), s.id()]);

  test("MPOL_BIND to node 0, with and without MPOL_F_STATIC_NODES; MPOL_INTERLEAVE", async () => {
    expect(await run(FIRST_POLICY, (c) => (c.linux!.memoryPolicy = { mode: "MPOL_BIND", nodes: "0" }))).toEqual({ code: 0, stdout: "bind:0\n", stderr: "" });
    expect(await run(FIRST_POLICY, (c) => (c.linux!.memoryPolicy = { mode: "MPOL_BIND", nodes: "0", flags: ["MPOL_F_STATIC_NODES"] }))).toEqual({ code: 0, stdout: "bind=static:0\n", stderr: "" });
    expect(await run(FIRST_POLICY, (c) => (c.linux!.memoryPolicy = { mode: "MPOL_INTERLEAVE", nodes: "0" }))).toEqual({ code: 0, stdout: "interleave:0\n", stderr: "" });
    expect(await run(FIRST_POLICY, () => {})).toEqual({ code: 0, stdout: "default\n", stderr: "" });
  });

  test("a node that does not exist is the kernel's EINVAL, naming the pointer", async () => {
    const r = await run("true", (c) => (c.linux!.memoryPolicy = { mode: "MPOL_BIND", nodes: "7" }));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("set_mempolicy(mode 2");
    expect(r.stderr).toContain("/linux/memoryPolicy");
  });

  test("an exec'd process gets the container's memory policy and execCPUAffinity; the init keeps its own CPUs", async () => {
    const id = s.id();
    const bundle = s.bundle(["sh", "-c", "grep Cpus_allowed_list /proc/self/status > /tmp/init-cpus; sleep 1000"], (c) => {
      c.root!.readonly = false;
      c.linux!.memoryPolicy = { mode: "MPOL_BIND", nodes: "0" };
      c.process!.execCPUAffinity = { final: "1" };
    });
    expect((await s.rt(["run", "-d", "--bundle", bundle, id])).code).toBe(0);
    const own = await s.rt(["exec", id, "sh", "-c", `grep Cpus_allowed_list /proc/self/status; ${FIRST_POLICY}`]);
    expect(own).toEqual({ code: 0, stdout: "Cpus_allowed_list:\t1\nbind:0\n", stderr: "" });
    const init = await s.rt(["exec", id, "cat", "/tmp/init-cpus"]);
    expect(init.stdout).toBe("Cpus_allowed_list:\t0-1\n");
  });

  test("exec --process: initial alone stays through the cgroup entry, final replaces it", async () => {
    const id = s.id();
    expect((await s.rt(["run", "-d", "--bundle", s.bundle(["sleep", "1000"]), id])).code).toBe(0);
    const cpus = async (affinity: { initial?: string; final?: string }) => {
      const file = `${s.dir}/process-${Object.values(affinity).join("-")}.json`;
      await Bun.write(file, JSON.stringify({ args: ["grep", "Cpus_allowed_list", "/proc/self/status"], cwd: "/", user: { uid: 0, gid: 0 }, env: ["PATH=/bin"], execCPUAffinity: affinity }));
      return (await s.rt(["exec", "--process", file, id])).stdout;
    };
    expect(await cpus({ initial: "0" })).toBe("Cpus_allowed_list:\t0\n");
    expect(await cpus({ initial: "0", final: "1" })).toBe("Cpus_allowed_list:\t1\n");
    expect(await cpus({ final: "0-1" })).toBe("Cpus_allowed_list:\t0-1\n");
  });

  test("features reports what is implemented: idmap, recursive mount options, netDevices and intelRdt (intel-rdt.test.ts)", async () => {
    const f = JSON.parse((await s.rt(["features"])).stdout);
    expect(f.linux.mountExtensions).toEqual({ idmap: { enabled: true } });
    expect(f.linux.intelRdt).toEqual({ enabled: true, schemata: true });
    expect(f.linux.netDevices).toEqual({ enabled: true });
    expect(f.mountOptions).toEqual(expect.arrayContaining(["rro", "rnosymfollow", "idmap", "ridmap", "tmpcopyup"]));
  });
});
