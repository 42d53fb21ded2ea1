import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { describeRoot } from "../../fixtures/root.ts";
import { RuntimeSuite } from "./harness.ts";

describeRoot("bocker-runtime namespaces and rootfs options", () => {
  let s: RuntimeSuite;
  beforeAll(() => {
    s = new RuntimeSuite("ns");
  });
  afterEach(async () => {
    await s.cleanup.run();
  });
  afterAll(() => s?.remove());

  test("a new user namespace with id mappings: root inside, unprivileged outside", async () => {
    const id = s.id();
    const r = await s.rt([
      "run",
      "--bundle",
      s.bundle(["sh", "-c", "id -u; cat /proc/self/uid_map | tr -s ' '; ls -ln /bin/busybox | awk '{print $3}'; echo x > /dev/null && echo devnull-ok"], (c) => {
        c.linux!.namespaces!.push({ type: "user" });
        c.linux!.uidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
        c.linux!.gidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
        c.mounts = c.mounts!.filter((m) => m.type !== "cgroup"); // cgroup v1 cannot be mounted from a user namespace
      }),
      id,
    ]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("0\n 0 200000 65536\n65534\ndevnull-ok\n");
  });

  test("a new time namespace with offsets", async () => {
    const r = await s.rt([
      "run",
      "--bundle",
      s.bundle(["sh", "-c", "cut -d. -f1 /proc/uptime"], (c) => {
        c.linux!.namespaces!.push({ type: "time" });
        c.linux!.timeOffsets = { boottime: { secs: 10_000_000 } };
      }),
      s.id(),
    ]);
    expect(Number(r.stdout)).toBeGreaterThan(10_000_000);
  });

  test("joining a network namespace by path; sysctls in it", async () => {
    const name = `bocker-rt-${process.pid}`;
    expect(Bun.spawnSync(["ip", "netns", "add", name]).exitCode).toBe(0);
    s.cleanup.add(`ip netns del ${name}`, () => Bun.spawnSync(["ip", "netns", "del", name]));
    const r = await s.rt([
      "run",
      "--bundle",
      s.bundle(["sh", "-c", "readlink /proc/self/ns/net; cat /proc/sys/net/ipv4/ip_forward"], (c) => {
        c.linux!.namespaces = c.linux!.namespaces!.map((n) => (n.type === "network" ? { type: "network", path: `/run/netns/${name}` } : n));
        c.linux!.sysctl = { "net.ipv4.ip_forward": "1" };
      }),
      s.id(),
    ]);
    expect(r.stderr).toBe("");
    const netns = Bun.spawnSync(["ip", "netns", "exec", name, "readlink", "/proc/self/ns/net"]).stdout.toString();
    expect(r.stdout).toBe(`${netns}1\n`);
    // the sysctl changed the joined namespace, not the host's
    expect(Bun.spawnSync(["ip", "netns", "exec", name, "cat", "/proc/sys/net/ipv4/ip_forward"]).stdout.toString()).toBe("1\n");
  });

  test("--no-pivot moves the rootfs onto / and chroots", async () => {
    const r = await s.rt(["run", "--no-pivot", "--bundle", s.bundle(["sh", "-c", "ls / | tr '\\n' ' '"]), s.id()]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("bin dev etc home proc root run sbin sys tmp usr var ");
  });

  test("rootfsPropagation and mount propagation options reach the kernel", async () => {
    const r = await s.rt([
      "run",
      "--bundle",
      s.bundle(["sh", "-c", "awk '$5 == \"/\" || $5 == \"/data\" {print $5, $7}' /proc/self/mountinfo"], (c) => {
        c.linux!.rootfsPropagation = "private";
        c.mounts!.push({ destination: "/data", source: "tmpfs", type: "tmpfs", options: ["shared"] });
      }),
      s.id(),
    ]);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toBe("/ -"); // private: no propagation group
    expect(lines[1]).toMatch(/^\/data shared:\d+$/);
  });
});
