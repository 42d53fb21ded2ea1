/**
 * checkpoint/restore through criu (#13), on the real kernel. criu is $BOCKER_CRIU or `criu` from
 * PATH; the tests that need a working criu skip, saying why, when `criu check` fails (Debian 12's
 * criu 3.17 cannot start on kernels >= 6.13: their vDSO has a [vvar_vclock] mapping it does not
 * know, fixed in criu 4.1). The error paths run with any criu, or none. test/v2/run.sh runs these
 * with Debian 12's criu 3.17 in its pure cgroup v2 VM (kernel 6.1); the waits there are stretched
 * (BOCKER_TEST_SLOWDOWN), and no assertion may depend on how fast the CPU is.
 */
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describeRoot } from "../../fixtures/root.ts";
import { PURE_V2, RuntimeSuite, defaultCgroupDirs, waitFor } from "./harness.ts";

const CRIU = process.env.BOCKER_CRIU ?? "criu";
const check = (() => {
  try {
    const r = Bun.spawnSync([CRIU, "check"], { stdout: "pipe", stderr: "pipe" });
    return { ok: r.exitCode === 0, why: `${CRIU} check: ${(r.stderr.toString() + r.stdout.toString()).trim().split("\n").slice(-3).join(" / ")}` };
  } catch (err) {
    return { ok: false, why: `${CRIU}: ${(err as Error).message}` };
  }
})();
if (!check.ok) console.warn(`checkpoint tests that need criu are skipped: ${check.why}`);
const withCriu = test.skipIf(!check.ok);

/** sh counting in the bind-mounted /data/count, one step every 50 ms; each start adds a line to /data/starts. */
const COUNTER = ["sh", "-c", "echo $$ >> /data/starts; i=0; while :; do i=$((i+1)); echo $i > /data/count; sleep 0.05; done"];

/** The memory line of /proc/PID/cgroup for the default path rule (v1: under the runtime's own cgroup; pure v2: the one "0::" line, under its parent). */
const memoryCgroupOf = (id: string) => new RegExp(PURE_V2 ? `^0::(/.*)?/${id}$` : `:memory:(/.*)?/${id}$`, "m");

describeRoot("bocker-runtime checkpoint and restore", () => {
  let s: RuntimeSuite;
  let data: string;
  beforeAll(() => {
    s = new RuntimeSuite("checkpoint");
    data = join(s.dir, "data");
    mkdirSync(data);
  });
  afterEach(async () => {
    await s.cleanup.run();
  });
  afterAll(() => s?.remove());

  const rt = (args: string[]) => s.rt(["--criu", CRIU, ...args]);
  const count = () => Number(readFileSync(join(data, "count"), "utf8").trim() || "0");
  const counterBundle = (mut: Parameters<RuntimeSuite["bundle"]>[1] = () => {}) =>
    s.bundle(COUNTER, (c) => {
      c.mounts!.push({ destination: "/data", type: "bind", source: data, options: ["rbind", "rw"] });
      mut(c);
    });
  const images = () => join(s.dir, `images-${Math.random().toString(36).slice(2)}`);
  const noCriuRoot = () => !readFileSync("/proc/self/mountinfo", "utf8").includes("/criu-root ");

  withCriu("a counter keeps its count across checkpoint and restore, with its own network namespace, a bind mount and its cgroups", async () => {
    const id = s.id();
    const bundle = counterBundle();
    rmSync(join(data, "starts"), { force: true });
    expect((await rt(["run", "-d", "--bundle", bundle, id])).code).toBe(0);
    await waitFor(() => existsSync(join(data, "count")) && count() >= 5, "the counter at 5");
    const img = images();
    const ck = await rt(["checkpoint", "--image-path", img, id]);
    expect(ck.stderr).toBe("");
    expect(ck.code).toBe(0);
    expect(existsSync(join(img, "inventory.img"))).toBe(true);
    expect((await s.state(id)).status).toBe("stopped");
    const saved = count();
    await Bun.sleep(200);
    expect(count()).toBe(saved);
    expect((await rt(["delete", id])).code).toBe(0);
    expect(defaultCgroupDirs(id).some((d) => existsSync(d))).toBe(false);

    const pidFile = join(s.dir, `${id}.pid`);
    const rs = await rt(["restore", "--detach", "--image-path", img, "--bundle", bundle, "--pid-file", pidFile, id]);
    expect(rs.stderr).toBe("");
    expect(rs.code).toBe(0);
    const st = await s.state(id);
    expect(st).toMatchObject({ id, status: "running", bundle });
    const pid = st.pid as number;
    expect(readFileSync(pidFile, "utf8")).toBe(String(pid));
    // The count goes on from where it stopped: the restored shell never ran its first line again
    // (a fresh start would add a line to /data/starts and count from 1; a timing bound would not
    // hold on an emulated CPU).
    await waitFor(() => count() > saved, "the counter past its saved value");
    expect(readFileSync(join(data, "starts"), "utf8").trim().split("\n")).toHaveLength(1);
    // Back in its own cgroups, its own network namespace, with the bind mount and the read-only /proc paths.
    expect(readFileSync(`/proc/${pid}/cgroup`, "utf8")).toMatch(memoryCgroupOf(id));
    expect(readlinkSync(`/proc/${pid}/ns/net`)).not.toBe(readlinkSync("/proc/self/ns/net"));
    expect(readFileSync(`/proc/${pid}/mountinfo`, "utf8")).toMatch(/ \/data rw/);
    expect(readFileSync(`/proc/${pid}/mountinfo`, "utf8")).toMatch(/ \/proc\/sys ro,/);
    expect(JSON.parse((await rt(["ps", "--format", "json", id])).stdout)).toContain(pid);
    expect(noCriuRoot()).toBe(true);
    expect(existsSync(join(s.root, id, "criu-root"))).toBe(false);
    expect((await rt(["kill", id, "KILL"])).code).toBe(0);
    await waitFor(async () => (await s.state(id)).status === "stopped", "stopped");
  });

  withCriu("--leave-running keeps the container running; a restore into a new id runs beside it in its own cgroups", async () => {
    const id = s.id();
    const bundle = counterBundle();
    expect((await rt(["run", "-d", "--bundle", bundle, id])).code).toBe(0);
    await waitFor(() => existsSync(join(data, "count")) && count() >= 3, "the counter at 3");
    const img = images();
    const ck = await rt(["checkpoint", "--leave-running", "--image-path", img, id]);
    expect(ck.stderr).toBe("");
    const first = await s.state(id);
    expect(first.status).toBe("running");
    const before = count();
    await waitFor(() => count() > before, "the counter still counting");

    const copy = s.id();
    const rs = await rt(["restore", "-d", "--image-path", img, "-b", bundle, copy]);
    expect(rs.stderr).toBe("");
    const second = await s.state(copy);
    expect(second.status).toBe("running");
    expect(second.pid).not.toBe(first.pid);
    expect(readFileSync(`/proc/${second.pid}/cgroup`, "utf8")).toMatch(memoryCgroupOf(copy));
    expect(readFileSync(`/proc/${first.pid}/cgroup`, "utf8")).toMatch(memoryCgroupOf(id));
  });

  withCriu("a network namespace joined by path is external: the restored init is back in it", async () => {
    const name = `bocker-ck-${process.pid}`;
    expect(Bun.spawnSync(["ip", "netns", "add", name]).exitCode).toBe(0);
    s.cleanup.add(`ip netns del ${name}`, () => Bun.spawnSync(["ip", "netns", "del", name]));
    const id = s.id();
    const bundle = counterBundle((c) => {
      c.linux!.namespaces = c.linux!.namespaces!.map((n) => (n.type === "network" ? { type: "network", path: `/run/netns/${name}` } : n));
    });
    expect((await rt(["run", "-d", "--bundle", bundle, id])).code).toBe(0);
    const img = images();
    expect((await rt(["checkpoint", "--image-path", img, id])).stderr).toBe("");
    expect((await rt(["delete", id])).code).toBe(0);
    expect((await rt(["restore", "-d", "--image-path", img, "--bundle", bundle, id])).stderr).toBe("");
    const pid = (await s.state(id)).pid as number;
    const want = Bun.spawnSync(["ip", "netns", "exec", name, "readlink", "/proc/self/ns/net"]).stdout.toString().trim();
    expect(readlinkSync(`/proc/${pid}/ns/net`)).toBe(want);
  });

  withCriu("--pre-dump saves memory and leaves the container running, or says the kernel has no dirty tracking", async () => {
    const id = s.id();
    expect((await rt(["run", "-d", "--bundle", counterBundle(), id])).code).toBe(0);
    const img = images();
    const pre = await rt(["checkpoint", "--pre-dump", "--image-path", join(img, "pre"), id]);
    if (Bun.spawnSync([CRIU, "check", "--feature", "mem_dirty_track"]).exitCode !== 0) {
      expect(pre.code).toBe(1);
      expect(pre.stderr).toContain("criu finds no memory dirty tracking on this kernel (soft-dirty bits, CONFIG_MEM_SOFT_DIRTY)");
    } else {
      expect(pre.stderr).toBe("");
      expect((await rt(["checkpoint", "--parent-path", "../pre", "--image-path", join(img, "final"), id])).stderr).toBe("");
      expect((await s.state(id)).status).toBe("stopped");
      return;
    }
    expect((await s.state(id)).status).toBe("running");
  });

  withCriu("restore without --detach waits for the restored init, exits with its status and deletes the container (as run)", async () => {
    const id = s.id();
    // It waits for /data/go-ID, made only once it is checkpointed: no timing to outrun on a slow (emulated) CPU.
    const bundle = counterBundle((c) => (c.process!.args = ["sh", "-c", `until [ -e /data/go-${id} ]; do sleep 0.05; done; exit 7`]));
    expect((await rt(["run", "-d", "--bundle", bundle, id])).code).toBe(0);
    const img = images();
    expect((await rt(["checkpoint", "--image-path", img, id])).stderr).toBe("");
    expect((await rt(["delete", id])).code).toBe(0);
    writeFileSync(join(data, `go-${id}`), "");
    const r = await rt(["restore", "--image-path", img, "--bundle", bundle, id]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(7);
    expect(existsSync(join(s.root, id))).toBe(false);
    expect(defaultCgroupDirs(id).some((d) => existsSync(d))).toBe(false);
  });

  test("a failed restore leaves no state dir, cgroup or mount behind", async () => {
    const id = s.id();
    const img = images();
    mkdirSync(img);
    const r = await rt(["restore", "-d", "--image-path", img, "--bundle", counterBundle(), id]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`restore ${id}: criu exited with status`);
    expect(existsSync(join(s.root, id))).toBe(false);
    expect(defaultCgroupDirs(id).some((d) => existsSync(d))).toBe(false);
    expect(noCriuRoot()).toBe(true);
    const missing = await s.rt(["--criu", "/nonexistent/criu", "restore", "-d", "--image-path", img, "--bundle", counterBundle(), id]);
    expect(missing.stderr).toContain(`restore ${id}: cannot run /nonexistent/criu: not found (install criu, or name it with --criu)`);
    expect(existsSync(join(s.root, id))).toBe(false);
    expect(defaultCgroupDirs(id).some((d) => existsSync(d))).toBe(false);
    rmSync(img, { recursive: true });
  });

  test("delete --force after a restore killed part-way unbinds the rootfs before it removes the state dir", async () => {
    const id = s.id();
    expect((await rt(["create", "--bundle", s.bundle(["sleep", "1000"]), id])).code).toBe(0);
    // What a restore killed while criu ran leaves: the rootfs (here a stand-in) bound in the state dir.
    const rootfs = join(s.dir, `precious-${id}`);
    mkdirSync(rootfs);
    writeFileSync(join(rootfs, "keep"), "x");
    const bound = join(s.root, id, "criu-root");
    mkdirSync(bound);
    expect(Bun.spawnSync(["mount", "--rbind", rootfs, bound]).exitCode).toBe(0);
    s.cleanup.add(`umount ${bound}`, () => Bun.spawnSync(["umount", "-l", bound]));
    expect((await rt(["delete", "--force", id])).code).toBe(0);
    expect(existsSync(join(s.root, id))).toBe(false);
    expect(readFileSync(join(rootfs, "keep"), "utf8")).toBe("x");
    expect(noCriuRoot()).toBe(true);
  });

  test("checkpoint of a container that is not running is an error, and so is a bad --manage-cgroups-mode", async () => {
    const id = s.id();
    expect((await rt(["create", "--bundle", s.bundle(["sleep", "1000"]), id])).code).toBe(0);
    const created = await rt(["checkpoint", "--image-path", images(), id]);
    expect(created.code).toBe(1);
    expect(created.stderr).toContain(`cannot checkpoint container ${id}: it is created, not running`);
    const done = s.id();
    expect((await rt(["run", "-d", "--bundle", s.bundle(["true"]), done])).code).toBe(0);
    await waitFor(async () => (await s.state(done)).status === "stopped", "stopped");
    expect((await rt(["checkpoint", "--image-path", images(), done])).stderr).toContain("it is stopped, not running");
    expect((await rt(["checkpoint", "--image-path", images(), "nosuch"])).stderr).toContain("container nosuch does not exist");
    const bad = await rt(["checkpoint", "--manage-cgroups-mode", "hard", id]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("--manage-cgroups-mode: expected soft, full, strict, ignore");
  });
});
