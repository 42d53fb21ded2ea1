/**
 * bocker-init runs a busybox container from a hand-built plan: namespaces, mounts, devices,
 * pivot, process attributes, the exec FIFO, foreground exit codes and error lines.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, openSync, readFileSync, readlinkSync, rmSync, writeFileSync, closeSync } from "node:fs";
import { join } from "node:path";
import { describeRoot } from "../../fixtures/root.ts";
import { Cleanup } from "../../../common/cleanup.ts";
import { makeBusyboxRootfs } from "../../../common/busybox-rootfs.ts";
import { at, CLONE, initPid, MS, O, runHelper, s, startHelper } from "./helper-driver.ts";
import { containerPlan } from "./container-plan.ts";

const cleanup = new Cleanup();
let dir = "";
let rootfs = "";

function killLater(pid: number): void {
  cleanup.add(`kill ${pid}`, () => {
    try {
      process.kill(pid, "SIGKILL");
    } catch {}
  });
}

describeRoot("bocker-init: busybox container", () => {
  beforeAll(() => {
    dir = mkdtempSync("/tmp/bocker-native-");
    cleanup.add(`rm ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
    rootfs = makeBusyboxRootfs(join(dir, "rootfs"));
  });
  afterAll(async () => {
    await cleanup.run();
    expect(readFileSync("/proc/self/mountinfo", "utf8")).not.toContain(dir);
  });

  test("namespaces, mounts, devices, pivot, process attributes, exec FIFO", async () => {
    const shared = join(dir, "shared");
    mkdirSync(shared);
    chmodSync(shared, 0o777);
    writeFileSync(join(shared, "from-host"), "h");
    const fifo = join(dir, "exec.fifo");
    expect(Bun.spawnSync(["mkfifo", "-m", "0622", fifo]).exitCode).toBe(0);
    const CAP_CHOWN = 1, CAP_DAC_OVERRIDE = 2, CAP_NET_BIND_SERVICE = 1 << 10;
    const keep = CAP_CHOWN | CAP_NET_BIND_SERVICE;
    const script = [
      "echo host=$(hostname) domain=$(cat /proc/sys/kernel/domainname) pid=$$",
      "echo links=$(ip -o link | wc -l)",
      "echo nofile=$(ulimit -n)/$(ulimit -Hn)",
      "id",
      "grep -E '^(Cap|NoNewPrivs)' /proc/self/status",
      "echo umask=$(umask) cwd=$(pwd)",
      "cat /mnt/rw/from-host; echo; echo w > /mnt/rw/written && echo rw-ok",
      "(echo x > /mnt/ro/x) 2>/dev/null || echo ro-denied",
      "stat -c '%n %F %t:%T %a' /dev/null /dev/zero /dev/urandom",
      "echo fd=$(readlink /dev/fd) ptmx=$(readlink /dev/ptmx)",
      "echo masked=$(wc -c < /proc/timer_list) acpi=$(ls /proc/acpi | wc -l)",
      "echo forward=$(cat /proc/sys/net/ipv4/ip_forward)",
      "(echo 1 > /proc/sys/kernel/domainname) 2>/dev/null || echo sys-ro",
      "grep -E ' /(sys|dev/pts) ' /proc/self/mountinfo | cut -d' ' -f5,6,9",
    ].join("\n");
    const run = startHelper(
      containerPlan({
        rootfs,
        host: [s("OPEN_SLOT", 0, fifo, O.PATH)],
        mounts: [
          s("MKDIR_IN_ROOT", "/mnt/rw", 0o755),
          s("MOUNT_IN_ROOT", shared, "/mnt/rw", "", MS.BIND | MS.REC, ""),
          s("MKDIR_IN_ROOT", "/mnt/ro", 0o755),
          s("MOUNT_IN_ROOT", shared, "/mnt/ro", "", MS.BIND | MS.REC, ""),
          s("REMOUNT_IN_ROOT", "/mnt/ro", MS.BIND | MS.RDONLY),
        ],
        afterPivot: [
          s("SETHOSTNAME", "box"),
          s("SETDOMAINNAME", "example"),
          s("RLIMIT", 7, 1024, 2048),
          s("SYSCTL", "net/ipv4/ip_forward", "1"),
          s("MASK_PATH", "/proc/timer_list"),
          s("MASK_PATH", "/proc/kcore"), // missing on this kernel: fine
          s("MASK_PATH", "/proc/acpi"),
          s("READONLY_PATH", "/proc/sys"),
        ],
        beforeExec: [
          s("CAP_BOUNDING", keep | CAP_DAC_OVERRIDE),
          s("NO_NEW_PRIVS"),
          s("SETGROUPS", [10, 20]),
          s("KEEP_CAPS", 1),
          s("SETRESID", 1000, 1000),
          s("KEEP_CAPS", 0),
          s("CAPS", keep, keep, keep),
          s("AMBIENT", keep),
          s("UMASK", 0o027),
          s("CHDIR", "/tmp"),
          s("EXEC_FIFO_WAIT", 0),
        ],
        argv: ["sh", "-c", script],
      }),
    );
    const lines = await run.done; // EOF: REPORT_DONE reached, stage0 and stage1 gone
    const pid = initPid(lines);
    killLater(pid);
    expect(lines).toEqual([`init ${pid}`]);
    // CVE-2019-5736: the waiting init runs from a sealed memfd, which cannot be opened for writing.
    await Bun.sleep(50);
    expect(readlinkSync(`/proc/${pid}/exe`)).toStartWith("/memfd:bocker-init");
    expect(() => openSync(`/proc/${pid}/exe`, "r+")).toThrow();
    expect(readFileSync(fifo, "utf8")).toBe("0"); // `start`: releases the init
    const r = await run.result;
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toBe("");
    const out = r.stdout;
    expect(out).toContain("host=box domain=example pid=1\n");
    expect(out).toContain("links=1\n"); // only lo: a new network namespace
    expect(out).toContain("nofile=1024/2048\n");
    expect(out).toContain("uid=1000 gid=1000 groups=10,20");
    expect(out).toContain("CapInh:\t0000000000000401\nCapPrm:\t0000000000000401\nCapEff:\t0000000000000401\nCapBnd:\t0000000000000403\nCapAmb:\t0000000000000401\n");
    expect(out).toContain("NoNewPrivs:\t1\n");
    expect(out).toContain("umask=0027 cwd=/tmp\n");
    expect(out).toContain("h\nrw-ok\nro-denied\n");
    expect(readFileSync(join(shared, "written"), "utf8")).toBe("w\n");
    expect(out).toContain("/dev/null character special file 1:3 666\n/dev/zero character special file 1:5 666\n/dev/urandom character special file 1:9 666\n");
    expect(out).toContain("fd=/proc/self/fd ptmx=pts/ptmx\n");
    expect(out).toContain("masked=0 acpi=0\n");
    expect(out).toContain("forward=1\n");
    expect(out).toContain("sys-ro\n");
    expect(out).toMatch(/\/sys ro,nosuid,nodev,noexec,relatime sysfs\n/);
    expect(out).toMatch(/\/dev\/pts rw,nosuid,noexec,relatime devpts\n/);
  });

  test("no fd leaks: the process sees stdio and the preserved fds only", async () => {
    const keptFile = join(dir, "kept");
    writeFileSync(keptFile, "kept");
    const kept = openSync(keptFile, "r");
    const leaked = openSync(keptFile, "r");
    cleanup.add("close fds", () => (closeSync(kept), closeSync(leaked)));
    const r = await runHelper(
      containerPlan({ rootfs, host: [s("FOREGROUND")], preserve: 1, argv: ["sh", "-c", "ls /proc/$$/fd; cat <&3"] }),
      { preserved: [kept], extra: [leaked] },
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("0\n1\n2\n3\nkept");
    expect(r.exitCode).toBe(0);
  });

  test("foreground: exit code, and 128+signal when killed", async () => {
    const three = await runHelper(containerPlan({ rootfs, host: [s("FOREGROUND")], argv: ["sh", "-c", "exit 3"] }));
    expect(three.exitCode).toBe(3);
    // A pid namespace's init ignores SIGKILL from inside, so it comes from the host.
    let pid = 0;
    const killed = await runHelper(containerPlan({ rootfs, host: [s("FOREGROUND")], argv: ["sleep", "30"] }), {
      onLine: (line) => {
        if (!line.startsWith("init ")) return;
        pid = Number(line.slice(5));
        killLater(pid);
        setTimeout(() => process.kill(pid, "SIGKILL"), 50);
      },
    });
    expect(pid).toBeGreaterThan(0);
    expect(killed.exitCode).toBe(137);
    expect(killed.lines.filter((l) => l.startsWith("error"))).toEqual([]);
  });

  test("foreground: signals to stage0 are forwarded to the init", async () => {
    const run = startHelper(
      containerPlan({ rootfs, host: [s("FOREGROUND")], argv: ["sh", "-c", "trap 'exit 42' TERM; echo ready; while :; do sleep 0.05; done"] }),
    );
    const pid = initPid(await run.done);
    killLater(pid);
    await Bun.sleep(100); // let the shell install its trap
    process.kill(run.pid, "SIGTERM");
    const r = await run.result;
    expect(r.stdout).toBe("ready\n");
    expect(r.exitCode).toBe(42);
  });

  test("a failing step reports `error <origin> <errno> <message>` and nothing after it runs", async () => {
    const plan = containerPlan({ rootfs, host: [s("FOREGROUND")], argv: ["sh", "-c", "echo ran"] });
    plan.init.splice(1, 0, s("MKDIR_IN_ROOT", "/mnt/x", 0o755), at(42, "MOUNT_IN_ROOT", "none", "/mnt/x", "nosuchfs", MS.NOSUID | MS.NODEV, "a=b"));
    const r = await runHelper(plan);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe("");
    const errors = r.lines.filter((l) => l.startsWith("error"));
    expect(errors).toEqual(['error 42 19 mount("none", "/mnt/x", "nosuchfs", MS_NOSUID|MS_NODEV, "a=b") failed']);
  });

  test("CVE-2024-21626: CHDIR into a helper fd that points outside the root is refused", async () => {
    // stage2 holds a few fds of its own at CHDIR time (its root, its host /proc/self/fd, ...).
    // A cwd of /proc/self/fd/N may land on the container root, but never outside it.
    const outcomes: string[] = [];
    for (let n = 3; n <= 8; n++) {
      const plan = containerPlan({ rootfs, host: [s("FOREGROUND")], argv: ["sh", "-c", "echo ran in $(pwd)"] });
      const exec = plan.init.findIndex((st) => st.op === "CLOSE_FDS");
      plan.init.splice(exec, 0, at(99, "CHDIR", `/proc/self/fd/${n}`));
      const r = await runHelper(plan);
      if (r.exitCode === 0) {
        expect(r.stdout).toBe("ran in /\n");
        outcomes.push("root");
      } else {
        expect(r.stdout).toBe("");
        expect(r.stderr).toMatch(/^bocker-init: error 99 \d+ (chdir|getcwd)/);
        outcomes.push(r.stderr.includes("outside") ? "refused" : "no-such-fd");
      }
    }
    expect(outcomes).toContain("refused"); // the host /proc/self/fd directory
  });

  test("stage1 errors carry their origin too", async () => {
    const plan = containerPlan({ rootfs, host: [s("FOREGROUND")], argv: ["true"] });
    plan.child = [s("AWAIT_RELEASE"), at(7, "SETNS", 5, CLONE.NEWNET), s("FORK_INIT")];
    const r = await runHelper(plan);
    expect(r.exitCode).toBe(1);
    expect(r.lines).toEqual(["error 7 9 slot 5 holds no fd (no HOST step opened it)"]);
  });
});
