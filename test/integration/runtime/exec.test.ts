import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describeRoot } from "../../fixtures/root.ts";
import { RuntimeSuite, waitFor } from "./harness.ts";

describeRoot("bocker-runtime exec and console", () => {
  let s: RuntimeSuite;
  let receiver: string;
  beforeAll(() => {
    s = new RuntimeSuite("exec");
    receiver = join(s.dir, "console-receiver");
    const cc = Bun.spawnSync(["cc", "-O2", "-o", receiver, join(import.meta.dir, "console-receiver.c")]);
    if (cc.exitCode !== 0) throw new Error(`cc console-receiver.c: ${cc.stderr}`);
  });
  afterEach(async () => {
    await s.cleanup.run();
  });
  afterAll(() => s?.remove());

  async function running(args = ["sleep", "1000"]): Promise<string> {
    const id = s.id();
    const r = await s.rt(["run", "-d", "--bundle", s.bundle(args, (c) => (c.process!.env = ["PATH=/bin", "BASE=1"])), id]);
    if (r.code !== 0) throw new Error(r.stderr);
    return id;
  }

  test("exec joins the container's namespaces and cgroups and returns the exit code", async () => {
    const id = await running();
    const r = await s.rt(["exec", id, "sh", "-c", "hostname; cat /proc/1/cmdline | tr '\\0' ' '; echo; echo $BASE; exit 3"]);
    expect(r).toEqual({ code: 3, stdout: "bocker\nsleep 1000 \n1\n", stderr: "" });
    const r2 = await s.rt(["exec", id, "sh", "-c", "cat /proc/self/cgroup | grep pids; cat /proc/1/cgroup | grep pids"]);
    const [a, b] = r2.stdout.trim().split("\n");
    expect(a).toBe(b!);
  });

  test("exec flags: --env, --cwd, --user, --additional-gids; -d with --pid-file", async () => {
    const id = await running();
    const r = await s.rt(["exec", "--env", "X=y", "-e", "BASE=2", "--cwd", "/etc", "--user", "1000:1000", "-g", "9", id, "sh", "-c", "echo $X $BASE; pwd; id"]);
    expect(r.stdout).toBe("y 2\n/etc\nuid=1000 gid=1000 groups=9\n");
    const pidFile = join(s.dir, "exec.pid");
    expect((await s.rt(["exec", "-d", "--pid-file", pidFile, id, "sleep", "1000"])).code).toBe(0);
    const pid = Number(readFileSync(pidFile, "utf8"));
    expect(readFileSync(`/proc/${pid}/cmdline`, "utf8")).toBe("sleep\u00001000\u0000");
    expect(JSON.parse((await s.rt(["ps", "--format", "json", id])).stdout)).toContain(pid);
  });

  test("exec --process FILE", async () => {
    const id = await running();
    const file = join(s.dir, "process.json");
    writeFileSync(file, JSON.stringify({ args: ["sh", "-c", "echo $A; pwd; id -u"], env: ["A=from-file"], cwd: "/bin", user: { uid: 5, gid: 5 } }));
    expect((await s.rt(["exec", "--process", file, id])).stdout).toBe("from-file\n/bin\n5\n");
    // What config.md requires of a process is checked in the file too, naming file and pointer.
    writeFileSync(file, JSON.stringify({ args: ["true"], cwd: "/", user: { uid: 0 }, ioPriority: { class: "IOPRIO_CLASS_BE" } }));
    const bad = await s.rt(["exec", "--process", file, id]);
    expect(bad.code).toBe(255);
    expect(bad.stderr).toContain(file);
    expect(bad.stderr).toContain("/user/gid");
    expect(bad.stderr).toContain("/ioPriority/priority");
  });

  test("exec --process FILE without user (optional for exec) runs as the container's user", async () => {
    const id = s.id();
    const bundle = s.bundle(["sleep", "1000"], (c) => (c.process!.user = { uid: 7, gid: 8, additionalGids: [9] }));
    expect((await s.rt(["run", "-d", "--bundle", bundle, id])).code).toBe(0);
    const file = join(s.dir, "process-nouser.json");
    writeFileSync(file, JSON.stringify({ args: ["id"], cwd: "/" }));
    expect(await s.rt(["exec", "--process", file, id])).toEqual({ code: 0, stdout: "uid=7 gid=8 groups=9\n", stderr: "" });
  });

  test("exec's own failures exit 255 (runc), the process's status is its own: a pid file in a missing directory ends the process", async () => {
    const id = await running();
    expect((await s.rt(["exec", id, "sh", "-c", "exit 1"])).code).toBe(1);
    const r = await s.rt(["exec", "--pid-file", join(s.dir, "no-such-dir", "pid"), id, "sleep", "1000"]);
    expect(r.code).toBe(255);
    expect(r.stderr).toContain("no-such-dir");
    // the process that started is gone with the failure (runc terminates it too)
    await waitFor(async () => JSON.parse((await s.rt(["ps", "--format", "json", id])).stdout).length === 1, "only the init left");
    for (const args of [["exec", "nope", "true"], ["exec", id, "no-such-program"], ["exec", "--process", join(s.dir, "missing.json"), id]]) {
      const f = await s.rt(args);
      expect(f.code).toBe(255);
      expect(f.stderr).not.toBe("");
    }
    expect((await s.rt(["exec", "--bogus-flag", id, "true"])).code).toBe(1);
  });

  test("exec into a stopped or missing container fails", async () => {
    const id = await running(["true"]);
    await waitFor(async () => (await s.state(id)).status === "stopped", "stopped");
    expect((await s.rt(["exec", id, "true"])).stderr).toContain("it is stopped");
    expect((await s.rt(["exec", "nope", "true"])).stderr).toContain("does not exist");
  });

  test("terminal: the pty master goes to --console-socket; create and exec -t", async () => {
    const sock = join(s.dir, "console.sock");
    const recv = Bun.spawn([receiver, sock, "echo tty:$(tty); exit 4\n"], { stdout: "pipe" });
    const reader = recv.stdout.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("ready\n");
    const id = s.id();
    const r = await s.rt(["run", "-d", "--console-socket", sock, "--bundle", s.bundle(["sh"], (c) => (c.process!.terminal = true)), id]);
    expect(r.code).toBe(0);
    let out = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      out += new TextDecoder().decode(value);
    }
    expect(out).toContain("tty:/dev/pts/0");
    expect(await recv.exited).toBe(0);

    const id2 = await running();
    const sock2 = join(s.dir, "console2.sock");
    const recv2 = Bun.spawn([receiver, sock2, "tty; exit\n"], { stdout: "pipe" });
    await waitFor(() => existsSync(sock2), "console socket");
    const e = await s.rt(["exec", "-t", "--console-socket", sock2, id2, "sh"]);
    expect(e.code).toBe(0);
    expect(await new Response(recv2.stdout).text()).toContain("/dev/pts/0");
  });

  test("foreground run of a terminal container without --console-socket relays a pty (runc)", async () => {
    const r = await s.rt(["run", "--bundle", s.bundle(["sh", "-c", "tty; read x; echo got $x; exit 3"], (c) => (c.process!.terminal = true)), s.id()], { stdin: "hello\n" });
    expect(r.code).toBe(3);
    expect(r.stdout).toContain("/dev/pts/0");
    expect(r.stdout).toContain("got hello");
    const id = await running();
    const e = await s.rt(["exec", "-t", id, "sh", "-c", "tty; read x; echo got $x; exit 4"], { stdin: "again\n" });
    expect(e.code).toBe(4);
    expect(e.stdout).toContain("got again");
    expect(e.stdout).toMatch(/\/dev\/pts\/\d+/);
  });

  test("create of a terminal container without --console-socket is a usage error and creates nothing", async () => {
    const id = s.id();
    const r = await s.rt(["create", "--bundle", s.bundle(["sh"], (c) => (c.process!.terminal = true)), id]);
    expect(r.stderr).toContain("--console-socket is required");
    expect(existsSync(join(s.root, id))).toBe(false);
  });
});
