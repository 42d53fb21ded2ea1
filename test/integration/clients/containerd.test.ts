/**
 * containerd 1.6 driving the runtime under test (issue 6, "Real clients"): a private daemon, then
 * `ctr run --runc-binary <runtime>` (containerd → containerd-shim-runc-v2 → runtime), the PATH
 * fallback the shim uses for --no-pivot and user namespaces, and a CRI runtime handler configured
 * with `BinaryName` (what a Kubernetes RuntimeClass selects). BOCKER_CLIENTS_RUNTIME=/usr/sbin/runc
 * runs the same file on runc.
 */
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describeRoot } from "../../fixtures/root.ts";
import { Cleanup } from "../../../common/cleanup.ts";
import { runtimeUnderTest } from "../../fixtures/clients/runtime.ts";
import { ContainerdEnv, BUSYBOX_IMAGE } from "../../fixtures/clients/containerd.ts";
import { ok } from "../../fixtures/clients/proc.ts";

describeRoot("containerd: ctr run --runc-binary <runtime under test>", () => {
  let env: ContainerdEnv;
  let cleanup = new Cleanup();
  let n = 0;

  beforeAll(async () => {
    env = await ContainerdEnv.start(runtimeUnderTest());
  }, 120_000);
  afterEach(async () => {
    await cleanup.run();
    cleanup = new Cleanup();
  });
  afterAll(async () => {
    await env?.destroy();
  }, 120_000);

  /** A unique container id whose task and container are deleted when the test ends. */
  function id(): string {
    const cid = `bkt-${++n}`;
    cleanup.add(`delete ${cid}`, async () => {
      if ((await env.ctr(["tasks", "list", "--quiet"])).stdout.split("\n").includes(cid)) {
        await env.ctr(["tasks", "kill", "--signal", "SIGKILL", cid]);
        await waitForStatus(cid, "STOPPED");
        ok(await env.ctr(["tasks", "delete", cid]), `ctr tasks delete ${cid}`);
      }
      const r = await env.ctr(["containers", "delete", cid]);
      if (r.code !== 0 && !/not found/.test(r.stderr)) throw new Error(`ctr containers delete ${cid}: ${r.stderr}`);
    });
    return cid;
  }

  async function taskStatus(cid: string): Promise<string> {
    const r = ok(await env.ctr(["tasks", "list"]), "ctr tasks list");
    const line = r.stdout.split("\n").find((l) => l.split(/\s+/)[0] === cid);
    return line?.split(/\s+/)[2] ?? "MISSING";
  }

  async function waitForStatus(cid: string, status: string, timeoutMs = 10_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    let last = "";
    while (Date.now() < end) {
      if ((last = await taskStatus(cid)) === status) return;
      await Bun.sleep(50);
    }
    throw new Error(`task ${cid} is ${last}, not ${status}, after ${timeoutMs} ms`);
  }

  const runFlags = () => env.runcBinaryFlags();

  test("run --rm prints the command's output", async () => {
    const r = ok(await env.ctr(["run", "--rm", ...runFlags(), BUSYBOX_IMAGE, id(), "echo", "hello from ctr"]), "ctr run --rm");
    expect(r.stdout).toBe("hello from ctr\n");
  });

  test("the shim ran the runtime under test (its --root holds the state)", async () => {
    const cid = id();
    ok(await env.ctr(["run", "-d", ...runFlags(), BUSYBOX_IMAGE, cid, "sleep", "1000"]), "ctr run -d");
    expect(existsSync(join(env.runtimeRoot, env.namespace, cid))).toBe(true);
  });

  test("run --rm returns the container's exit code", async () => {
    expect((await env.ctr(["run", "--rm", ...runFlags(), BUSYBOX_IMAGE, id(), "sh", "-c", "exit 3"])).code).toBe(3);
    expect((await env.ctr(["run", "--rm", ...runFlags(), BUSYBOX_IMAGE, id(), "false"])).code).toBe(1);
  });

  test("detached task, exec, kill, delete", async () => {
    const cid = id();
    ok(await env.ctr(["run", "-d", ...runFlags(), BUSYBOX_IMAGE, cid, "sleep", "1000"]), "ctr run -d");
    expect(await taskStatus(cid)).toBe("RUNNING");
    const e = ok(await env.ctr(["tasks", "exec", "--exec-id", "e1", cid, "sh", "-c", "echo exec-ok; cat /proc/1/cmdline | tr '\\0' ' '"]), "ctr tasks exec");
    expect(e.stdout).toBe("exec-ok\nsleep 1000 ");
    expect((await env.ctr(["tasks", "exec", "--exec-id", "e2", cid, "sh", "-c", "exit 4"])).code).toBe(4);
    const ps = ok(await env.ctr(["tasks", "ps", cid]), "ctr tasks ps");
    expect(ps.stdout.trim().split("\n").length).toBe(2); // header + the one process
    ok(await env.ctr(["tasks", "kill", "--signal", "SIGKILL", cid]), "ctr tasks kill");
    await waitForStatus(cid, "STOPPED");
    ok(await env.ctr(["tasks", "delete", cid]), "ctr tasks delete");
    ok(await env.ctr(["containers", "delete", cid]), "ctr containers delete");
    expect(existsSync(join(env.runtimeRoot, env.namespace, cid))).toBe(false);
  });

  test("kill with SIGTERM reaches a shell that traps it", async () => {
    const cid = id();
    ok(await env.ctr(["run", "-d", ...runFlags(), BUSYBOX_IMAGE, cid, "sh", "-c", "trap 'exit 9' TERM; while true; do usleep 20000; done"]), "ctr run -d");
    await Bun.sleep(200);
    ok(await env.ctr(["tasks", "kill", "--signal", "SIGTERM", cid]), "ctr tasks kill SIGTERM");
    await waitForStatus(cid, "STOPPED");
    const del = ok(await env.ctr(["tasks", "delete", cid]), "ctr tasks delete");
    expect(del.stdout + del.stderr).toMatch(/9/);
  });

  test("pause and resume", async () => {
    const cid = id();
    ok(await env.ctr(["run", "-d", ...runFlags(), BUSYBOX_IMAGE, cid, "sleep", "1000"]), "ctr run -d");
    ok(await env.ctr(["tasks", "pause", cid]), "ctr tasks pause");
    expect(await taskStatus(cid)).toBe("PAUSED");
    ok(await env.ctr(["tasks", "resume", cid]), "ctr tasks resume");
    expect(await taskStatus(cid)).toBe("RUNNING");
  });

  test("--tty gives the process a terminal", async () => {
    const r = await env.ctrTty(["run", "--rm", "--tty", ...runFlags(), BUSYBOX_IMAGE, id(), "sh", "-c", "tty; [ -t 0 ] && [ -t 1 ] && echo both-tty"]);
    expect(r.code).toBe(0);
    // script echoes the EOF of its (empty) stdin as "^@" before the container's output
    expect(r.stdout.replace(/\r/g, "").replace(/^(\^@)+/, "")).toMatch(/^\/dev\/pts\/\d+\nboth-tty\n$/);
  });

  test("--memory-limit sets the container's memory cgroup", async () => {
    const cgroup = `${env.cgroupParent}/memlimit`;
    const cid = id();
    ok(await env.ctr(["run", "-d", "--runc-binary", env.runtime, "--runc-root", env.runtimeRoot, "--cgroup", cgroup, "--memory-limit", String(48 * 1024 * 1024), BUSYBOX_IMAGE, cid, "sleep", "1000"]), "ctr run --memory-limit");
    const v2 = existsSync("/sys/fs/cgroup/cgroup.controllers"); // a pure cgroup v2 host (test/v2/run.sh)
    expect(readFileSync(v2 ? `/sys/fs/cgroup${cgroup}/memory.max` : `/sys/fs/cgroup/memory${cgroup}/memory.limit_in_bytes`, "utf8").trim()).toBe(String(48 * 1024 * 1024));
    const inside = ok(await env.ctr(["tasks", "exec", "--exec-id", "m", cid, "cat", "/proc/self/cgroup"]), "exec cat /proc/self/cgroup");
    expect(inside.stdout).toContain(v2 ? `0::${cgroup}` : `memory:${cgroup}`);
    // (ctr's default spec mounts no cgroup filesystem inside; podman.test.ts checks the inside view)
  });

  test("--no-pivot: the shim runs `runc` from PATH, which is the runtime under test", async () => {
    const before = existsSync(env.pathRuncLog) ? readFileSync(env.pathRuncLog, "utf8") : "";
    const r = ok(await env.ctr(["run", "--rm", "--no-pivot", ...runFlags(), BUSYBOX_IMAGE, id(), "sh", "-c", "echo no-pivot-ok"]), "ctr run --no-pivot");
    expect(r.stdout).toBe("no-pivot-ok\n");
    const calls = readFileSync(env.pathRuncLog, "utf8").slice(before.length);
    expect(calls).toMatch(/create .*--no-pivot/);
  });

  test("--uidmap/--gidmap: a user namespace, through the PATH runtime", async () => {
    const before = existsSync(env.pathRuncLog) ? readFileSync(env.pathRuncLog, "utf8") : "";
    const r = ok(await env.ctr(["run", "--rm", "--uidmap", "0:200000:65536", "--gidmap", "0:200000:65536", ...runFlags(), BUSYBOX_IMAGE, id(), "sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map; id -u; stat -c %u /bin/busybox"]), "ctr run --uidmap");
    expect(r.stdout.replace(/\s+/g, " ").trim()).toBe("0 200000 65536 0 200000 65536 0 0");
    expect(readFileSync(env.pathRuncLog, "utf8").slice(before.length)).toMatch(/create /);
  });

  test("--env, --cwd, --read-only", async () => {
    const r = ok(await env.ctr(["run", "--rm", ...runFlags(), "--env", "GREETING=hi there", "--cwd", "/tmp", "--read-only", BUSYBOX_IMAGE, id(), "sh", "-c", 'echo "$GREETING|$(pwd)"; touch /x 2>&1; true']), "ctr run with process options");
    expect(r.stdout).toMatch(/^hi there\|\/tmp\n.*Read-only file system/);
  });

  test("--seccomp (containerd's default profile) blocks what it should and allows the rest", async () => {
    const r = await env.ctr(["run", "--rm", ...runFlags(), "--seccomp", BUSYBOX_IMAGE, id(), "sh", "-c", "grep Seccomp: /proc/self/status; echo still-running"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Seccomp:\s+2\nstill-running\n$/);
  });

  test("--privileged and --cap-add", async () => {
    const priv = ok(await env.ctr(["run", "--rm", ...runFlags(), "--privileged", BUSYBOX_IMAGE, id(), "sh", "-c", "grep CapEff /proc/self/status; ls /dev | grep -c ."]), "ctr run --privileged");
    const hostBound = /CapBnd:\s*([0-9a-f]+)/.exec(readFileSync("/proc/self/status", "utf8"))![1];
    expect(priv.stdout).toContain(`CapEff:\t${hostBound}`);
    const caps = ok(await env.ctr(["run", "--rm", ...runFlags(), "--cap-add", "CAP_SYS_ADMIN", BUSYBOX_IMAGE, id(), "grep", "CapEff", "/proc/self/status"]), "ctr run --cap-add");
    const eff = BigInt(`0x${/CapEff:\s*([0-9a-f]+)/.exec(caps.stdout)![1]}`);
    expect(eff & (1n << 21n)).not.toBe(0n); // CAP_SYS_ADMIN
  });
});
