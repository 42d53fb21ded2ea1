import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describeRoot } from "../../fixtures/root.ts";
import { RuntimeSuite } from "./harness.ts";

describeRoot("bocker-runtime container process and filesystem", () => {
  let s: RuntimeSuite;
  beforeAll(() => {
    s = new RuntimeSuite("process");
  });
  afterEach(async () => {
    await s.cleanup.run();
  });
  afterAll(() => s?.remove());

  test("user, groups, umask, cwd, env, hostname, domainname, rlimits", async () => {
    const r = await s.rt([
      "run",
      "--bundle",
      s.bundle(["sh", "-c", "id; umask; pwd; echo $FOO; hostname; cat /proc/sys/kernel/domainname; ulimit -n; ulimit -Hn"], (c) => {
        c.process!.user = { uid: 1000, gid: 1001, additionalGids: [5, 7], umask: 0o027 };
        c.process!.cwd = "/tmp";
        c.process!.env = ["PATH=/bin", "FOO=bar baz"];
        c.hostname = "box1";
        c.domainname = "example.org";
        c.process!.rlimits = [{ type: "RLIMIT_NOFILE", soft: 123, hard: 456 }];
      }),
      s.id(),
    ]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("uid=1000 gid=1001 groups=5,7\n0027\n/tmp\nbar baz\nbox1\nexample.org\n123\n456\n");
    expect(r.code).toBe(0);
  });

  test("stdio opened outside is given to the container's user, /dev/null is left alone (runc fixStdioPermissions)", async () => {
    const script = "stat -L -c '%u %g' /proc/self/fd/1 /proc/self/fd/2; stat -L -c %u /proc/self/fd/0; echo reopened >> /proc/self/fd/1";
    const r = await s.rt(["run", "--bundle", s.bundle(["sh", "-c", script], (c) => (c.process!.user = { uid: 1000, gid: 1001 })), s.id()]);
    // stdout and stderr are the harness's files (root's): now uid 1000, group kept; stdin is /dev/null.
    expect(r).toEqual({ code: 0, stdout: "1000 0\n1000 0\n0\nreopened\n", stderr: "" });
  });

  test("mounts of several kinds, in order, with their options; read-only root; masked and read-only paths", async () => {
    const host = join(s.dir, "shared");
    mkdirSync(host, { recursive: true });
    writeFileSync(join(host, "hello"), "from host\n");
    const r = await s.rt([
      "run",
      "--bundle",
      s.bundle(["sh", "-c", "cat /data/hello; touch /data/x 2>&1 | grep -o 'Read-only'; grep -E ' /(data|tmp|dev/shm|proc|sys|proc/sys) ' /proc/self/mounts | cut -d' ' -f2,4 | cut -d, -f1; touch /rootfile 2>&1 | grep -o 'Read-only'; cat /proc/kcore | wc -c"], (c) => {
        c.mounts!.push({ destination: "/data", source: host, type: "bind", options: ["rbind", "ro", "nosuid"] });
        c.mounts!.push({ destination: "/tmp", source: "tmpfs", type: "tmpfs", options: ["size=1m", "mode=1777"] });
      }),
      s.id(),
    ]);
    expect(r.stdout).toBe(["from host", "Read-only", "/proc rw", "/dev/shm rw", "/sys ro", "/data ro", "/tmp rw", "/proc/sys ro", "Read-only", "0", ""].join("\n"));
    expect(r.code).toBe(0);
  });

  test("a cwd missing from the rootfs is created (runc)", async () => {
    const r = await s.rt(["run", "--bundle", s.bundle(["pwd"], (c) => (c.process!.cwd = "/work/dir")), s.id()]);
    expect(r).toEqual({ code: 0, stdout: "/work/dir\n", stderr: "" });
  });

  test("default devices, /dev symlinks and linux.devices", async () => {
    const r = await s.rt([
      "run",
      "--bundle",
      s.bundle(["sh", "-c", "ls -l /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty /dev/mydev | awk '{print $1, $5, $6, $NF}'; for l in /dev/fd /dev/stdin /dev/ptmx; do readlink $l; done; head -c 3 /dev/zero | wc -c"], (c) => {
        c.linux!.devices = [{ type: "c", path: "/dev/mydev", major: 1, minor: 3, fileMode: 0o600, uid: 0, gid: 0 }];
      }),
      s.id(),
    ]);
    expect(r.stdout).toBe(
      [
        "crw-rw-rw- 1, 7 /dev/full",
        "crw------- 1, 3 /dev/mydev",
        "crw-rw-rw- 1, 3 /dev/null",
        "crw-rw-rw- 1, 8 /dev/random",
        "crw-rw-rw- 5, 0 /dev/tty",
        "crw-rw-rw- 1, 9 /dev/urandom",
        "crw-rw-rw- 1, 5 /dev/zero",
        "/proc/self/fd",
        "/proc/self/fd/0",
        "pts/ptmx",
        "3",
        "",
      ].join("\n"),
    );
  });

  test("namespaces: pid 1 inside, own hostname, own network with only loopback", async () => {
    const r = await s.rt(["run", "--bundle", s.bundle(["sh", "-c", "echo $$; ls /sys/class/net"]), s.id()]);
    expect(r.stdout).toBe("1\nlo\n");
  });

  test("capabilities and no_new_privs as configured, with the default seccomp profile", async () => {
    const r = await s.rt([
      "run",
      "--bundle",
      s.bundle(["sh", "-c", "grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/self/status"], (c) => {
        c.linux!.seccomp = (require("../../../runtime/lib/default-spec.ts") as typeof import("../../../runtime/lib/default-spec.ts")).defaultSpec().linux!.seccomp;
      }),
      s.id(),
    ]);
    expect(r.stdout).toBe("CapEff:\t0000000020000420\nCapBnd:\t0000000020000420\nNoNewPrivs:\t1\nSeccomp:\t2\n");
  });

  test("a failing step is reported with its config.json pointer and nothing is left", async () => {
    const id = s.id();
    const r = await s.rt(["run", "--bundle", s.bundle(["true"], (c) => c.mounts!.push({ destination: "/x", source: "none", type: "bogusfs" })), id]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/mount bogusfs none on \/x \(0\): ENODEV \(.*config\.json \/mounts\/7\)/);
    expect((await s.rt(["list", "-q"])).stdout).not.toContain(id);
  });

  test("a missing executable fails create and names process.args", async () => {
    const r = await s.rt(["run", "--bundle", s.bundle(["/no/such/binary"]), s.id()]);
    expect(r.code).not.toBe(0);
  });

  test("--preserve-fds passes fds 3.. to the container; others are closed", async () => {
    const proc = Bun.spawn(["sh", "-c", `exec 3<${s.rootfs}/etc/hostname; exec "$@"`, "sh", s.binary, "--root", s.root, "run", "--preserve-fds", "1", "--bundle", s.bundle(["sh", "-c", "cat <&3; ls /proc/self/fd | sort -n | tr '\\n' ' '"]), s.id()], { stdout: "pipe", stderr: "pipe" });
    expect(await new Response(proc.stdout).text()).toBe("busybox\n0 1 2 3 4 ");
    expect(await proc.exited).toBe(0);
  });
});
