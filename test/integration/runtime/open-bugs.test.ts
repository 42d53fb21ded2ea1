/**
 * Regression tests for bugs found by the conformance suite and by podman/containerd: /dev/console
 * with a terminal, pivot_root under a shared parent mount, process.scheduler, tmpcopyup over
 * content, the create/start race of a process that exits at once, ambient capabilities outside
 * permitted ∩ inheritable, long validation errors, and LSM labels on a host without the LSM.
 */
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync, chmodSync, chownSync } from "node:fs";
import { join } from "node:path";
import { describeRoot } from "../../fixtures/root.ts";
import { makeBusyboxRootfs } from "../../../common/busybox-rootfs.ts";
import { RuntimeSuite } from "./harness.ts";
import type { Spec } from "../../../runtime/lib/spec-types.ts";

describeRoot("bocker-runtime open bugs", () => {
  let s: RuntimeSuite;
  beforeAll(() => {
    s = new RuntimeSuite("bugs");
  });
  afterEach(async () => {
    await s.cleanup.run();
  });
  afterAll(() => s?.remove());

  test("terminal: the pty is bound onto /dev/console (config-linux.md)", async () => {
    const script = "stat -c %t:%T /dev/console; tty; grep -c ' /dev/console ' /proc/self/mountinfo; [ /dev/console -ef $(tty) ] && echo same";
    const r = await s.rt(["run", "--bundle", s.bundle(["sh", "-c", script], (c) => (c.process!.terminal = true)), s.id()]);
    expect(r.stdout.replaceAll("\r", "")).toBe("88:0\n/dev/pts/0\n1\nsame\n");
    expect(r.code).toBe(0);
  });

  test("terminal: process.consoleSize is the pty's size at start", async () => {
    const r = await s.rt(["run", "--bundle", s.bundle(["stty", "size"], (c) => {
      c.process!.terminal = true;
      c.process!.consoleSize = { height: 31, width: 107 };
    }), s.id()]);
    expect(r.stdout.replaceAll("\r", "")).toBe("31 107\n");
    expect(r.code).toBe(0);
  });

  test("terminal: the pty slave belongs to the container's user (runc fixStdioPermissions)", async () => {
    const r = await s.rt(["run", "--bundle", s.bundle(["sh", "-c", "stat -c %u $(tty)"], (c) => {
      c.process!.terminal = true;
      c.process!.user = { uid: 1000, gid: 1000 };
    }), s.id()]);
    expect(r.stdout.replaceAll("\r", "").trim()).toBe("1000");
    expect(r.code).toBe(0);
  });

  test("rootfsPropagation private and shared pivot when the bundle is on a shared mount (runc rootfsParentMountPrivate)", async () => {
    const shared = join(s.dir, "shared-mnt");
    mkdirSync(shared);
    expect(Bun.spawnSync(["mount", "-t", "tmpfs", "tmpfs", shared]).exitCode).toBe(0);
    s.cleanup.add(`umount ${shared}`, () => {
      Bun.spawnSync(["umount", "-l", shared]);
    });
    expect(Bun.spawnSync(["mount", "--make-shared", shared]).exitCode).toBe(0);
    const rootfs = makeBusyboxRootfs(join(shared, "rootfs"));
    for (const propagation of ["private", "shared", "slave"] as const) {
      const r = await s.rt(["run", "--bundle", s.bundle(["sh", "-c", "echo ok"], (c) => {
        c.root = { path: rootfs };
        c.linux!.rootfsPropagation = propagation;
      }), s.id()]);
      expect({ propagation, ...r }).toEqual({ propagation, code: 0, stdout: "ok\n", stderr: "" });
    }
    // The host's shared mount is still shared: only the container's copy was made private.
    expect(readFileSync("/proc/self/mountinfo", "utf8").split("\n").find((l) => l.split(" ")[4] === shared)).toMatch(/ shared:\d+/);
  });

  test("process.scheduler: policy and nice reach the process; an unknown policy is a config error with its pointer", async () => {
    const r = await s.rt(["run", "--bundle", s.bundle(["sh", "-c", "grep -E '^(policy|prio) ' /proc/self/sched | tr -s ' '"], (c) => {
      c.process!.scheduler = { policy: "SCHED_BATCH", nice: 5 };
    }), s.id()]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("policy : 3\nprio : 125\n");
    const bad = await s.rt(["create", "--bundle", s.bundle(["true"], (c) => {
      c.process!.scheduler = { policy: "SCHED_FANCY" as never }; // outside the schema's enum on purpose
    }), s.id()]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("/process/scheduler/policy");
  });

  test("tmpcopyup over content: a tmpfs with the same files, links, modes and owners (podman run --read-only)", async () => {
    const rootfs = makeBusyboxRootfs(join(s.dir, "copyup-rootfs"));
    const data = join(rootfs, "data");
    mkdirSync(join(data, "sub"), { recursive: true });
    writeFileSync(join(data, "file"), "content\n");
    writeFileSync(join(data, "sub", "deep"), "deep\n");
    chmodSync(join(data, "sub"), 0o710);
    chownSync(join(data, "file"), 1000, 1001);
    chmodSync(data, 0o750);
    symlinkSync("/etc/passwd", join(data, "link")); // copied as a link, never followed
    const script = "grep ' /data ' /proc/mounts | cut -d' ' -f3; cat /data/file /data/sub/deep; readlink /data/link; stat -c '%a %u:%g' /data /data/sub /data/file; echo new > /data/new && cat /data/new; touch /etc/x 2>&1 | grep -o Read-only";
    const r = await s.rt(["run", "--bundle", s.bundle(["sh", "-c", script], (c) => {
      c.root = { path: rootfs, readonly: true };
      c.mounts!.push({ destination: "/data", source: "tmpfs", type: "tmpfs", options: ["tmpcopyup", "nosuid", "nodev", "size=1m"] });
    }), s.id()]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("tmpfs\ncontent\ndeep\n/etc/passwd\n750 0:0\n710 0:0\n644 1000:1001\nnew\nRead-only\n");
    expect(r.code).toBe(0);
    expect(existsSync(join(data, "new"))).toBe(false); // the image is untouched
  });

  test("create/start of a process that exits at once, many times: start never reports it exited before it started", async () => {
    for (let i = 0; i < 25; i++) {
      const id = s.id();
      const created = await s.rt(["create", "--bundle", s.bundle(["true"]), id]);
      expect(created).toEqual({ code: 0, stdout: "", stderr: "" });
      const started = await s.rt(["start", id]);
      expect({ i, ...started }).toEqual({ i, code: 0, stdout: "", stderr: "" });
      await s.cleanup.run();
    }
  }, 60_000);

  test("runc spec's default config (ambient without inheritable) creates; the skipped ambient capabilities are noted at --debug and in --log only, never on the terminal", async () => {
    const bundle = join(s.dir, "runc-spec");
    mkdirSync(bundle);
    expect(Bun.spawnSync(["runc", "spec", "--bundle", bundle]).exitCode).toBe(0);
    const spec = JSON.parse(readFileSync(join(bundle, "config.json"), "utf8")) as Spec;
    expect(spec.process!.capabilities!.ambient?.length).toBeGreaterThan(0);
    spec.root = { path: s.rootfs, readonly: true };
    spec.process!.terminal = false;
    spec.process!.args = ["sh", "-c", "grep CapAmb /proc/self/status"];
    writeFileSync(join(bundle, "config.json"), JSON.stringify(spec));
    const r = await s.rt(["run", "--bundle", bundle, s.id()]);
    expect(r).toEqual({ code: 0, stdout: "CapAmb:\t0000000000000000\n", stderr: "" });
    const log = join(s.dir, "ambient.log");
    expect((await s.rt(["--log", log, "run", "--bundle", bundle, s.id()])).stderr).toBe("");
    expect(readFileSync(log, "utf8")).toContain("level=info msg=\"config.json /process/capabilities/ambient/1: ambient capability CAP_KILL is not both permitted and inheritable; skipped");
    expect((await s.rt(["--debug", "run", "--bundle", bundle, s.id()])).stderr).toContain("ambient capability CAP_KILL is not both permitted and inheritable; skipped");

    // In both sets it is raised.
    const raised = await s.rt(["run", "--bundle", s.bundle(["sh", "-c", "grep CapAmb /proc/self/status"], (c) => {
      c.process!.user = { uid: 1000, gid: 1000 };
      c.process!.capabilities = { bounding: ["CAP_NET_BIND_SERVICE"], permitted: ["CAP_NET_BIND_SERVICE"], inheritable: ["CAP_NET_BIND_SERVICE"], ambient: ["CAP_NET_BIND_SERVICE"] };
    }), s.id()]);
    expect(raised).toEqual({ code: 0, stdout: "CapAmb:\t0000000000000400\n", stderr: "" });
  });

  test("a config with many schema issues: the first few and a count, and the JSON log stays one object per line", async () => {
    const log = join(s.dir, "many-issues.log");
    const bundle = s.bundle(["true"], (c) => {
      c.mounts = Array.from({ length: 30 }, () => ({ destination: 7 as unknown as string, type: "tmpfs" }));
    });
    const id = s.id();
    const r = await s.rt(["--log", log, "--log-format", "json", "create", "--bundle", bundle, id]);
    expect(r.code).toBe(1);
    expect(r.stderr.split("\n").filter((l) => l.includes("/mounts/")).length).toBe(5);
    expect(r.stderr).toMatch(/and \d+ more issues/);
    const lines = readFileSync(log, "utf8").trim().split("\n");
    for (const line of lines) expect(JSON.parse(line).level).toBeDefined();
    expect(JSON.parse(lines.at(-1)!).msg).toMatch(/and \d+ more issues$/);
    expect(existsSync(join(s.root, id))).toBe(false);
  });

  test("apparmorProfile, selinuxLabel and mountLabel on a host without the LSM: a clear error at create, nothing made", async () => {
    const cases: [string, (c: Spec) => void, RegExp][] = [
      ["/process/apparmorProfile", (c) => (c.process!.apparmorProfile = "docker-default"), /AppArmor is not enabled on this host/],
      ["/process/selinuxLabel", (c) => (c.process!.selinuxLabel = "system_u:system_r:container_t:s0"), /SELinux is not enabled on this host/],
      ["/linux/mountLabel", (c) => (c.linux!.mountLabel = "system_u:object_r:container_file_t:s0"), /SELinux is not enabled on this host/],
    ];
    for (const [pointer, mut, message] of cases) {
      const id = s.id();
      const r = await s.rt(["create", "--bundle", s.bundle(["true"], mut), id]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(pointer);
      expect(r.stderr).toMatch(message);
      expect(existsSync(join(s.root, id))).toBe(false);
    }
    expect(existsSync(s.root) ? readdirSync(s.root).filter((n) => !n.startsWith(".")) : []).toEqual([]);
  });
});
