import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describeRoot } from "../../fixtures/root.ts";
import { RuntimeSuite, defaultCgroupDirs, waitFor } from "./harness.ts";

describeRoot("bocker-runtime lifecycle", () => {
  let s: RuntimeSuite;
  beforeAll(() => {
    s = new RuntimeSuite("lifecycle");
  });
  afterEach(async () => {
    await s.cleanup.run();
  });
  afterAll(() => s?.remove());

  test("create, start, state, kill, delete with runtime-spec statuses and errors", async () => {
    const id = s.id();
    const bundle = s.bundle(["sleep", "1000"]);
    const pidFile = join(s.dir, `${id}.pid`);
    expect((await s.rt(["create", "--bundle", bundle, "--pid-file", pidFile, id])).code).toBe(0);
    const created = await s.state(id);
    expect(created).toMatchObject({ ociVersion: "1.3.0", id, status: "created", bundle });
    expect(readFileSync(pidFile, "utf8")).toBe(String(created.pid));
    expect(defaultCgroupDirs(id).every((d) => existsSync(d))).toBe(true);
    expect((await s.rt(["create", "--bundle", bundle, id])).stderr).toContain(`container ${id} already exists`);

    expect((await s.rt(["start", id])).code).toBe(0);
    expect((await s.state(id)).status).toBe("running");
    const again = await s.rt(["start", id]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("it is running, not created");
    const del = await s.rt(["delete", id]);
    expect(del.code).toBe(1);
    expect(del.stderr).toContain("it is running");

    expect((await s.rt(["kill", id, "KILL"])).code).toBe(0);
    await waitFor(async () => (await s.state(id)).status === "stopped", "stopped");
    expect((await s.rt(["kill", id])).stderr).toContain("it is stopped");
    expect((await s.rt(["delete", id])).code).toBe(0);
    expect(existsSync(join(s.root, id))).toBe(false);
    expect(defaultCgroupDirs(id).some((d) => existsSync(d))).toBe(false);
    expect((await s.rt(["state", id])).stderr).toContain("does not exist");
  });

  test("delete of a created container kills it (runc)", async () => {
    const id = s.id();
    expect((await s.rt(["create", "--bundle", s.bundle(["sleep", "1000"]), id])).code).toBe(0);
    const pid = (await s.state(id)).pid as number;
    expect((await s.rt(["delete", id])).code).toBe(0);
    await waitFor(() => !existsSync(`/proc/${pid}`) || readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z"), "init gone");
  });

  test("kill accepts names with and without SIG and numbers; --all signals every process", async () => {
    for (const sig of ["TERM", "SIGUSR1", "10"]) {
      const id = s.id();
      expect((await s.rt(["run", "-d", "--bundle", s.bundle(["sh", "-c", "trap 'exit 0' TERM USR1; while :; do sleep 0.05; done"]), id])).code).toBe(0);
      expect((await s.rt(["kill", id, sig])).code).toBe(0);
      // The first signal may arrive before sh installed its trap (pid 1 ignores it then): repeat.
      await waitFor(async () => (await s.state(id)).status === "stopped" || ((await s.rt(["kill", id, sig])) && false), `stopped after ${sig}`);
    }
    const id = s.id();
    expect((await s.rt(["run", "-d", "--bundle", s.bundle(["sh", "-c", "sleep 1000 & sleep 1000; true"]), id])).code).toBe(0);
    await waitFor(async () => JSON.parse((await s.rt(["ps", "--format", "json", id])).stdout).length === 3, "three processes");
    expect((await s.rt(["kill", "--all", id, "KILL"])).code).toBe(0);
    await waitFor(async () => JSON.parse((await s.rt(["ps", "--format", "json", id])).stdout).length === 0, "no processes");
  });

  test("kill with signal 0 probes liveness (runc): fine while the container runs, with --all too; an error once it stopped", async () => {
    const id = s.id();
    expect((await s.rt(["run", "-d", "--bundle", s.bundle(["sleep", "1000"]), id])).code).toBe(0);
    for (const args of [["kill", id, "0"], ["kill", "-a", id, "0"]]) {
      const r = await s.rt(args);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
    }
    expect((await s.state(id)).status).toBe("running");
    // a probe of a paused container leaves it frozen (signalling --all freezes and thaws around it)
    const freezer = defaultCgroupDirs(id).find((d) => d.includes("/freezer/"));
    expect((await s.rt(["pause", id])).code).toBe(0);
    expect((await s.rt(["kill", "-a", id, "0"])).code).toBe(0);
    if (freezer) expect(readFileSync(join(freezer, "freezer.state"), "utf8").trim()).toBe("FROZEN");
    expect((await s.rt(["resume", id])).code).toBe(0);
    expect((await s.rt(["kill", id, "KILL"])).code).toBe(0);
    await waitFor(async () => (await s.state(id)).status === "stopped", "stopped");
    const probe = await s.rt(["kill", id, "0"]);
    expect(probe.code).toBe(1);
    expect(probe.stderr).toContain("it is stopped");
  });

  test("run: foreground exit code, output, and cleanup afterwards", async () => {
    const id = s.id();
    const r = await s.rt(["run", "--bundle", s.bundle(["sh", "-c", "echo out; echo err >&2; exit 42"]), id]);
    expect(r).toEqual({ code: 42, stdout: "out\n", stderr: "err\n" });
    expect(existsSync(join(s.root, id))).toBe(false);
  });

  test("run: the exit code reflects a signal; SIGTERM and SIGINT to the runtime are forwarded", async () => {
    const id = s.id();
    const killed = s.rt(["run", "--bundle", s.bundle(["sleep", "1000"]), id]);
    await waitFor(async () => (await s.rt(["state", id])).stdout.includes('"running"'), "running");
    await s.rt(["kill", id, "KILL"]);
    expect((await killed).code).toBe(137);

    for (const [signal, code] of [["SIGTERM", 7], ["SIGINT", 8]] as const) {
      const fid = s.id();
      const proc = Bun.spawn([s.binary, "--root", s.root, "run", "--bundle", s.bundle(["sh", "-c", "trap 'exit 7' TERM; trap 'exit 8' INT; while :; do sleep 0.05; done"]), fid], { stdout: "pipe", stderr: "pipe" });
      await waitFor(async () => (await s.rt(["state", fid])).stdout.includes('"running"'), "running");
      await Bun.sleep(100); // let sh install its traps
      proc.kill(signal);
      expect(await proc.exited).toBe(code);
    }
  });

  test("list and ps", async () => {
    const a = s.id();
    const b = s.id();
    await s.rt(["run", "-d", "--bundle", s.bundle(["sleep", "1000"]), a]);
    await s.rt(["create", "--bundle", s.bundle(["sleep", "1000"]), b]);
    const list = JSON.parse((await s.rt(["list", "--format", "json"])).stdout) as Array<{ id: string; status: string }>;
    expect(list.filter((c) => c.id === a || c.id === b).map((c) => [c.id, c.status])).toEqual([[a, "running"], [b, "created"]]);
    expect((await s.rt(["list", "-q"])).stdout.split("\n")).toEqual(expect.arrayContaining([a, b]));
    const table = (await s.rt(["list"])).stdout;
    expect(table.split("\n")[0]).toMatch(/^ID\s+PID\s+STATUS\s+BUNDLE\s+CREATED\s+OWNER$/);
    const pid = (await s.state(a)).pid as number;
    expect(JSON.parse((await s.rt(["ps", "--format", "json", a])).stdout)).toEqual([pid]);
    const ps = (await s.rt(["ps", a])).stdout;
    expect(ps).toContain("PID");
    expect(ps).toContain("sleep 1000");
  });

  test("spec, features and version", async () => {
    const dir = s.bundle(["true"]);
    const r = await s.rt(["spec", "--bundle", dir]);
    expect(r.stderr).toContain("already exists");
    const features = JSON.parse((await s.rt(["features"])).stdout);
    expect(features.hooks).toContain("createContainer");
    expect(features.linux.namespaces).toContain("time");
    expect((await s.rt(["--version"])).stdout).toMatch(/^bocker-runtime version \d/);
  });
});
