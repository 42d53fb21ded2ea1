/**
 * bocker-runtime run by an unprivileged user (issue 3 "User namespaces"): `spec --rootless`, run,
 * the create/start/state/kill/delete lifecycle and exec, with the state under $XDG_RUNTIME_DIR and no
 * cgroups (nothing is delegated to the user on this host); maps beyond the user's own id through
 * newuidmap/newgidmap for a test user that has /etc/subuid and /etc/subgid ranges.
 */
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { chownSync, existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describeRoot } from "../../fixtures/root.ts";
import { defaultCgroupDirs } from "../runtime/harness.ts";
import { defaultSpec, toRootless } from "../../../runtime/lib/default-spec.ts";
import type { Spec } from "../../../runtime/lib/spec-types.ts";
import { NOBODY, UnprivilegedSuite, useraddTestUser, userdelTestUser, type TestUser } from "./unprivileged.ts";

/** What `spec --rootless` writes for this user, made non-interactive and pointed at the rootfs. */
function rootlessSpec(s: UnprivilegedSuite, args: string[]): Spec {
  const spec = toRootless(defaultSpec(), s.user.uid, s.user.gid);
  spec.process!.terminal = false;
  spec.process!.args = args;
  spec.root = { path: s.rootfs, readonly: true };
  return spec;
}

async function waitStopped(s: UnprivilegedSuite, id: string): Promise<void> {
  for (let i = 0; i < 250; i++) {
    const r = await s.rt(["state", id]);
    if (r.code === 0 && JSON.parse(r.stdout).status === "stopped") return;
    await Bun.sleep(20);
  }
  throw new Error(`container ${id} did not stop`);
}

describeRoot("rootless bocker-runtime (as nobody)", () => {
  let s: UnprivilegedSuite;
  let n = 0;
  const id = () => `rl${process.pid}-${++n}`;
  beforeAll(() => {
    s = new UnprivilegedSuite(NOBODY, "rootless");
  });
  afterEach(async () => {
    // Every test deletes its own containers; anything left is force-deleted here.
    for (const init of s.recordedInits()) expect(init.pid).toBe(-1);
  });
  afterAll(async () => {
    await s?.remove();
  });

  test("spec --rootless writes runc's rootless config for the caller's own ids", async () => {
    const dir = s.emptyDir();
    const r = await s.rt(["spec", "--rootless"], { cwd: dir });
    expect(r).toEqual({ code: 0, stdout: "", stderr: "" });
    const spec = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as Spec;
    expect(spec.linux!.namespaces!.map((x) => x.type).sort()).toEqual(["cgroup", "ipc", "mount", "pid", "user", "uts"]);
    expect(spec.linux!.uidMappings).toEqual([{ containerID: 0, hostID: 65534, size: 1 }]);
    expect(spec.linux!.gidMappings).toEqual([{ containerID: 0, hostID: 65534, size: 1 }]);
    expect(spec.linux!.resources).toBeUndefined();
    expect(spec.mounts!.find((m) => m.destination === "/sys")).toEqual({ destination: "/sys", type: "none", source: "/sys", options: ["rbind", "nosuid", "noexec", "nodev", "ro"] });
    expect(statSync(join(dir, "config.json")).uid).toBe(65534);
  });

  test("run: busybox from the `spec --rootless` config, root inside, the user outside, output and exit code", async () => {
    const c = id();
    const dir = s.emptyDir();
    expect((await s.rt(["spec", "--rootless"], { cwd: dir })).code).toBe(0);
    const written = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as Spec;
    const bundle = s.bundle(written, (x) => {
      x.process!.terminal = false;
      x.process!.args = ["sh", "-c", "id -u; id -g; cat /proc/self/uid_map | tr -s ' '; cat /proc/self/setgroups; echo x > /dev/null && echo devnull-ok; exit 3"];
      x.root = { path: s.rootfs, readonly: true };
    });
    const r = await s.rt(["run", "--bundle", bundle, c]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("0\n0\n 0 65534 1\ndeny\ndevnull-ok\n");
    expect(r.code).toBe(3);
    // the default state root of an unprivileged user: $XDG_RUNTIME_DIR/bocker-runtime, 0700 + sticky (runc)
    const st = statSync(s.stateRoot);
    expect([st.uid, st.mode & 0o7777]).toEqual([65534, 0o1700]);
    expect(existsSync(join(s.stateRoot, c))).toBe(false);
  });

  test("create, state, start, exec, kill --all, delete as the user, without cgroups", async () => {
    const c = id();
    const bundle = s.bundle(rootlessSpec(s, ["sleep", "1000"]));
    const created = await s.rt(["--debug", "create", "--bundle", bundle, c]);
    expect(created.code).toBe(0);
    expect(created.stderr).toContain("rootless: no delegated cgroup");
    expect(existsSync(join(s.stateRoot, c, "state.json"))).toBe(true);
    const state = JSON.parse((await s.rt(["state", c])).stdout);
    expect(state.status).toBe("created");
    // the host sees the container's root as the user
    expect(readFileSync(`/proc/${state.pid}/status`, "utf8")).toMatch(/^Uid:\t65534\t65534\t65534\t65534$/m);
    expect(defaultCgroupDirs(c).filter((d) => existsSync(d))).toEqual([]);
    expect((await s.rt(["start", c])).code).toBe(0);
    expect(JSON.parse((await s.rt(["state", c])).stdout).status).toBe("running");
    const ex = await s.rt(["exec", c, "sh", "-c", "id -u; cat /proc/self/setgroups"]);
    expect(ex).toEqual({ code: 0, stdout: "0\ndeny\n", stderr: "" });
    // no cgroup to walk: kill --all reaches the init, and the pid namespace goes with it
    expect((await s.rt(["kill", "--all", c, "KILL"])).code).toBe(0);
    await waitStopped(s, c);
    expect(await s.rt(["delete", c])).toEqual({ code: 0, stdout: "", stderr: "" });
    expect(existsSync(join(s.stateRoot, c))).toBe(false);
  });

  test("resource limits without a delegated cgroup are an error, and nothing is left", async () => {
    const c = id();
    const bundle = s.bundle(rootlessSpec(s, ["true"]), (x) => (x.linux!.resources = { memory: { limit: 64 << 20 } }));
    const r = await s.rt(["run", "--bundle", bundle, c]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("config.json /linux/resources: cannot set memory limits: running unprivileged (euid 65534)");
    expect(existsSync(join(s.stateRoot, c))).toBe(false);
    expect(defaultCgroupDirs(c).filter((d) => existsSync(d))).toEqual([]);
  });

  test("an explicit cgroupsPath the user cannot set up is an error, not silently dropped (runc)", async () => {
    const c = id();
    const r = await s.rt(["run", "--bundle", s.bundle(rootlessSpec(s, ["true"]), (x) => (x.linux!.cgroupsPath = `/bocker-rootless-${process.pid}/${c}`)), c]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`config.json /linux/cgroupsPath: running unprivileged (euid 65534), this user cannot set up cgroup /bocker-rootless-${process.pid}/${c}`);
    expect(existsSync(join(s.stateRoot, c))).toBe(false);
    for (const mount of ["/sys/fs/cgroup", "/sys/fs/cgroup/memory"]) expect(existsSync(`${mount}/bocker-rootless-${process.pid}`)).toBe(false);
  });

  test("additional groups and a config without a user namespace are refused up front", async () => {
    const groups = await s.rt(["run", "--bundle", s.bundle(rootlessSpec(s, ["true"]), (x) => (x.process!.user.additionalGids = [0])), id()]);
    expect(groups.code).toBe(1);
    expect(groups.stderr).toContain("/process/user/additionalGids: setgroups is denied");
    const noUserns = await s.rt(["run", "--bundle", s.bundle(rootlessSpec(s, ["true"]), (x) => {
      x.linux!.namespaces = x.linux!.namespaces!.filter((ns) => ns.type !== "user");
      delete x.linux!.uidMappings;
      delete x.linux!.gidMappings;
    }), id()]);
    expect(noUserns.code).toBe(1);
    expect(noUserns.stderr).toContain("runs unprivileged (euid 65534), so the container needs a user namespace");
    expect(s.recordedInits()).toEqual([]);
  });

  test("a map beyond the user's own id without newuidmap rights fails with newuidmap's reason", async () => {
    // nobody has no /etc/subuid range: newuidmap refuses, and its message reaches the user.
    const c = id();
    const r = await s.rt(["run", "--bundle", s.bundle(rootlessSpec(s, ["true"]), (x) => (x.linux!.uidMappings = [{ containerID: 0, hostID: 65534, size: 1 }, { containerID: 1, hostID: 100000, size: 10 }])), c]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("newuidmap");
    expect(existsSync(join(s.stateRoot, c))).toBe(false);
  });
});

describeRoot("rootless bocker-runtime with /etc/subuid ranges (newuidmap, newgidmap)", () => {
  let user: TestUser;
  let s: UnprivilegedSuite;
  beforeAll(() => {
    user = useraddTestUser(`bockerrl${process.pid % 100000}`);
    s = new UnprivilegedSuite(user, "subid");
  });
  afterAll(async () => {
    await s?.remove();
    if (user) userdelTestUser(user);
  });

  test("multi-range maps: written by newuidmap/newgidmap, setgroups stays allowed, files get the mapped owners", async () => {
    expect(user.subuid && user.subgid).toBeTruthy();
    const sub = user.subuid!;
    const subg = user.subgid!;
    const data = join(s.dir, "data");
    mkdirSync(data);
    chownSync(data, user.uid, user.gid);
    const c = `sub${process.pid}`;
    const bundle = s.bundle(rootlessSpec(s, ["sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map | tr -s ' '; cat /proc/self/setgroups; touch /home/root-file; touch /home/f; chown 1000:1000 /home/f; id -G"]), (x) => {
      x.linux!.uidMappings = [{ containerID: 0, hostID: user.uid, size: 1 }, { containerID: 1, hostID: sub.start, size: sub.count }];
      x.linux!.gidMappings = [{ containerID: 0, hostID: user.gid, size: 1 }, { containerID: 1, hostID: subg.start, size: subg.count }];
      x.process!.user.additionalGids = [10];
      for (const set of ["bounding", "effective", "permitted"] as const) x.process!.capabilities![set]!.push("CAP_CHOWN");
      x.mounts!.push({ destination: "/home", type: "bind", source: data, options: ["rbind", "rw"] });
    });
    const r = await s.rt(["run", "--bundle", bundle, c]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(
      ` 0 ${user.uid} 1\n 1 ${sub.start} ${sub.count}\n 0 ${user.gid} 1\n 1 ${subg.start} ${subg.count}\nallow\n0 10\n`,
    );
    expect(r.code).toBe(0);
    const owner = (f: string) => [statSync(join(data, f)).uid, statSync(join(data, f)).gid];
    expect(owner("root-file")).toEqual([user.uid, user.gid]);
    expect(owner("f")).toEqual([sub.start + 999, subg.start + 999]);
  });
});
