/**
 * --pidfd-socket for create, run and exec (runc 1.2): the container's init, or the exec'd process,
 * sends a pidfd of itself over the unix socket with SCM_RIGHTS, payload "standard" or "setns" as
 * runc. The receiver checks it is a pidfd of the right pid and that it reports the exit.
 */
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describeRoot } from "../../fixtures/root.ts";
import { RuntimeSuite, waitFor } from "./harness.ts";

describeRoot("bocker-runtime --pidfd-socket", () => {
  let s: RuntimeSuite;
  let receiverBinary: string;
  beforeAll(() => {
    s = new RuntimeSuite("pidfd");
    receiverBinary = join(s.dir, "fd-agent");
    const cc = Bun.spawnSync(["cc", "-O2", "-o", receiverBinary, join(import.meta.dir, "../native/fd-agent.c")], { stderr: "pipe" });
    if (cc.exitCode !== 0) throw new Error(`cc fd-agent.c: ${cc.stderr}`);
  });
  afterEach(async () => {
    await s.cleanup.run();
  });
  afterAll(() => s?.remove());

  /** A receiver listening on a fresh socket; its output so far, read on demand. */
  async function receiver(name: string): Promise<{ sock: string; output: () => string; done: Promise<number> }> {
    const sock = join(s.dir, `${name}.sock`);
    const out = join(s.dir, `${name}.out`);
    const proc = Bun.spawn([receiverBinary, sock, "pidfd"], { stdout: Bun.file(out), stderr: "inherit" });
    s.cleanup.add(`kill receiver ${proc.pid}`, () => proc.kill(9));
    const output = () => readFileSync(out, "utf8");
    await waitFor(() => output().includes("ready"), "receiver ready");
    return { sock, output, done: proc.exited };
  }

  test("create: the init's pidfd, payload standard; it reports the init's exit", async () => {
    const r = await receiver("create");
    const id = s.id();
    expect((await s.rt(["create", "--pidfd-socket", r.sock, "--bundle", s.bundle(["sleep", "1000"]), id])).code).toBe(0);
    await waitFor(() => r.output().includes("Pid:"), "pidfd received");
    const pid = (await s.state(id)).pid;
    expect(r.output()).toBe(`ready\npayload=standard\nfd=anon_inode:[pidfd]\nPid:\t${pid}\n`);
    expect((await s.rt(["kill", id, "KILL"])).code).toBe(0);
    expect(await r.done).toBe(0);
    expect(r.output().endsWith("exited\n")).toBe(true);
  });

  test("exec: the exec'd process's pidfd, payload setns", async () => {
    const id = s.id();
    expect((await s.rt(["run", "-d", "--bundle", s.bundle(["sleep", "1000"]), id])).code).toBe(0);
    const r = await receiver("exec");
    const pidFile = join(s.dir, "exec.pid");
    expect((await s.rt(["exec", "-d", "--pidfd-socket", r.sock, "--pid-file", pidFile, id, "sleep", "0.3"])).code).toBe(0);
    expect(await r.done).toBe(0);
    expect(r.output()).toBe(`ready\npayload=setns\nfd=anon_inode:[pidfd]\nPid:\t${readFileSync(pidFile, "utf8").trim()}\nexited\n`);
  });

  test("a socket nobody listens on: create fails naming it and leaves no container", async () => {
    const id = s.id();
    const r = await s.rt(["create", "--pidfd-socket", join(s.dir, "nobody.sock"), "--bundle", s.bundle(["true"]), id]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("nobody.sock");
    expect((await s.rt(["state", id])).code).not.toBe(0);
  });
});
