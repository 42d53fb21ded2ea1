/** RUN_HOOK (state on stdin, timeout, exit status), HOOKS_SYNC abort, SECCOMP (+ listener), CONSOLE. */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describeRoot } from "../../fixtures/root.ts";
import { Cleanup } from "../../../common/cleanup.ts";
import { makeBusyboxRootfs } from "../../../common/busybox-rootfs.ts";
import { at, DEFAULT_STATE, replyToHooks, runHelper, s, withoutInit } from "./helper-driver.ts";
import { containerPlan } from "./container-plan.ts";
import type { Plan, Step } from "../../../runtime/lib/plan/steps.ts";

const cleanup = new Cleanup();
let dir = "";
let agent = "";

/** No namespaces: stage2 runs the steps in the host's, which is all these facilities need. */
const plain = (init: Step[], host: Step[] = []): Plan => ({ host: [s("FOREGROUND"), ...host], parent: [], child: [s("FORK_INIT")], init });
const sh = (script: string): Step => s("EXEC", "/bin/sh", ["sh", "-c", script], ["PATH=/bin:/usr/bin"]);

/** A classic BPF program: x86_64 only; mkdir and mkdirat get `action`; everything else is allowed. */
function mkdirFilter(action: number): Uint8Array {
  const insns: Array<[number, number, number, number]> = [
    [0x20, 0, 0, 4], // ld [arch]
    [0x15, 1, 0, 0xc000003e], // jeq AUDIT_ARCH_X86_64
    [0x06, 0, 0, 0x80000000], // ret KILL_PROCESS
    [0x20, 0, 0, 0], // ld [nr]
    [0x15, 2, 0, 83], // jeq mkdir
    [0x15, 1, 0, 258], // jeq mkdirat
    [0x06, 0, 0, 0x7fff0000], // ret ALLOW
    [0x06, 0, 0, action],
  ];
  const b = new Uint8Array(insns.length * 8);
  const v = new DataView(b.buffer);
  insns.forEach(([code, jt, jf, k], i) => {
    v.setUint16(i * 8, code, true);
    v.setUint8(i * 8 + 2, jt);
    v.setUint8(i * 8 + 3, jf);
    v.setUint32(i * 8 + 4, k, true);
  });
  return b;
}

async function startAgent(mode: "console" | "seccomp"): Promise<{ socket: string; output: Promise<string> }> {
  const socket = join(dir, `${mode}.sock`);
  const proc = Bun.spawn([agent, socket, mode], { stdout: "pipe", stderr: "inherit" });
  cleanup.add(`kill agent ${proc.pid}`, () => proc.kill("SIGKILL"));
  const reader = proc.stdout.getReader();
  const first = await reader.read();
  expect(new TextDecoder().decode(first.value)).toStartWith("ready\n");
  const output = (async () => {
    let text = new TextDecoder().decode(first.value).slice("ready\n".length);
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return text;
      text += new TextDecoder().decode(value);
    }
  })();
  return { socket, output };
}

describeRoot("bocker-init: hooks, seccomp, console", () => {
  beforeAll(() => {
    dir = mkdtempSync("/tmp/bocker-hooks-");
    cleanup.add(`rm ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
    agent = join(dir, "fd-agent");
    const cc = Bun.spawnSync(["cc", "-O2", "-o", agent, join(import.meta.dir, "fd-agent.c")], { stderr: "pipe" });
    if (cc.exitCode !== 0) throw new Error(`cc fd-agent.c: ${cc.stderr}`);
  });
  afterAll(() => cleanup.run());

  test("RUN_HOOK: state JSON on stdin, output on the helper's stderr", async () => {
    const got = join(dir, "state.json");
    const r = await runHelper(
      plain([s("HOOKS_SYNC"), s("RUN_HOOK", "/bin/sh", ["sh", "-c", `cat > ${got}; echo hook-out; echo hook-err >&2`], ["A=1"], 5), sh("exit 0")]),
      { onLine: replyToHooks() },
    );
    expect(r.exitCode).toBe(0);
    expect(withoutInit(r.lines)).toEqual(["hooks"]);
    expect(readFileSync(got, "utf8")).toBe(DEFAULT_STATE);
    expect(r.stderr).toBe("hook-out\nhook-err\n");
  });

  test("RUN_HOOK: non-zero exit, timeout and a missing hook fail the step", async () => {
    const fail = await runHelper(plain([s("HOOKS_SYNC"), at(11, "RUN_HOOK", "/bin/sh", ["sh", "-c", "exit 2"], [], 0), sh("echo ran")]), { onLine: replyToHooks() });
    expect(fail.exitCode).toBe(1);
    expect(fail.stdout).toBe("");
    expect(fail.lines.slice(2)).toEqual(['error 11 0 hook "/bin/sh" exited with status 2']);

    const started = Date.now();
    const slow = await runHelper(plain([s("HOOKS_SYNC"), at(12, "RUN_HOOK", "/bin/sleep", ["sleep", "30"], [], 1), sh("echo ran")]), { onLine: replyToHooks() });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(slow.exitCode).toBe(1);
    expect(slow.lines.slice(2)).toEqual(['error 12 110 hook "/bin/sleep" did not finish within its timeout of 1 s and was killed']);

    const missing = await runHelper(plain([s("HOOKS_SYNC"), at(13, "RUN_HOOK", "/nonexistent/hook", [], [], 0)]), { onLine: replyToHooks() });
    expect(missing.lines.slice(2)).toEqual(['error 13 2 execve("/nonexistent/hook") of hook failed']);
  });

  test("HOOKS_SYNC: `abort` ends the init quietly", async () => {
    const r = await runHelper(plain([s("HOOKS_SYNC"), sh("echo ran")]), { onLine: (l, reply) => (l === "hooks" ? reply("abort\n") : undefined) });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe("");
    expect(withoutInit(r.lines)).toEqual(["hooks"]);
  });

  test("HOOKS_SYNC: a malformed reply is a protocol error", async () => {
    for (const bad of ["ok\n", "ok x\n", "ok 1 \n", "ok 1 2 3\n", "okay 1\n"]) {
      const r = await runHelper(plain([at(21, "HOOKS_SYNC"), sh("echo ran")]), { onLine: (l, reply) => (l === "hooks" ? reply(bad) : undefined) });
      expect(r.exitCode).toBe(1);
      expect(r.lines.slice(2)).toEqual([`error 21 71 HOOKS_SYNC: unexpected reply "${bad.slice(0, -1)}"`]);
    }
  });

  test("SECCOMP: a filtered syscall fails with the program's errno", async () => {
    const target = join(dir, "not-made");
    const r = await runHelper(plain([s("NO_NEW_PRIVS"), s("SECCOMP", mkdirFilter(0x00050000 | 13), 0, -1), sh(`mkdir ${target} || echo denied`)]));
    expect(r.stdout).toBe("denied\n");
    expect(r.stderr).toContain("Permission denied");
    expect(existsSync(target)).toBe(false);
  });

  test("SECCOMP with a listener: the listener fd and the state go to the agent", async () => {
    const { socket, output } = await startAgent("seccomp");
    const listenerState = '{"ociVersion":"1.2.0","fds":["seccompFd"],"pid":1,"metadata":"m","state":{}}';
    const r = await runHelper(
      plain([s("HOOKS_SYNC"), s("NO_NEW_PRIVS"), s("SECCOMP", mkdirFilter(0x7fc00000 /* USER_NOTIF */), 0, 0), sh(`echo filtered`)], [s("CONNECT_SLOT", 0, socket)]),
      { onLine: replyToHooks(DEFAULT_STATE, listenerState) },
    );
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe("filtered\n");
    expect(await output).toBe(`payload=${listenerState}\nfd=anon_inode:seccomp notify\n`);
  });

  test("CONSOLE: the pty master reaches the console socket and the process runs on the slave", async () => {
    const rootfs = makeBusyboxRootfs(join(dir, "rootfs"));
    const { socket, output } = await startAgent("console");
    const r = await runHelper(
      containerPlan({
        rootfs,
        host: [s("FOREGROUND"), s("CONNECT_SLOT", 0, socket)],
        afterPivot: [s("SETSID"), s("CONSOLE", 0, 1)],
        argv: ["sh", "-c", "tty; [ -t 0 ] && [ -t 2 ] && echo stdio-is-tty"],
      }),
    );
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe("");
    expect(await output).toBe("payload=/dev/pts/0\nfd=/dev/pts/ptmx\n/dev/pts/0\nstdio-is-tty\n");
  });
});
