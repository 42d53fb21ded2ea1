/**
 * Namespaces and mounts as runc sets them up (issue #12): loopback up in a new network namespace,
 * no mount namespace, a hostname in a joined uts namespace, a read-only /dev filled first, and a
 * cwd only root may enter for a non-root user.
 */
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describeRoot } from "../../fixtures/root.ts";
import { makeBusyboxRootfs } from "../../../common/busybox-rootfs.ts";
import { RuntimeSuite } from "./harness.ts";

/** Mount points at or below dir in our mount namespace, deepest first. */
function mountsUnder(dir: string): string[] {
  return readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[4] ?? "")
    .filter((p) => p === dir || p.startsWith(`${dir}/`))
    .reverse();
}

function rootPropagation(): string {
  const line = readFileSync("/proc/self/mountinfo", "utf8").split("\n").find((l) => l.split(" ")[4] === "/")!;
  return line.split(" - ")[0]!.split(" ").slice(6).join(" ");
}

describeRoot("bocker-runtime namespaces and mounts (runc parity)", () => {
  let s: RuntimeSuite;
  beforeAll(() => {
    s = new RuntimeSuite("nsmounts");
  });
  afterEach(async () => {
    await s.cleanup.run();
  });
  afterAll(() => s?.remove());

  test("a new network namespace has lo up; a joined one is left as it is", async () => {
    const own = await s.rt(["run", "--bundle", s.bundle(["cat", "/sys/class/net/lo/flags"]), s.id()]);
    expect(own).toEqual({ code: 0, stdout: "0x9\n", stderr: "" }); // IFF_UP|IFF_LOOPBACK
    const name = `bocker-lo-${process.pid}`;
    expect(Bun.spawnSync(["ip", "netns", "add", name]).exitCode).toBe(0);
    s.cleanup.add(`ip netns del ${name}`, () => Bun.spawnSync(["ip", "netns", "del", name]));
    const joined = await s.rt(["run", "--bundle", s.bundle(["cat", "/sys/class/net/lo/flags"], (c) => {
      c.linux!.namespaces = c.linux!.namespaces!.map((n) => (n.type === "network" ? { type: "network", path: `/run/netns/${name}` } : n));
    }), s.id()]);
    expect(joined).toEqual({ code: 0, stdout: "0x8\n", stderr: "" });
  });

  test("no mount namespace: the runtime's own, entered by chroot, and the host's / propagation untouched", async () => {
    const rootfs = makeBusyboxRootfs(join(s.dir, "nomntns-rootfs"));
    s.cleanup.add("unmount what the container mounted in our namespace", () => {
      for (const m of mountsUnder(rootfs)) Bun.spawnSync(["umount", "-l", m]);
    });
    const before = rootPropagation();
    const r = await s.rt(["run", "--bundle", s.bundle(["sh", "-c", "readlink /proc/self/ns/mnt; ls /bin/busybox"], (c) => {
      c.root = { path: rootfs };
      c.linux!.namespaces = c.linux!.namespaces!.filter((n) => n.type !== "mount");
      c.mounts = c.mounts!.filter((m) => m.destination === "/proc");
      delete c.linux!.maskedPaths;
      delete c.linux!.readonlyPaths;
    }), s.id()]);
    expect(r).toEqual({ code: 0, stdout: `${readlinkSync("/proc/self/ns/mnt")}\n/bin/busybox\n`, stderr: "" });
    expect(rootPropagation()).toBe(before);
    expect(mountsUnder(rootfs)).toEqual([join(rootfs, "proc")]); // the mounts are the runtime's (runc)

    // What would change the runtime's own mounts is refused before anything runs.
    for (const [pointer, mut] of [
      ["/linux/maskedPaths", () => {}],
      ["/root/readonly", (c: { linux?: { maskedPaths?: string[]; readonlyPaths?: string[] } }) => {
        delete c.linux!.maskedPaths;
        delete c.linux!.readonlyPaths;
      }],
    ] as const) {
      const refused = await s.rt(["create", "--bundle", s.bundle(["true"], (c) => {
        c.linux!.namespaces = c.linux!.namespaces!.filter((n) => n.type !== "mount");
        c.mounts = [];
        mut(c);
      }), s.id()]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(pointer);
    }
  });

  test("rootfsPropagation shared and unbindable are the container root's (runtime-tools linux_rootfs_propagation)", async () => {
    const script = "awk '$5 == \"/\" {print $7}' /proc/self/mountinfo | cut -d: -f1";
    for (const [value, expected] of [["shared", "shared"], ["unbindable", "unbindable"]] as const) {
      const r = await s.rt(["run", "--bundle", s.bundle(["sh", "-c", script], (c) => (c.linux!.rootfsPropagation = value)), s.id()]);
      expect({ value, ...r }).toEqual({ value, code: 0, stdout: `${expected}\n`, stderr: "" });
    }
  });

  test("--no-pivot: the host's proc and sysfs are not left reachable, so no new proc can be mounted (runc msMoveRoot)", async () => {
    // Without the default seccomp profile (testSpec drops it), which would refuse unshare anyway,
    // and as a non-root user: mapping uid 0 into a new user namespace needs CAP_SETFCAP (5.12+).
    const script = "unshare -mrpf mount -t proc none /proc 2>/dev/null && echo mounted-proc || echo refused; unshare -mrnf mount -t sysfs none /sys 2>/dev/null && echo mounted-sysfs || echo refused";
    const r = await s.rt(["run", "--no-pivot", "--bundle", s.bundle(["sh", "-c", script], (c) => (c.process!.user = { uid: 1000, gid: 1000 })), s.id()]);
    expect(r).toEqual({ code: 0, stdout: "refused\nrefused\n", stderr: "" });
    // The runtime's own namespace keeps its /proc and /sys.
    expect(readFileSync("/proc/self/mountinfo", "utf8")).toMatch(/ \/proc rw[^\n]* - proc /);
  });

  test.skipIf(!existsSync("/sys/fs/cgroup/unified"))("user namespace without a cgroup namespace on a hybrid host: the cgroup hierarchies are bind-mounted (runc's EPERM fallback)", async () => {
    const script = "ls /sys/fs/cgroup/unified/cgroup.procs /sys/fs/cgroup/pids/pids.max; touch /sys/fs/cgroup/x 2>&1 | grep -o Read-only";
    const r = await s.rt(["run", "--bundle", s.bundle(["sh", "-c", script], (c) => {
      c.linux!.namespaces = c.linux!.namespaces!.filter((n) => n.type !== "cgroup");
      c.linux!.namespaces!.push({ type: "user" });
      c.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      c.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    }), s.id()]);
    expect(r).toEqual({ code: 0, stdout: "/sys/fs/cgroup/pids/pids.max\n/sys/fs/cgroup/unified/cgroup.procs\nRead-only\n", stderr: "" });
  });

  test("user namespace: bind sources under a directory only host root may search are opened by the runtime (runc mount sources)", async () => {
    const privateDir = join(s.dir, "private");
    mkdirSync(join(privateDir, "data"), { recursive: true });
    writeFileSync(join(privateDir, "data", "file"), "secret-ok\n");
    writeFileSync(join(privateDir, "single"), "single-ok\n");
    chmodSync(privateDir, 0o700);
    // The mount points exist: the mapped root may not create entries in a rootfs owned by host root.
    const rootfs = makeBusyboxRootfs(join(s.dir, "userns-bind-rootfs"));
    mkdirSync(join(rootfs, "data"));
    writeFileSync(join(rootfs, "single"), "");
    const r = await s.rt(["run", "--bundle", s.bundle(["sh", "-c", "cat /data/file /single; grep -c ' /data ' /proc/self/mountinfo; touch /data/x 2>&1 | grep -o Read-only"], (c) => {
      c.linux!.namespaces!.push({ type: "user" });
      c.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      c.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      c.root = { path: rootfs, readonly: true };
      c.mounts!.push({ destination: "/data", type: "bind", source: join(privateDir, "data"), options: ["rbind", "ro"] });
      c.mounts!.push({ destination: "/single", type: "bind", source: join(privateDir, "single"), options: ["bind"] });
    }), s.id()]);
    expect(r).toEqual({ code: 0, stdout: "secret-ok\nsingle-ok\n1\nRead-only\n", stderr: "" });
  });

  test("hostname in a uts namespace joined by path (runc: Namespaces.Contains)", async () => {
    const holder = Bun.spawn(["unshare", "--uts", "sleep", "60"]);
    s.cleanup.add(`kill ${holder.pid}`, () => holder.kill());
    const utsPath = `/proc/${holder.pid}/ns/uts`;
    const host = readlinkSync("/proc/self/ns/uts");
    for (let i = 0; i < 100 && readlinkSync(utsPath) === host; i++) await Bun.sleep(10);
    const r = await s.rt(["run", "--bundle", s.bundle(["hostname"], (c) => {
      c.hostname = "joined-uts";
      c.linux!.namespaces = c.linux!.namespaces!.map((n) => (n.type === "uts" ? { type: "uts", path: utsPath } : n));
    }), s.id()]);
    expect(r).toEqual({ code: 0, stdout: "joined-uts\n", stderr: "" });
    const seen = Bun.spawnSync(["nsenter", `--uts=${utsPath}`, "hostname"]).stdout.toString();
    expect(seen).toBe("joined-uts\n");
  });

  test("/dev mounted ro: filled first (devices, /dev/pts, /dev/shm), read-only at the end (runc finalizeRootfs)", async () => {
    const script = "ls /dev/null /dev/pts/ptmx >/dev/null && grep -E ' /dev (rw|ro)' /proc/self/mountinfo | cut -d' ' -f5,6 | cut -d, -f1; touch /dev/x 2>&1 | grep -o Read-only";
    const r = await s.rt(["run", "--bundle", s.bundle(["sh", "-c", script], (c) => {
      c.mounts = c.mounts!.map((m) => (m.destination === "/dev" ? { ...m, options: [...(m.options ?? []), "ro"] } : m));
    }), s.id()]);
    expect(r).toEqual({ code: 0, stdout: "/dev ro\nRead-only\n", stderr: "" });
  });

  test("a cwd only root may enter, for a non-root user: chdir before the privilege drop (runc finalizeNamespace)", async () => {
    const rootfs = makeBusyboxRootfs(join(s.dir, "cwd-rootfs"));
    mkdirSync(join(rootfs, "secret"));
    chmodSync(join(rootfs, "secret"), 0o700);
    const r = await s.rt(["run", "--bundle", s.bundle(["sh", "-c", "pwd; id -u; ls . 2>&1 | grep -o 'Permission denied'"], (c) => {
      c.root = { path: rootfs, readonly: true };
      c.process!.cwd = "/secret";
      c.process!.user = { uid: 1000, gid: 1000 };
    }), s.id()]);
    expect(r).toEqual({ code: 0, stdout: "/secret\n1000\nPermission denied\n", stderr: "" });
  });

  test("a cwd only the user may enter: the chdir is retried after the privilege drop", async () => {
    // In a user namespace root overrides permissions only on inodes whose owner and group are both
    // mapped (capabilities(7)): a directory of container uid 1000 with an unmapped group refuses root.
    const rootfs = makeBusyboxRootfs(join(s.dir, "usercwd-rootfs"));
    const home = join(rootfs, "home1000");
    mkdirSync(home);
    chmodSync(home, 0o700);
    expect(Bun.spawnSync(["chown", "201000:5", home]).exitCode).toBe(0);
    const r = await s.rt(["run", "--bundle", s.bundle(["pwd"], (c) => {
      c.root = { path: rootfs, readonly: true };
      c.process!.cwd = "/home1000";
      c.process!.user = { uid: 1000, gid: 1000 };
      c.linux!.namespaces!.push({ type: "user" });
      c.linux!.uidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
      c.linux!.gidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
      c.mounts = c.mounts!.filter((m) => m.type !== "cgroup");
    }), s.id()]);
    expect(r).toEqual({ code: 0, stdout: "/home1000\n", stderr: "" });
  });

  test("seccomp without no_new_privs that denies getcwd: the cwd is checked before the filter", async () => {
    const r = await s.rt(["run", "--bundle", s.bundle(["/bin/echo", "ok"], (c) => {
      c.process!.noNewPrivileges = false;
      c.linux!.seccomp = { defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["getcwd"], action: "SCMP_ACT_ERRNO" }] };
    }), s.id()]);
    expect(r).toEqual({ code: 0, stdout: "ok\n", stderr: "" });
  });
});
