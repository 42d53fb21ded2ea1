/**
 * linux.netDevices (runtime-spec 1.3, runc 1.2 semantics): a host interface (one end of a veth
 * pair the test makes) is moved into the container's network namespace and renamed; delete moves it back under
 * its host name while the namespace exists. A namespace of the container's own that died with its
 * init has taken a virtual device with it (the kernel's rule for netns teardown).
 */
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { describeRoot } from "../../fixtures/root.ts";
import { RuntimeSuite, waitFor } from "./harness.ts";

describeRoot("bocker-runtime linux.netDevices", () => {
  let s: RuntimeSuite;
  let n = 0;
  beforeAll(() => {
    s = new RuntimeSuite("netdev");
  });
  afterEach(async () => {
    await s.cleanup.run();
  });
  afterAll(() => s?.remove());

  /**
   * A veth pair on the host (this kernel has no dummy driver): the first end is the device to move,
   * its peer stays; deleting either end, wherever it is by then, removes both when the test ends.
   */
  function veth(): string {
    const name = `bk${process.pid % 100000}v${++n}`;
    expect(Bun.spawnSync(["ip", "link", "add", name, "type", "veth", "peer", "name", `${name}p`]).exitCode).toBe(0);
    s.cleanup.add(`ip link del ${name}p`, () => Bun.spawnSync(["ip", "link", "del", `${name}p`], { stderr: "ignore" }));
    return name;
  }
  const onHost = (name: string) => existsSync(`/sys/class/net/${name}`);

  test("moved in and renamed; delete --force moves it back under its host name", async () => {
    const dev = veth();
    const id = s.id();
    const bundle = s.bundle(["sh", "-c", "ls /sys/class/net | tr '\\n' ' '; echo; sleep 1000"], (c) => (c.linux!.netDevices = { [dev]: { name: "ctr0" } }));
    const out = `${s.dir}/${id}.out`;
    const proc = Bun.spawn([s.binary, "--root", s.root, "run", "-d", "--bundle", bundle, id], { stdout: Bun.file(out), stderr: "pipe" });
    expect(await proc.exited).toBe(0);
    await waitFor(async () => (await Bun.file(out).text()).includes("\n"), "container output");
    expect((await Bun.file(out).text()).trim().split(" ").sort()).toEqual(["ctr0", "lo"]);
    expect(onHost(dev)).toBe(false);
    const del = await s.rt(["delete", "--force", id]);
    expect(del).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(onHost(dev)).toBe(true);
    expect(onHost("ctr0")).toBe(false);
  });

  test("without a name the device keeps its own; a plain delete of a created container moves it back too", async () => {
    const dev = veth();
    const id = s.id();
    expect((await s.rt(["create", "--bundle", s.bundle(["true"], (c) => (c.linux!.netDevices = { [dev]: {} })), id])).code).toBe(0);
    const pid = (await s.state(id)).pid as number;
    const inside = Bun.spawnSync(["nsenter", "-t", String(pid), "-n", "ip", "-o", "link", "show", dev]);
    expect(inside.exitCode).toBe(0);
    expect(onHost(dev)).toBe(false);
    expect((await s.rt(["delete", id])).code).toBe(0);
    expect(onHost(dev)).toBe(true);
  });

  test("in a user namespace too: stage0, host root, moves it into the namespace the container's root owns", async () => {
    const dev = veth();
    const map = [{ containerID: 0, hostID: 100000, size: 65536 }];
    const r = await s.rt(["run", "--bundle", s.bundle(["sh", "-c", "ls /sys/class/net | tr '\\n' ' '"], (c) => {
      c.linux!.namespaces!.push({ type: "user" });
      c.linux!.uidMappings = map;
      c.linux!.gidMappings = map;
      c.linux!.netDevices = { [dev]: { name: "ctr0" } };
    }), s.id()]);
    expect(r).toEqual({ code: 0, stdout: "ctr0 lo ", stderr: "" });
  });

  test("a joined network namespace outlives the container: delete of the stopped container moves the device back", async () => {
    const dev = veth();
    const netns = `bocker-nd-${process.pid}`;
    expect(Bun.spawnSync(["ip", "netns", "add", netns]).exitCode).toBe(0);
    s.cleanup.add(`ip netns del ${netns}`, () => Bun.spawnSync(["ip", "netns", "del", netns]));
    const id = s.id();
    const r = await s.rt(["run", "--keep", "--bundle", s.bundle(["ls", "/sys/class/net"], (c) => {
      c.linux!.namespaces = c.linux!.namespaces!.map((ns) => (ns.type === "network" ? { type: "network", path: `/run/netns/${netns}` } : ns));
      c.linux!.netDevices = { [dev]: { name: "ctr0" } };
    }), id]);
    expect(r).toEqual({ code: 0, stdout: "ctr0\nlo\n", stderr: "" });
    expect(onHost(dev)).toBe(false);
    expect((await s.state(id)).status).toBe("stopped");
    expect(await s.rt(["delete", id])).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(onHost(dev)).toBe(true);
  });

  test("a container that exited took its namespace, and the virtual device (both veth ends), with it (kernel netns teardown)", async () => {
    const dev = veth();
    const r = await s.rt(["run", "--bundle", s.bundle(["true"], (c) => (c.linux!.netDevices = { [dev]: { name: "ctr0" } })), s.id()]);
    expect(r).toEqual({ code: 0, stdout: "", stderr: "" });
    await waitFor(() => !onHost(dev) && !onHost(`${dev}p`) && !onHost("ctr0"), "the veth pair to be gone");
  });

  test("errors: a device the host does not have, no network namespace, a bad name", async () => {
    const id = s.id();
    const missing = await s.rt(["create", "--bundle", s.bundle(["true"], (c) => (c.linux!.netDevices = { bkdnosuchdev: {} })), id]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("bkdnosuchdev");
    expect(missing.stderr).toContain("/linux/netDevices");
    expect((await s.rt(["state", id])).code).not.toBe(0);
    const dev = veth();
    const hostNet = await s.rt(["create", "--bundle", s.bundle(["true"], (c) => {
      c.linux!.netDevices = { [dev]: {} };
      c.linux!.namespaces = c.linux!.namespaces!.filter((ns) => ns.type !== "network");
    }), s.id()]);
    expect(hostNet.code).not.toBe(0);
    expect(hostNet.stderr).toContain("config.json /linux/netDevices: moving network devices needs a network namespace");
    const bad = await s.rt(["create", "--bundle", s.bundle(["true"], (c) => (c.linux!.netDevices = { [dev]: { name: "a/b" } })), s.id()]);
    expect(bad.stderr).toContain(`/linux/netDevices/${dev}/name`);
    expect(onHost(dev)).toBe(true);
  });
});
