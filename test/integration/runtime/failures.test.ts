import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { describeRoot } from "../../fixtures/root.ts";
import { RuntimeSuite, defaultCgroupDirs, waitFor } from "./harness.ts";

/** Whether pid is alive and not a zombie. */
function alive(pid: number): boolean {
  try {
    return !/\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

describeRoot("bocker-runtime failure behaviour", () => {
  let s: RuntimeSuite;
  beforeAll(() => {
    s = new RuntimeSuite("failures");
  });
  afterEach(async () => {
    await s.cleanup.run();
  });
  afterAll(() => s?.remove());

  async function expectGone(id: string, pids: number[]): Promise<void> {
    expect(existsSync(join(s.root, id))).toBe(false);
    expect(defaultCgroupDirs(id).filter((d) => existsSync(d))).toEqual([]);
    await waitFor(() => pids.every((p) => !alive(p)), `pids ${pids} gone`);
    const list = await s.rt(["list", "--format", "json"]);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout).map((c: { id: string }) => c.id)).not.toContain(id);
  }

  test("kill -9 of the runtime while create waits on a hook, then delete --force removes everything", async () => {
    const id = s.id();
    const marker = join(s.dir, `${id}.hook`);
    const bundle = s.bundle(["sleep", "1000"], (c) => (c.hooks = { prestart: [{ path: "/bin/sh", args: ["sh", "-c", `touch ${marker}; exec sleep 2`] }] }));
    const proc = Bun.spawn([s.binary, "--root", s.root, "create", "--bundle", bundle, id], { stdout: "ignore", stderr: "ignore" });
    await waitFor(() => existsSync(marker), "prestart hook");
    const pid = JSON.parse(readFileSync(join(s.root, id, "state.json"), "utf8")).pid as number;
    expect(alive(pid)).toBe(true);
    proc.kill(9);
    await proc.exited;
    // whether or not the init already saw the runtime vanish: nothing will finish this create
    expect((await s.state(id)).status).toBe("stopped");
    expect((await s.rt(["list", "-q"])).stdout).toContain(id);
    const del = await s.rt(["delete", "--force", id]);
    expect(del.stderr).toBe("");
    expect(del.code).toBe(0);
    await expectGone(id, [pid]);
  });

  test("a create killed with -9 while a createContainer hook runs reads stopped, not creating, and a plain delete removes it", async () => {
    const id = s.id();
    const marker = join(s.dir, `${id}.hook`);
    // The hook runs in the container's init, which then reads nothing from the runtime: without
    // the creator check the container read "creating" for as long as the hook ran.
    const bundle = s.bundle(["sleep", "1000"], (c) => (c.hooks = { createContainer: [{ path: "/bin/sh", args: ["sh", "-c", `touch ${marker}; exec sleep 1000`] }] }));
    const proc = Bun.spawn([s.binary, "--root", s.root, "create", "--bundle", bundle, id], { stdout: "ignore", stderr: "ignore" });
    s.cleanup.add("kill the runtime", () => proc.kill(9));
    await waitFor(() => existsSync(marker), "createContainer hook");
    const pid = JSON.parse(readFileSync(join(s.root, id, "state.json"), "utf8")).pid as number;
    proc.kill(9);
    await proc.exited;
    expect(await s.state(id)).toMatchObject({ status: "stopped", pid: 0 });
    const del = await s.rt(["delete", id]);
    expect(del.stderr).toBe("");
    expect(del.code).toBe(0);
    await expectGone(id, [pid]);
  });

  test("kill -9 of create, run or exec at any moment: delete --force always cleans up", async () => {
    for (const [i, delay] of [0, 5, 10, 20, 30, 45, 60, 90].entries()) {
      const id = s.id();
      const cmd = i % 2 === 0 ? ["create"] : ["run"];
      const proc = Bun.spawn([s.binary, "--root", s.root, ...cmd, "--bundle", s.bundle(["sleep", "1000"]), id], { stdout: "ignore", stderr: "ignore" });
      await Bun.sleep(delay);
      proc.kill(9);
      await proc.exited;
      let pid = 0;
      try {
        pid = JSON.parse(readFileSync(join(s.root, id, "state.json"), "utf8")).pid;
      } catch {
        // killed before the state existed
      }
      const list = await s.rt(["list", "--format", "json"]);
      expect(list.code).toBe(0);
      // nothing will finish a create whose runtime died: never "creating" (whatever else it reads)
      expect(JSON.parse(list.stdout).find((c: { id: string }) => c.id === id)?.status).not.toBe("creating");
      const del = await s.rt(["delete", "--force", id]);
      expect(del.code).toBe(0);
      await expectGone(id, pid ? [pid] : []);
    }
    const id = s.id();
    await s.rt(["run", "-d", "--bundle", s.bundle(["sleep", "1000"]), id]);
    const exec = Bun.spawn([s.binary, "--root", s.root, "exec", id, "sleep", "1000"], { stdout: "ignore", stderr: "ignore" });
    await waitFor(async () => JSON.parse((await s.rt(["ps", "--format", "json", id])).stdout).length === 2, "exec'd process");
    exec.kill(9);
    await exec.exited;
    const pids = JSON.parse((await s.rt(["ps", "--format", "json", id])).stdout) as number[];
    expect((await s.rt(["delete", "--force", id])).code).toBe(0);
    await expectGone(id, pids);
  });

  for (const damage of ["truncated", "empty", "missing"] as const) {
    test(`a ${damage} state.json: list stays valid, delete --force still finds processes and cgroups`, async () => {
      const id = s.id();
      expect((await s.rt(["run", "-d", "--bundle", s.bundle(["sh", "-c", "sleep 1000 & sleep 1000; true"]), id])).code).toBe(0);
      const pids = JSON.parse((await s.rt(["ps", "--format", "json", id])).stdout) as number[];
      expect(pids.length).toBe(3);
      const file = join(s.root, id, "state.json");
      const text = readFileSync(file, "utf8");
      if (damage === "truncated") writeFileSync(file, text.slice(0, text.length / 2));
      else if (damage === "empty") writeFileSync(file, "");
      else {
        unlinkSync(file);
        unlinkSync(join(s.root, id, "cgroup")); // lost too: the default path rule must find the cgroups
      }
      const list = await s.rt(["list", "--format", "json"]);
      expect(list.code).toBe(0);
      expect(list.stderr).toContain(`skipping ${id}`);
      expect((await s.rt(["state", id])).code).toBe(1);
      expect((await s.rt(["delete", id])).code).toBe(1);
      const del = await s.rt(["delete", "--force", id]);
      expect(del.code).toBe(0);
      await expectGone(id, pids);
    });
  }

  test("concurrent creates of one id: exactly one wins, the others leave nothing", async () => {
    const id = s.id();
    const bundle = s.bundle(["sleep", "1000"]);
    const results = await Promise.all(Array.from({ length: 6 }, () => s.rt(["create", "--bundle", bundle, id])));
    expect(results.filter((r) => r.code === 0).length).toBe(1);
    for (const r of results.filter((r) => r.code !== 0)) expect(r.stderr).toContain("already exists");
    expect((await s.state(id)).status).toBe("created");
    const pids = JSON.parse((await s.rt(["ps", "--format", "json", id])).stdout) as number[];
    expect(pids.length).toBe(1);
    expect((await s.rt(["delete", id])).code).toBe(0);
    await expectGone(id, pids);
  });

  test("a full disk under --root: a clear ENOSPC error naming the path, nothing left behind", async () => {
    const mnt = join(s.dir, "full");
    mkdirSync(mnt);
    const mount = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mnt]);
    expect(mount.exitCode).toBe(0);
    s.cleanup.add("umount full tmpfs", () => Bun.spawnSync(["umount", mnt]));
    Bun.spawnSync(["dd", "if=/dev/zero", `of=${join(mnt, "filler")}`, "bs=4k"]);
    const id = s.id();
    const r = await s.rt(["create", "--bundle", s.bundle(["sleep", "1000"]), id], { root: mnt });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`${mnt}/${id}/state\\.json: ENOSPC \\(no space left on device\\)`));
    expect(readdirSync(mnt)).toEqual(["filler"]);
    expect(defaultCgroupDirs(id).filter((d) => existsSync(d))).toEqual([]);
  });

  test("an invalid config creates nothing and names file and pointer", async () => {
    const id = s.id();
    const bundle = s.bundle(["true"], (c) => (c.process!.rlimits = [{ type: "RLIMIT_NOFILE", soft: 2, hard: 1 }]));
    const r = await s.rt(["create", "--bundle", bundle, id]);
    expect(r.stderr).toContain(`${bundle}/config.json: /process/rlimits/0: soft limit 2 is above hard limit 1`);
    expect(existsSync(join(s.root, id))).toBe(false);
  });

  test("create --dry-run and explain print the plan with pointers and touch nothing", async () => {
    const id = s.id();
    const bundle = s.bundle(["sleep", "1"]);
    for (const args of [["create", "--dry-run", "--bundle", bundle, id], ["explain", "--bundle", bundle, id]]) {
      const r = await s.rt(args);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("[config.json /mounts/0]");
      expect(r.stdout).toContain("EXEC \"sleep\" [\"sleep\",\"1\"]");
      expect(r.stdout).toContain("[config.json /process/capabilities]");
      expect(existsSync(join(s.root, id))).toBe(false);
      expect(defaultCgroupDirs(id).filter((d) => existsSync(d))).toEqual([]);
    }
  });
});
