/**
 * A seccomp profile with SCMP_ACT_NOTIFY and a listenerPath: the listener fd of an exec'd process
 * reaches the agent too, with the process state (runtime-spec config-linux.md "seccomp"), as it
 * does for the container's init.
 */
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { rmSync } from "node:fs";
import { describeRoot } from "../../fixtures/root.ts";
import { RuntimeSuite, waitFor } from "./harness.ts";

describeRoot("bocker-runtime exec with a notifying seccomp profile", () => {
  let s: RuntimeSuite;
  let agentBinary: string;
  beforeAll(() => {
    s = new RuntimeSuite("exec-listener");
    agentBinary = join(s.dir, "fd-agent");
    const cc = Bun.spawnSync(["cc", "-O2", "-o", agentBinary, join(import.meta.dir, "../native/fd-agent.c")], { stderr: "pipe" });
    if (cc.exitCode !== 0) throw new Error(`cc fd-agent.c: ${cc.stderr}`);
  });
  afterEach(async () => {
    await s.cleanup.run();
  });
  afterAll(() => s?.remove());

  /** One agent accepts one listener fd; resolves with what it printed. */
  async function agent(socket: string): Promise<() => Promise<string>> {
    rmSync(socket, { force: true });
    const proc = Bun.spawn([agentBinary, socket, "seccomp"], { stdout: "pipe", stderr: "inherit" });
    s.cleanup.add(`kill agent ${proc.pid}`, () => proc.kill());
    const reader = proc.stdout.getReader();
    let out = "";
    await waitFor(async () => {
      const { value } = await reader.read();
      out += new TextDecoder().decode(value ?? new Uint8Array());
      return out.includes("ready\n");
    }, "the agent to listen");
    return async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return out;
        out += new TextDecoder().decode(value);
      }
    };
  }

  test("exec sends the listener fd and the exec'd process's state to the agent", async () => {
    const socket = join(s.dir, "agent.sock");
    const id = s.id();
    const bundle = s.bundle(["sleep", "100"], (c) => {
      c.linux!.seccomp = { defaultAction: "SCMP_ACT_ALLOW", listenerPath: socket, listenerMetadata: "exec-test", syscalls: [{ names: ["mkdirat"], action: "SCMP_ACT_NOTIFY" }] };
    });
    const initAgent = await agent(socket);
    expect(await s.rt(["run", "-d", "--bundle", bundle, id])).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(await initAgent()).toContain("fd=anon_inode:seccomp notify");

    const execAgent = await agent(socket);
    const pidFile = join(s.dir, "exec.pid");
    const r = await s.rt(["exec", "--pid-file", pidFile, id, "true"], { timeoutMs: 10_000 });
    expect(r).toEqual({ code: 0, stdout: "", stderr: "" });
    const out = await execAgent();
    expect(out).toContain("fd=anon_inode:seccomp notify");
    const payload = JSON.parse(/payload=(.*)\n/.exec(out)![1]!);
    expect(payload).toMatchObject({ fds: ["seccompFd"], metadata: "exec-test", pid: Number(await Bun.file(pidFile).text()), state: { id, status: "running" } });
  });
});
