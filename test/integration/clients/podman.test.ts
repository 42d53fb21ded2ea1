/**
 * podman 4.3 driving the runtime under test (issue 6, "Real clients"): every scenario goes through
 * podman → conmon → `<runtime> create/start/exec/kill/pause/resume/delete`, exactly as users run it.
 * BOCKER_CLIENTS_RUNTIME=/usr/sbin/runc runs the same file on runc.
 */
import { existsSync, readFileSync, readlinkSync } from "node:fs";
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { describeRoot } from "../../fixtures/root.ts";
import { Cleanup } from "../../../common/cleanup.ts";
import { runtimeUnderTest } from "../../fixtures/clients/runtime.ts";
import { PodmanEnv, BUSYBOX_IMAGE } from "../../fixtures/clients/podman.ts";
import { ok } from "../../fixtures/clients/proc.ts";

/** A pure cgroup v2 host (test/v2/run.sh): one hierarchy at /sys/fs/cgroup. */
const PURE_V2 = existsSync("/sys/fs/cgroup/cgroup.controllers");

const CAP_CHOWN = 0n;
const CAP_NET_RAW = 13n;
const CAP_KILL = 5n;

describeRoot("podman --runtime <runtime under test>", () => {
  let env: PodmanEnv;
  let cleanup = new Cleanup();
  let n = 0;

  beforeAll(async () => {
    env = await PodmanEnv.create(runtimeUnderTest());
  }, 120_000);
  afterEach(async () => {
    await cleanup.run();
    cleanup = new Cleanup();
  });
  afterAll(async () => {
    await env?.destroy();
  }, 120_000);

  /** A unique container name, force-removed when the test ends. */
  function name(): string {
    const id = `bkt-${process.pid}-${++n}`;
    cleanup.add(`podman rm -f ${id}`, async () => {
      const r = await env.podman(["rm", "--force", "--time", "0", "--ignore", id]);
      if (r.code !== 0) throw new Error(`podman rm -f ${id}: ${r.stderr}`);
    });
    return id;
  }

  async function detached(id: string, command: string[], runArgs: string[] = []): Promise<void> {
    ok(await env.runContainer(["-d", "--name", id, ...runArgs], command), `podman run -d ${command.join(" ")}`);
  }

  function capEff(status: string): bigint {
    const hex = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1];
    if (!hex) throw new Error(`no CapEff line in /proc/self/status:\n${status}`);
    return BigInt(`0x${hex}`);
  }

  test("run --rm prints the command's output", async () => {
    const r = ok(await env.runContainer(["--rm"], ["echo", "hello from podman"]), "podman run --rm echo");
    expect(r.stdout).toBe("hello from podman\n");
  });

  test("run --rm uses the image's default command and a fresh root", async () => {
    const r = ok(await env.runContainer(["--rm"], ["sh", "-c", "cat /etc/hostname >/dev/null && echo pid=$$ && ls /bin/busybox"]), "run");
    expect(r.stdout).toBe("pid=1\n/bin/busybox\n");
  });

  test("exit codes come back through podman", async () => {
    expect((await env.runContainer(["--rm"], ["sh", "-c", "exit 3"])).code).toBe(3);
    expect((await env.runContainer(["--rm"], ["false"])).code).toBe(1);
    // a child killed by a signal: the shell's conventional 128+n status (PID 1 itself cannot be SIGKILLed from inside)
    expect((await env.runContainer(["--rm"], ["sh", "-c", "sh -c 'kill -9 $$'; exit $?"])).code).toBe(137);
  });

  // podman maps the runtime's create/exec error text to 127 (not found) and 126 (not executable),
  // so the runtime must fail create/exec itself, like runc, rather than start a process that exits 1
  test("a missing command is exit 127 (podman reads the runtime's error)", async () => {
    const r = await env.runContainer(["--rm"], ["/no/such/command"]);
    expect(r.code).toBe(127);
    expect(r.stderr).toMatch(/no such file or directory/i);
  });

  test("a command that is not executable is exit 126", async () => {
    const r = await env.runContainer(["--rm"], ["/etc/passwd"]);
    expect(r.code).toBe(126);
    expect(r.stderr).toMatch(/permission denied/i);
  });

  test("exec of a missing or non-executable command is 127 / 126", async () => {
    const id = name();
    await detached(id, ["sleep", "1000"]);
    expect((await env.podman(["exec", id, "/no/such/command"])).code).toBe(127);
    expect((await env.podman(["exec", id, "/etc/passwd"])).code).toBe(126);
  });

  test("detached run, exec, stop, rm", async () => {
    const id = name();
    await detached(id, ["sleep", "1000"]);
    expect(await env.inspect(id, "{{.State.Status}}")).toBe("running");
    const e = ok(await env.podman(["exec", id, "sh", "-c", "echo in-$(hostname) && cat /proc/1/cmdline | tr '\\0' ' '"]), "podman exec");
    expect(e.stdout).toMatch(/^in-\S+\nsleep 1000 $/);
    expect((await env.podman(["exec", id, "sh", "-c", "exit 5"])).code).toBe(5);
    expect((await env.podman(["exec", "-e", "X=exec-env", "-w", "/tmp", id, "sh", "-c", "echo $X $(pwd)"])).stdout).toBe("exec-env /tmp\n");
    ok(await env.podman(["stop", "--time", "1", id]), "podman stop");
    expect(await env.inspect(id, "{{.State.Status}}")).toBe("exited");
    // sleep as PID 1 ignores SIGTERM, so stop had to SIGKILL it after the timeout
    expect(await env.inspect(id, "{{.State.ExitCode}}")).toBe("137");
    ok(await env.podman(["rm", id]), "podman rm");
    expect((await env.podman(["container", "exists", id])).code).toBe(1);
  });

  test("-t gives the process a terminal (console socket)", async () => {
    const r = await env.podmanTty(["run", "--rm", "-t", ...env.baseRunArgs(), BUSYBOX_IMAGE, "sh", "-c", "tty; [ -t 0 ] && [ -t 1 ] && echo both-tty"]);
    expect(r.code).toBe(0);
    expect(r.stdout.replace(/\r/g, "")).toMatch(/^\/dev\/pts\/\d+\nboth-tty\n$/);
  });

  test("exec -t into a detached container gets a terminal too", async () => {
    const id = name();
    await detached(id, ["sleep", "1000"]);
    const r = await env.podmanTty(["exec", "-t", id, "sh", "-c", "tty"]);
    expect(r.code).toBe(0);
    expect(r.stdout.replace(/\r/g, "")).toMatch(/^\/dev\/pts\/\d+\n$/);
  });

  test("--memory sets the memory cgroup limit", async () => {
    const file = PURE_V2 ? "/sys/fs/cgroup/memory.max" : "/sys/fs/cgroup/memory/memory.limit_in_bytes";
    const r = ok(await env.runContainer(["--rm", "--cgroupns", "private", "--memory", "64m"], ["cat", file]), "run --memory");
    expect(r.stdout.trim()).toBe(String(64 * 1024 * 1024));
  });

  test("--cgroupns private: the container's cgroup is the root of its view", async () => {
    const script = PURE_V2 ? "cat /proc/self/cgroup /sys/fs/cgroup/memory.max" : "cat /proc/self/cgroup | grep memory; cat /sys/fs/cgroup/memory/memory.limit_in_bytes";
    const r = ok(await env.runContainer(["--rm", "--cgroupns", "private", "--memory", "32m"], ["sh", "-c", script]), "run --cgroupns private");
    expect(r.stdout).toMatch(new RegExp(`^\\d+:${PURE_V2 ? "" : "memory"}:/\n${32 * 1024 * 1024}\n$`));
  });

  test("--pids-limit sets pids.max and forks beyond it fail", async () => {
    const r = ok(await env.runContainer(["--rm", "--cgroupns", "private", "--pids-limit", "10"], ["cat", PURE_V2 ? "/sys/fs/cgroup/pids.max" : "/sys/fs/cgroup/pids/pids.max"]), "run --pids-limit");
    expect(r.stdout.trim()).toBe("10");
    const fork = await env.runContainer(["--rm", "--pids-limit", "5"], ["sh", "-c", "for i in 1 2 3 4 5 6 7 8; do sleep 5 & done; wait"]);
    expect(fork.stderr).toMatch(/can't fork|Resource temporarily unavailable|Cannot allocate/i);
  });

  test("--user runs as that uid/gid, by number and by name", async () => {
    expect(ok(await env.runContainer(["--rm", "--user", "1234:5678"], ["sh", "-c", "echo $(id -u):$(id -g)"]), "run --user").stdout).toBe("1234:5678\n");
    expect(ok(await env.runContainer(["--rm", "--user", "nobody"], ["sh", "-c", "echo $(id -u):$(id -g)"]), "run --user nobody").stdout).toBe("65534:65534\n");
  });

  test("--cap-drop removes those capabilities and keeps the others", async () => {
    const base = capEff(ok(await env.runContainer(["--rm"], ["cat", "/proc/self/status"]), "run").stdout);
    const dropped = capEff(ok(await env.runContainer(["--rm", "--cap-drop", "CHOWN", "--cap-drop", "NET_RAW"], ["cat", "/proc/self/status"]), "run --cap-drop").stdout);
    expect(base & (1n << CAP_CHOWN)).not.toBe(0n);
    expect(dropped & (1n << CAP_CHOWN)).toBe(0n);
    expect(dropped & (1n << CAP_NET_RAW)).toBe(0n);
    expect(dropped & (1n << CAP_KILL)).not.toBe(0n);
    expect(dropped).toBe(base & ~((1n << CAP_CHOWN) | (1n << CAP_NET_RAW)));
    const chown = await env.runContainer(["--rm", "--cap-drop", "CHOWN"], ["sh", "-c", "touch /tmp/f && chown 1:1 /tmp/f"]);
    expect(chown.code).not.toBe(0);
    expect(chown.stderr).toMatch(/Operation not permitted/);
  });

  test("--read-only root with podman's writable tmpfs on /tmp", async () => {
    const r = await env.runContainer(["--rm", "--read-only"], ["sh", "-c", "touch /x 2>&1; touch /tmp/ok && echo tmp-writable"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Read-only file system/);
    expect(r.stdout).toMatch(/tmp-writable\n$/);
  });

  test("env, workdir and hostname", async () => {
    const r = ok(await env.runContainer(["--rm", "-e", "GREETING=hi there", "--env", "EMPTY=", "-w", "/tmp", "--hostname", "bocker-box"], ["sh", "-c", 'echo "$GREETING|${EMPTY-unset}|$(pwd)|$(hostname)|$HOSTNAME"']), "run env/workdir/hostname");
    expect(r.stdout).toBe("hi there||/tmp|bocker-box|bocker-box\n");
  });

  test("pause and unpause freeze and thaw the container", async () => {
    const id = name();
    await detached(id, ["sh", "-c", "i=0; while true; do i=$((i+1)); echo $i > /tmp/tick; usleep 20000; done"]);
    ok(await env.podman(["pause", id]), "podman pause");
    expect(await env.inspect(id, "{{.State.Status}}")).toBe("paused");
    ok(await env.podman(["unpause", id]), "podman unpause");
    expect(await env.inspect(id, "{{.State.Status}}")).toBe("running");
    const tick1 = ok(await env.podman(["exec", id, "cat", "/tmp/tick"]), "exec after unpause").stdout;
    await Bun.sleep(200);
    const tick2 = ok(await env.podman(["exec", id, "cat", "/tmp/tick"]), "exec after unpause").stdout;
    expect(tick2).not.toBe(tick1);
  });

  test("a paused container's processes do not run", async () => {
    const id = name();
    await detached(id, ["sh", "-c", "i=0; while true; do i=$((i+1)); echo $i > /tmp/tick; usleep 20000; done"]);
    await Bun.sleep(100);
    ok(await env.podman(["pause", id]), "podman pause");
    const mergedTick = async () => ok(await env.podman(["cp", `${id}:/tmp/tick`, "-"]), "podman cp").stdout;
    const before = await mergedTick();
    await Bun.sleep(300);
    expect(await mergedTick()).toBe(before);
    ok(await env.podman(["unpause", id]), "podman unpause");
  });

  test("kill --signal delivers that signal to the container's init", async () => {
    const id = name();
    await detached(id, ["sh", "-c", "trap 'echo got-USR1; exit 7' USR1; echo ready; while true; do usleep 20000; done"]);
    for (let i = 0; i < 100 && !(await env.podman(["logs", id])).stdout.includes("ready"); i++) await Bun.sleep(50);
    ok(await env.podman(["kill", "--signal", "USR1", id]), "podman kill --signal USR1");
    expect(ok(await env.podman(["wait", id]), "podman wait").stdout.trim()).toBe("7");
    expect((await env.podman(["logs", id])).stdout).toBe("ready\ngot-USR1\n");
  });

  test("kill (default SIGKILL) ends a container that ignores SIGTERM", async () => {
    const id = name();
    await detached(id, ["sleep", "1000"]);
    ok(await env.podman(["kill", id]), "podman kill");
    expect(ok(await env.podman(["wait", id]), "podman wait").stdout.trim()).toBe("137");
  });

  test("logs returns stdout and stderr of a detached container", async () => {
    const id = name();
    await detached(id, ["sh", "-c", "echo to-stdout; echo to-stderr >&2"]);
    ok(await env.podman(["wait", id]), "podman wait");
    const r = ok(await env.podman(["logs", id]), "podman logs");
    expect(r.stdout).toBe("to-stdout\n");
    expect(r.stderr).toBe("to-stderr\n");
  });

  test("top lists the container's processes", async () => {
    const id = name();
    await detached(id, ["sleep", "1000"]);
    const r = ok(await env.podman(["top", id, "pid", "args"]), "podman top");
    expect(r.stdout).toMatch(/^PID\s+COMMAND\n1\s+sleep 1000\s*\n$/);
  });

  test("a container has its own pid, mount, uts, ipc and net namespaces and only loopback", async () => {
    const r = ok(await env.runContainer(["--rm"], ["sh", "-c", "for ns in pid mnt uts ipc net; do readlink /proc/1/ns/$ns; done; ls /sys/class/net"]), "run");
    const lines = r.stdout.trim().split("\n");
    const host = ["pid", "mnt", "uts", "ipc", "net"].map((ns) => readlinkSync(`/proc/self/ns/${ns}`));
    for (let i = 0; i < 5; i++) expect(lines[i]).not.toBe(host[i]);
    expect(lines.slice(5)).toEqual(["lo"]);
  });

  test("-i passes stdin through to the container", async () => {
    const r = ok(await env.podman(["run", "--rm", "-i", ...env.baseRunArgs(), BUSYBOX_IMAGE, "sh", "-c", "tr a-z A-Z"], { stdin: "piped input\n" }), "run -i");
    expect(r.stdout).toBe("PIPED INPUT\n");
  });

  test("restart stops and starts the container again (a new create/start)", async () => {
    const id = name();
    await detached(id, ["sh", "-c", "echo started; sleep 1000"]);
    const pid1 = await env.inspect(id, "{{.State.Pid}}");
    ok(await env.podman(["restart", "--time", "0", id]), "podman restart");
    expect(await env.inspect(id, "{{.State.Status}}")).toBe("running");
    expect(await env.inspect(id, "{{.State.Pid}}")).not.toBe(pid1);
    expect((await env.podman(["logs", id])).stdout).toBe("started\nstarted\n");
  });

  test("exec --user and exec into a container started as another user", async () => {
    const id = name();
    await detached(id, ["sleep", "1000"], ["--user", "1000:1000"]);
    expect(ok(await env.podman(["exec", id, "id", "-u"]), "exec").stdout).toBe("1000\n");
    expect(ok(await env.podman(["exec", "--user", "0", id, "id", "-u"]), "exec --user 0").stdout).toBe("0\n");
  });

  test("--tmpfs mounts a tmpfs with the given options", async () => {
    const r = ok(await env.runContainer(["--rm", "--tmpfs", "/scratch:rw,size=1m,mode=1777"], ["sh", "-c", "grep ' /scratch ' /proc/mounts; stat -c %a /scratch"]), "run --tmpfs");
    expect(r.stdout).toMatch(/^tmpfs \/scratch tmpfs rw,.*size=1024k/);
    expect(r.stdout).toMatch(/\n1777\n$/);
  });

  test("--cpu-shares and --sysctl are applied", async () => {
    const id = name();
    await detached(id, ["sleep", "1000"], ["--cpu-shares", "512", "--sysctl", "net.ipv4.ip_forward=1"]);
    const cid = await env.inspect(id, "{{.Id}}");
    // cgroup v2: shares 512 become cpu.weight 59 (the runtime's conversion, opencontainers/cgroups).
    const cgroup = PURE_V2 ? `/sys/fs/cgroup${env.cgroupParent}/libpod-${cid}/cpu.weight` : `/sys/fs/cgroup/cpu${env.cgroupParent}/libpod-${cid}/cpu.shares`;
    expect((await Bun.file(cgroup).text()).trim()).toBe(PURE_V2 ? "59" : "512");
    expect(ok(await env.podman(["exec", id, "cat", "/proc/sys/net/ipv4/ip_forward"]), "exec").stdout).toBe("1\n");
  });

  test("--privileged gets every capability and the host's devices", async () => {
    const r = ok(await env.runContainer(["--rm", "--privileged"], ["sh", "-c", "grep CapEff /proc/self/status; ls /dev | grep -c ."]), "run --privileged");
    const eff = BigInt(`0x${/CapEff:\s*([0-9a-f]+)/.exec(r.stdout)![1]}`);
    const hostBound = BigInt(`0x${/CapBnd:\s*([0-9a-f]+)/.exec(readFileSync("/proc/self/status", "utf8"))![1]}`);
    expect(eff).toBe(hostBound);
    expect(Number(r.stdout.trim().split("\n").pop())).toBeGreaterThan(20);
  });
});
