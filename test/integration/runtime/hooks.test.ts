import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describeRoot } from "../../fixtures/root.ts";
import type { Hook, Hooks } from "../../../runtime/lib/spec-types.ts";
import { RuntimeSuite, defaultCgroupDirs, waitFor } from "./harness.ts";

describeRoot("bocker-runtime hooks", () => {
  let s: RuntimeSuite;
  let logDir: string;
  let log: string;
  beforeAll(() => {
    s = new RuntimeSuite("hooks");
    logDir = join(s.dir, "hooklog");
    mkdirSync(logDir);
    log = join(logDir, "log");
  });
  afterEach(async () => {
    // cleanup first: force-deleting a container runs its poststop hooks, which write to the log
    try {
      await s.cleanup.run();
    } finally {
      rmSync(log, { force: true });
    }
  });
  afterAll(() => s?.remove());

  /** A hook appending `<name> <status-from-stdin>` to the log; `inside` hooks see the log at /hooklog. */
  function hook(name: string, inside = false, extra = ""): Hook {
    const file = inside ? "/hooklog/log" : log;
    return { path: "/bin/sh", args: ["sh", "-c", `read -r state; echo "${name} $(echo "$state" | grep -o '"status":"[a-z]*"')" >> ${file}; ${extra}`] };
  }

  function bundleWith(hooks: Hooks, args = ["sleep", "1000"]): string {
    return s.bundle(args, (c) => {
      c.hooks = hooks;
      c.mounts!.push({ destination: "/hooklog", source: logDir, type: "bind", options: ["rbind"] });
    });
  }

  test("every kind runs at its moment, in order, with the state on stdin", async () => {
    const id = s.id();
    const bundle = bundleWith({
      prestart: [hook("prestart")],
      createRuntime: [hook("createRuntime"), hook("createRuntime2")],
      createContainer: [hook("createContainer")],
      startContainer: [hook("startContainer", true)],
      poststart: [hook("poststart")],
      poststop: [hook("poststop")],
    });
    expect((await s.rt(["create", "--bundle", bundle, id])).code).toBe(0);
    // runtime.md: "created" once the environment exists (lifecycle step 2), which all of these follow
    expect(readFileSync(log, "utf8")).toBe('prestart "status":"created"\ncreateRuntime "status":"created"\ncreateRuntime2 "status":"created"\ncreateContainer "status":"created"\n');
    expect((await s.rt(["start", id])).code).toBe(0);
    expect(readFileSync(log, "utf8")).toEndWith('createContainer "status":"created"\nstartContainer "status":"created"\npoststart "status":"running"\n');
    await s.rt(["kill", id, "KILL"]);
    // SIGKILL is asynchronous: a plain delete needs the container stopped.
    await waitFor(async () => (await s.state(id)).status === "stopped", "the killed container to stop");
    expect((await s.rt(["delete", id])).code).toBe(0);
    expect(readFileSync(log, "utf8")).toEndWith('poststart "status":"running"\npoststop "status":"stopped"\n');
  });

  test("createContainer hooks run in the rootfs (runc prepareRootfs), startContainer ones in process.cwd", async () => {
    const id = s.id();
    const bundle = bundleWith({
      createContainer: [{ path: "/bin/sh", args: ["sh", "-c", `echo "cc $(pwd)" >> ${log}`] }],
      startContainer: [{ path: "/bin/sh", args: ["sh", "-c", 'echo "sc $(pwd)" >> /hooklog/log'] }],
    });
    const config = JSON.parse(readFileSync(join(bundle, "config.json"), "utf8"));
    config.process.cwd = "/bin";
    writeFileSync(join(bundle, "config.json"), JSON.stringify(config));
    expect((await s.rt(["create", "--bundle", bundle, id])).code).toBe(0);
    expect((await s.rt(["start", id])).code).toBe(0);
    expect(readFileSync(log, "utf8")).toBe(`cc ${realpathSync(s.rootfs)}\nsc /bin\n`);
  });

  test("hook env, args and the state's id and pid", async () => {
    const id = s.id();
    const out = join(s.dir, "state.json");
    const bundle = bundleWith({ prestart: [{ path: "/bin/sh", args: ["sh", "-c", `cat > ${out}; echo "$0 $1 $HOOKVAR" >> ${log}`, "arg0", "arg1"], env: ["HOOKVAR=yes"] }] });
    expect((await s.rt(["create", "--bundle", bundle, id])).code).toBe(0);
    const state = JSON.parse(readFileSync(out, "utf8"));
    expect(state).toMatchObject({ id, status: "created", bundle, pid: (await s.state(id)).pid });
    expect(readFileSync(log, "utf8")).toBe("arg0 arg1 yes\n");
  });

  test("hooks in the container's namespaces get its pid as the container sees it (runtime.md State)", async () => {
    const pidOf = (name: string, inside: boolean) => ({ path: "/bin/sh", args: ["sh", "-c", `grep -o '"pid":[0-9]*' >> ${inside ? "/hooklog/log" : log}; echo ${name} >> ${inside ? "/hooklog/log" : log}`] });
    const hooks = { createRuntime: [pidOf("createRuntime", false)], createContainer: [pidOf("createContainer", false)], startContainer: [pidOf("startContainer", true)] };
    for (const ownPidNs of [true, false]) {
      const id = s.id();
      const bundle = s.bundle(["sleep", "1000"], (c) => {
        c.hooks = hooks;
        c.mounts!.push({ destination: "/hooklog", source: logDir, type: "bind", options: ["rbind"] });
        if (!ownPidNs) c.linux!.namespaces = c.linux!.namespaces!.filter((n) => n.type !== "pid");
      });
      expect((await s.rt(["create", "--bundle", bundle, id])).code).toBe(0);
      expect((await s.rt(["start", id])).code).toBe(0);
      const host = (await s.state(id)).pid;
      const inside = ownPidNs ? 1 : host;
      expect(readFileSync(log, "utf8")).toBe(`"pid":${host}\ncreateRuntime\n"pid":${inside}\ncreateContainer\n"pid":${inside}\nstartContainer\n`);
      rmSync(log);
    }
  });

  for (const kind of ["prestart", "createRuntime", "createContainer"] as const) {
    test(`a failing ${kind} hook fails create and leaves nothing`, async () => {
      const id = s.id();
      const r = await s.rt(["create", "--bundle", bundleWith({ [kind]: [hook(kind, false, "echo hook-said-no >&2; exit 3")] }), id]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`/hooks/${kind}/0`);
      expect(existsSync(join(s.root, id))).toBe(false);
      expect(defaultCgroupDirs(id).some((d) => existsSync(d))).toBe(false);
    });
  }

  test("a hook that outlives its timeout is killed and fails create", async () => {
    const id = s.id();
    const started = Date.now();
    const r = await s.rt(["create", "--bundle", bundleWith({ createRuntime: [{ path: "/bin/sleep", args: ["sleep", "30"], timeout: 1 }] }), id]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("timed out after 1s");
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  test("failing poststart and poststop hooks are warnings; the lifecycle goes on", async () => {
    const id = s.id();
    const bundle = bundleWith({ poststart: [hook("ps1", false, "exit 1"), hook("ps2")], poststop: [hook("stop1", false, "exit 1"), hook("stop2")] });
    expect((await s.rt(["create", "--bundle", bundle, id])).code).toBe(0);
    const start = await s.rt(["start", id]);
    expect(start.code).toBe(0);
    expect(start.stderr).toContain("level=warning");
    expect(start.stderr).toContain("/hooks/poststart/0");
    expect((await s.state(id)).status).toBe("running");
    const del = await s.rt(["delete", "--force", id]);
    expect(del.code).toBe(0);
    expect(del.stderr).toContain("/hooks/poststop/0");
    expect(readFileSync(log, "utf8")).toBe('ps1 "status":"running"\nps2 "status":"running"\nstop1 "status":"stopped"\nstop2 "status":"stopped"\n');
  });
});
