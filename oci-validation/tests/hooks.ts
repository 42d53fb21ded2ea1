/** config.md#posix-platform-hooks and runtime.md#lifecycle: when hooks run, what they get, failures. */
import { existsSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { check, equal } from "../runner/assert.ts";
import type { Config } from "../runner/config.ts";
import type { TestContext } from "../runner/context.ts";
import type { ConformanceTest } from "../runner/types.ts";

const HOST_HOOKS = ["prestart", "createRuntime", "createContainer", "poststart", "poststop"] as const;

/** A host-side hook that saves its stdin as LOG/NAME.json and appends NAME to LOG/order. */
function hostHook(t: TestContext, name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const log = join(t.dir, "hooks");
  Bun.spawnSync(["mkdir", "-p", log]);
  return { path: "/bin/sh", args: ["sh", "-c", `cat > ${log}/${name}.json; echo ${name} >> ${log}/order`], ...extra };
}

function hookLog(t: TestContext, name: string): Record<string, unknown> | undefined {
  const file = join(t.dir, "hooks", `${name}.json`);
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>) : undefined;
}

function order(t: TestContext): string[] {
  const file = join(t.dir, "hooks", "order");
  return existsSync(file) ? readFileSync(file, "utf8").trim().split("\n") : [];
}

function allHooks(t: TestContext, cfg: Config): void {
  cfg.root.readonly = false;
  cfg.hooks = Object.fromEntries(HOST_HOOKS.map((h) => [h, [hostHook(t, h)]]));
  // startContainer runs in the container: its path resolves there, and it writes into the rootfs.
  cfg.hooks.startContainer = [{ path: "/bin/sh", args: ["sh", "-c", "mkdir -p /hooks && cat > /hooks/startContainer.json"] }];
}

const FAIL = { path: "/bin/sh", args: ["sh", "-c", "exit 7"] };

export const hookTests: ConformanceTest[] = [
  {
    name: "hooks: prestart, createRuntime, createContainer run during create, in that order",
    ref: "runtime.md#lifecycle",
    spec: "4. The prestart hooks MUST be invoked by the runtime. 5. The createRuntime hooks MUST be invoked by the runtime. 6. The createContainer hooks MUST be invoked by the runtime.",
    async run(t) {
      const c = t.container(t.bundle((cfg) => allHooks(t, cfg)));
      await t.mustSucceed(c.create(), "create");
      equal(order(t), ["prestart", "createRuntime", "createContainer"], "hooks run by create, in order");
      check(!existsSync(join(c.bundle.rootfs, "hooks", "startContainer.json")), "startContainer ran during create", "not yet", "ran");
    },
  },
  {
    name: "hooks: startContainer and poststart run during start, poststop during delete",
    ref: "runtime.md#lifecycle",
    spec: "8. The startContainer hooks MUST be invoked by the runtime. ... 10. The poststart hooks MUST be invoked by the runtime. ... 13. The poststop hooks MUST be invoked by the runtime.",
    async run(t) {
      const c = t.container(t.bundle((cfg) => {
        allHooks(t, cfg);
        cfg.process.args = ["/checker", "report", "--path", "/hooks/startContainer.json"];
      }));
      await t.mustSucceed(c.create(), "create");
      await t.mustSucceed(c.start(), "start");
      // poststart: "before the start operation returns" (config.md#poststart)
      equal(order(t), ["prestart", "createRuntime", "createContainer", "poststart"], "hooks run once start returned");
      await c.waitFor("stopped");
      const report = await c.report();
      equal(report.paths["/hooks/startContainer.json"]?.exists, true, "startContainer ran before the user process (config.md#startcontainer-hooks)");
      await t.mustSucceed(c.delete(), "delete");
      equal(order(t).at(-1), "poststop", "poststop runs at delete");
    },
  },
  {
    name: "hooks: the state of the container is passed on stdin",
    ref: "config.md#posix-platform-hooks",
    spec: "Hooks MUST be executed ... The state of the container MUST be passed to hooks over stdin so that they may do work appropriate to the current state of the container. (runtime.md#state, pid: for hooks executed in the container namespace, it is the pid as seen by the container)",
    async run(t) {
      const c = t.container(t.bundle((cfg) => allHooks(t, cfg)));
      await t.mustSucceed(c.create(), "create");
      const pid = (await c.state())?.pid;
      await t.mustSucceed(c.start(), "start");
      await c.waitFor("stopped");
      await t.mustSucceed(c.delete(), "delete");
      for (const name of HOST_HOOKS) {
        const state = hookLog(t, name);
        check(state, `${name} got no state on stdin`, "a state JSON", "nothing");
        equal(state.id, c.id, `${name}: state.id`);
        equal(state.bundle, c.bundle.dir, `${name}: state.bundle`);
        check(typeof state.ociVersion === "string", `${name}: state.ociVersion`, "string", state.ociVersion);
        check(typeof state.status === "string", `${name}: state.status`, "string", state.status);
        // runtime-namespace hooks see the pid "as seen by the runtime" (runtime.md#state)
        if (name === "prestart" || name === "createRuntime" || name === "poststart") equal(state.pid, pid, `${name}: state.pid is the host pid`);
        // container-namespace hooks see it "as seen by the container": pid 1 in its own pid namespace
        if (name === "createContainer") equal(state.pid, 1, `${name}: state.pid as the container sees it`);
      }
      const inner = JSON.parse(readFileSync(join(c.bundle.rootfs, "hooks", "startContainer.json"), "utf8"));
      equal(inner.id, c.id, "startContainer: state.id");
      equal(inner.pid, 1, "startContainer: state.pid as the container sees it");
    },
  },
  {
    name: "hooks: createRuntime runs in the runtime namespace, createContainer in the container's",
    ref: "config.md#createruntime-hooks",
    spec: "createRuntime hooks ... The createRuntime hooks' path MUST resolve in the runtime namespace. The createRuntime hooks MUST be executed in the runtime namespace. ... The createContainer hooks MUST be executed in the container namespace.",
    async run(t) {
      const log = join(t.dir, "hook-ns");
      const nsHook = (name: string) => ({ path: "/bin/sh", args: ["sh", "-c", `readlink /proc/self/ns/mnt > ${log}-${name}; readlink /proc/self/ns/uts >> ${log}-${name}`] });
      const c = t.container(t.bundle((cfg) => (cfg.hooks = { createRuntime: [nsHook("createRuntime")], createContainer: [nsHook("createContainer")] })));
      await t.mustSucceed(c.create(), "create");
      const pid = (await c.state())?.pid;
      const container = ["mnt", "uts"].map((ns) => readlinkSync(`/proc/${pid}/ns/${ns}`));
      const host = ["mnt", "uts"].map((ns) => readlinkSync(`/proc/self/ns/${ns}`));
      equal(readFileSync(`${log}-createRuntime`, "utf8").trim().split("\n"), host, "createRuntime hook's mnt and uts namespaces (the runtime's)");
      equal(readFileSync(`${log}-createContainer`, "utf8").trim().split("\n"), container, "createContainer hook's mnt and uts namespaces (the container's)");
    },
  },
  {
    name: "hooks: path, args and env are used as given",
    ref: "config.md#posix-platform-hooks",
    spec: "path (string, REQUIRED) with similar semantics to IEEE Std 1003.1-2008 execv's path. ... args (array of strings, OPTIONAL) with the same semantics as IEEE Std 1003.1-2008 execv's argv. env (array of strings, OPTIONAL) with the same semantics as IEEE Std 1003.1-2008's environ.",
    async run(t) {
      const out = join(t.dir, "hook-args");
      const c = t.container(t.bundle((cfg) => {
        cfg.hooks = { createRuntime: [{ path: "/bin/sh", args: ["sh", "-c", `echo "$0|$1|$HOOK_VAR" > ${out}`, "zero", "one"], env: ["HOOK_VAR=hook value"] }] };
      }));
      await t.mustSucceed(c.create(), "create");
      equal(readFileSync(out, "utf8").trim(), "zero|one|hook value", "the hook's $0|$1|$HOOK_VAR");
    },
  },
  {
    name: "hooks: a failing prestart hook fails create and stops the container",
    ref: "runtime.md#lifecycle",
    spec: "If any prestart hook fails, the runtime MUST generate an error, stop the container, and continue the lifecycle at step 12.",
    async run(t) {
      const c = t.container(t.bundle((cfg) => (cfg.hooks = { prestart: [FAIL] })));
      await t.mustFail(c.create(), "create with a failing prestart hook");
      const state = await c.state();
      check(state === undefined || state.status === "stopped", "the container must be stopped", "no container or stopped", state);
    },
  },
  {
    name: "hooks: a failing createRuntime hook fails create and stops the container",
    ref: "runtime.md#lifecycle",
    spec: "If any createRuntime hook fails, the runtime MUST generate an error, stop the container, and continue the lifecycle at step 12.",
    async run(t) {
      const c = t.container(t.bundle((cfg) => (cfg.hooks = { createRuntime: [FAIL] })));
      await t.mustFail(c.create(), "create with a failing createRuntime hook");
      const state = await c.state();
      check(state === undefined || state.status === "stopped", "the container must be stopped", "no container or stopped", state);
    },
  },
  {
    name: "hooks: a failing createContainer hook fails create and stops the container",
    ref: "runtime.md#lifecycle",
    spec: "If any createContainer hook fails, the runtime MUST generate an error, stop the container, and continue the lifecycle at step 12.",
    async run(t) {
      const c = t.container(t.bundle((cfg) => (cfg.hooks = { createContainer: [FAIL] })));
      await t.mustFail(c.create(), "create with a failing createContainer hook");
      const state = await c.state();
      check(state === undefined || state.status === "stopped", "the container must be stopped", "no container or stopped", state);
    },
  },
  {
    name: "hooks: a failing startContainer hook fails start and the process does not run",
    ref: "runtime.md#lifecycle",
    spec: "If any startContainer hook fails, the runtime MUST generate an error, stop the container, and continue the lifecycle at step 12.",
    async run(t) {
      const c = t.container(t.bundle((cfg) => (cfg.hooks = { startContainer: [FAIL] })));
      await t.mustSucceed(c.create(), "create");
      await t.mustFail(c.start(), "start with a failing startContainer hook");
      await Bun.sleep(100);
      const state = await c.state();
      check(state === undefined || state.status === "stopped", "the container must be stopped", "no container or stopped", state);
      equal(await c.stdout(), "", "the user process must not run");
    },
  },
  {
    name: "hooks: a failing poststart hook is a warning; later hooks and the lifecycle continue",
    ref: "runtime.md#lifecycle",
    spec: "If any poststart hook fails, the runtime MUST log a warning, but the remaining hooks and lifecycle continue as if the hook had succeeded.",
    async run(t) {
      const c = t.container(t.bundle((cfg) => {
        cfg.process.args = ["/checker", "sleep"];
        cfg.hooks = { poststart: [FAIL, hostHook(t, "poststart")] };
      }));
      await t.mustSucceed(c.create(), "create");
      await c.start();
      equal(order(t), ["poststart"], "the poststart hook after the failing one ran");
      equal((await c.state())?.status, "running", "the container keeps running");
    },
  },
  {
    name: "hooks: a failing poststop hook is a warning; delete succeeds and later hooks run",
    ref: "runtime.md#lifecycle",
    spec: "If any poststop hook fails, the runtime MUST log a warning, but the remaining hooks and lifecycle continue as if the hook had succeeded.",
    async run(t) {
      const c = t.container(t.bundle((cfg) => {
        cfg.process.args = ["/checker", "exit", "0"];
        cfg.hooks = { poststop: [FAIL, hostHook(t, "poststop")] };
      }));
      await t.mustSucceed(c.create(), "create");
      await t.mustSucceed(c.start(), "start");
      await c.waitFor("stopped");
      await t.mustSucceed(c.delete(), "delete with a failing poststop hook");
      equal(order(t), ["poststop"], "the poststop hook after the failing one ran");
      equal(await c.state(), undefined, "the container is deleted");
    },
  },
  {
    name: "hooks: timeout ends a hook that runs too long and create fails",
    ref: "config.md#posix-platform-hooks",
    spec: "timeout (int, OPTIONAL) is the number of seconds before aborting the hook. If set, timeout MUST be greater than zero.",
    async run(t) {
      const c = t.container(t.bundle((cfg) => (cfg.hooks = { createRuntime: [{ path: "/bin/sleep", args: ["sleep", "30"], timeout: 1 }] })));
      const started = Date.now();
      await t.mustFail(c.create(), "create with a hook that outlives its timeout");
      const took = Date.now() - started;
      check(took < 10_000, "the hook was not aborted at its timeout", "< 10 s", `${took} ms`);
    },
  },
];

