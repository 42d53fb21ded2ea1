/** runtime.md: State, Lifecycle and Operations (create, start, state, kill, delete). */
import { existsSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { check, equal } from "../runner/assert.ts";
import type { ConformanceTest } from "../runner/types.ts";

const SLEEP = ["/checker", "sleep"];

export const lifecycleTests: ConformanceTest[] = [
  {
    name: "lifecycle: create leaves the container created and does not run the process",
    ref: "runtime.md#create",
    spec: "This operation MUST create a new container. ... the user-specified program (from process) MUST NOT be run at this time.",
    async run(t) {
      const c = t.container(t.bundle());
      await t.mustSucceed(c.create(), "create");
      const state = await c.state();
      equal(state?.status, "created", "status after create");
      await Bun.sleep(200);
      equal(await c.stdout(), "", "the checker must not have run before start");
    },
  },
  {
    name: "lifecycle: status goes created → running → stopped",
    ref: "runtime.md#state",
    spec: "status (string, REQUIRED) is the runtime state of the container. The value MAY be one of: creating, created, running, stopped",
    async run(t) {
      const c = t.container(t.bundle((cfg) => (cfg.process.args = ["/checker", "sleep", "1"])));
      await t.mustSucceed(c.create(), "create");
      equal((await c.state())?.status, "created", "status after create");
      await t.mustSucceed(c.start(), "start");
      equal((await c.state())?.status, "running", "status after start while the process runs");
      await c.waitFor("stopped", 5000);
    },
  },
  {
    name: "state: JSON has ociVersion, id, status, pid, bundle",
    ref: "runtime.md#state",
    spec: "ociVersion (string, REQUIRED) ... id (string, REQUIRED) ... status (string, REQUIRED) ... pid (int, REQUIRED when status is created or running on Linux) ... bundle (string, REQUIRED) is the absolute path to the container's bundle directory.",
    async run(t) {
      const c = t.container(t.bundle((cfg) => (cfg.process.args = SLEEP)));
      await t.mustSucceed(c.create(), "create");
      const state = await c.state();
      check(state, "state must succeed for a created container");
      check(typeof state.ociVersion === "string" && state.ociVersion.length > 0, "ociVersion must be a non-empty string", "string", state.ociVersion);
      equal(state.id, c.id, "id");
      equal(state.bundle, c.bundle.dir, "bundle must be the absolute bundle path");
      check(typeof state.pid === "number" && state.pid > 0, "pid must be a positive int while created", "pid > 0", state.pid);
      check(existsSync(`/proc/${state.pid}`), "pid must name a live host process", `/proc/${state.pid}`, "missing");
      await t.mustSucceed(c.start(), "start");
      const running = await c.state();
      equal(running?.pid, state.pid, "pid stays the same from created to running");
    },
  },
  {
    name: "state: pid is the container process (same namespaces as the checker reports)",
    ref: "runtime.md#state",
    spec: "pid (int, REQUIRED when status is created or running on Linux, OPTIONAL on other platforms) is the ID of the container process. For hooks executed in the runtime namespace, it is the pid as seen by the runtime.",
    async run(t) {
      const c = t.container(t.bundle());
      await t.mustSucceed(c.create(), "create");
      const pid = (await c.state())?.pid;
      check(pid, "state has a pid");
      const hostView = Object.fromEntries(["mnt", "net", "pid", "ipc", "uts"].map((ns) => [ns, statSync(`/proc/${pid}/ns/${ns}`).ino]));
      await t.mustSucceed(c.start(), "start");
      await c.waitFor("stopped");
      const report = await c.report();
      for (const ns of ["mnt", "net", "ipc", "uts"]) equal(report.namespaces[ns], hostView[ns], `${ns} namespace of state.pid vs the process`);
      equal(report.pid, 1, "the process is pid 1 of its new pid namespace");
    },
  },
  {
    name: "state: annotations from config.json",
    ref: "runtime.md#state",
    spec: "annotations (map, OPTIONAL) contains the list of annotations associated with the container.",
    async run(t) {
      const annotations = { "org.opencontainers.test": "yes", "com.example.key": "value with spaces" };
      const c = t.container(t.bundle((cfg) => (cfg.annotations = annotations)));
      await t.mustSucceed(c.create(), "create");
      equal((await c.state())?.annotations, annotations, "state.annotations");
    },
  },
  {
    name: "state: unknown id is an error",
    ref: "runtime.md#query-state",
    spec: "This operation MUST generate an error if it is not provided the ID of a container.",
    async run(t) {
      await t.mustFail(t.runtime.run(["state", "ociv-no-such-container"]), "state of an unknown id");
    },
  },
  {
    name: "create: an id already in use is an error and no new container is made",
    ref: "runtime.md#create",
    spec: "If the ID provided is not unique across all containers within the scope of the runtime, or is not valid in any other way, the implementation MUST generate an error and a new container MUST NOT be created.",
    async run(t) {
      const first = t.bundle((cfg) => (cfg.process.args = SLEEP));
      const c = t.container(first);
      await t.mustSucceed(c.create(), "create");
      const pid = (await c.state())?.pid;
      const second = t.bundle((cfg) => (cfg.process.args = SLEEP), "second");
      await t.mustFail(t.runtime.create(c.id, second.dir, { stdout: join(t.dir, "dup.out"), stderr: join(t.dir, "dup.err") }), "create with a duplicate id");
      const state = await c.state();
      equal(state?.bundle, first.dir, "the first container's bundle is unchanged");
      equal(state?.pid, pid, "the first container's pid is unchanged");
    },
  },
  {
    name: "create: an id that is not valid is an error",
    ref: "runtime.md#create",
    spec: "If the ID provided is not unique across all containers within the scope of the runtime, or is not valid in any other way, the implementation MUST generate an error and a new container MUST NOT be created.",
    async run(t) {
      const b = t.bundle((cfg) => (cfg.process.args = SLEEP));
      for (const id of ["../escape", "a/b", ""]) {
        await t.mustFail(t.runtime.create(id, b.dir, { stdout: join(t.dir, "bad-id.out"), stderr: join(t.dir, "bad-id.err") }), `create with id ${JSON.stringify(id)}`);
      }
      check(!existsSync(join(t.dir, "escape")), "create with id ../escape wrote outside its --root", "nothing at ../escape", join(t.dir, "escape"));
    },
  },
  {
    name: "create: a process that cannot be executed is an error at create",
    ref: "runtime.md#create",
    spec: "If the runtime cannot create the container as specified in config.json, it MUST generate an error and a new container MUST NOT be created.",
    async run(t) {
      await t.expectCreateFailure((cfg) => (cfg.process.args = ["/does-not-exist"]), "a missing process.args[0]");
    },
  },
  {
    name: "create: changes to config.json after create do not affect the container",
    ref: "runtime.md#lifecycle",
    spec: "Any updates to config.json after this step MUST NOT affect the container.",
    async run(t) {
      const b = t.bundle();
      const c = t.container(b);
      await t.mustSucceed(c.create(), "create");
      b.config.process.env.push("CHANGED_AFTER_CREATE=1");
      b.config.process.args = ["/checker", "exit", "3"];
      b.write();
      await t.mustSucceed(c.start(), "start");
      await c.waitFor("stopped");
      const report = await c.report();
      check(!report.env.includes("CHANGED_AFTER_CREATE=1"), "env edited after create reached the process", "unchanged env", report.env);
    },
  },
  {
    name: "start: runs process.args",
    ref: "runtime.md#start",
    spec: "This operation MUST run the user-specified program as specified by process.",
    async run(t) {
      const c = t.container(t.bundle((cfg) => (cfg.process.args = ["/checker", "report", "extra arg", "--"])));
      await t.mustSucceed(c.create(), "create");
      await t.mustSucceed(c.start(), "start");
      await c.waitFor("stopped");
      equal((await c.report()).args, ["/checker", "report", "extra arg", "--"], "argv of the process");
    },
  },
  {
    name: "start: a container that is not created is an error",
    ref: "runtime.md#start",
    spec: "Attempting to start a container that is not created MUST have no effect on the container and MUST generate an error.",
    async run(t) {
      const c = t.container(t.bundle((cfg) => (cfg.process.args = SLEEP)));
      await t.mustSucceed(c.create(), "create");
      await t.mustSucceed(c.start(), "start");
      const pid = (await c.state())?.pid;
      await t.mustFail(c.start(), "start on a running container");
      const state = await c.state();
      equal(state?.status, "running", "status after the refused start");
      equal(state?.pid, pid, "pid after the refused start");
    },
  },
  {
    name: "start: a stopped container is an error",
    ref: "runtime.md#start",
    spec: "Attempting to start a container that is not created MUST have no effect on the container and MUST generate an error.",
    async run(t) {
      const c = t.container(t.bundle((cfg) => (cfg.process.args = ["/checker", "exit", "0"])));
      await t.mustSucceed(c.create(), "create");
      await t.mustSucceed(c.start(), "start");
      await c.waitFor("stopped");
      await t.mustFail(c.start(), "start on a stopped container");
      equal((await c.state())?.status, "stopped", "status after the refused start");
    },
  },
  {
    name: "start: unknown id is an error",
    ref: "runtime.md#start",
    spec: "This operation MUST generate an error if it is not provided the container ID.",
    async run(t) {
      await t.mustFail(t.runtime.start("ociv-no-such-container"), "start of an unknown id");
    },
  },
  {
    name: "kill: signal reaches a running process",
    ref: "runtime.md#kill",
    spec: "This operation MUST send the specified signal to the container process.",
    async run(t) {
      const c = t.container(t.bundle((cfg) => (cfg.process.args = SLEEP)));
      await t.mustSucceed(c.create(), "create");
      await t.mustSucceed(c.start(), "start");
      await t.mustSucceed(c.kill("SIGTERM"), "kill SIGTERM");
      await c.waitFor("stopped", 5000);
    },
  },
  {
    name: "kill: a created container can be killed",
    ref: "runtime.md#kill",
    spec: "Attempting to send a signal to a container that is neither created nor running MUST have no effect on the container and MUST generate an error.",
    async run(t) {
      const c = t.container(t.bundle((cfg) => (cfg.process.args = SLEEP)));
      await t.mustSucceed(c.create(), "create");
      await t.mustSucceed(c.kill("SIGKILL"), "kill SIGKILL of a created container");
      await c.waitFor("stopped", 5000);
    },
  },
  {
    name: "kill: a stopped container is an error",
    ref: "runtime.md#kill",
    spec: "Attempting to send a signal to a container that is neither created nor running MUST have no effect on the container and MUST generate an error.",
    async run(t) {
      const c = t.container(t.bundle((cfg) => (cfg.process.args = ["/checker", "exit", "0"])));
      await t.mustSucceed(c.create(), "create");
      await t.mustSucceed(c.start(), "start");
      await c.waitFor("stopped");
      await t.mustFail(c.kill("SIGKILL"), "kill of a stopped container");
      equal((await c.state())?.status, "stopped", "status after the refused kill");
    },
  },
  {
    name: "delete: a running container is an error",
    ref: "runtime.md#delete",
    spec: "Attempting to delete a container that is not stopped MUST have no effect on the container and MUST generate an error.",
    async run(t) {
      const c = t.container(t.bundle((cfg) => (cfg.process.args = SLEEP)));
      await t.mustSucceed(c.create(), "create");
      await t.mustSucceed(c.start(), "start");
      await t.mustFail(c.delete(), "delete of a running container");
      equal((await c.state())?.status, "running", "status after the refused delete");
    },
  },
  {
    name: "delete: a created container is an error",
    ref: "runtime.md#delete",
    spec: "Attempting to delete a container that is not stopped MUST have no effect on the container and MUST generate an error.",
    async run(t) {
      const c = t.container(t.bundle((cfg) => (cfg.process.args = SLEEP)));
      await t.mustSucceed(c.create(), "create");
      await t.mustFail(c.delete(), "delete of a created container");
      equal((await c.state())?.status, "created", "status after the refused delete");
    },
  },
  {
    name: "delete: a stopped container is removed with what create made",
    ref: "runtime.md#delete",
    spec: "Deleting a container MUST delete the resources that were created during the create step.",
    async run(t) {
      const c = t.container(t.bundle((cfg) => (cfg.process.args = ["/checker", "exit", "0"])));
      await t.mustSucceed(c.create(), "create");
      const pid = (await c.state())?.pid;
      const cgroupLines = await Bun.file(`/proc/${pid}/cgroup`).text();
      const memory = cgroupLines.split("\n").find((l) => /:memory:/.test(l))?.split(":")[2];
      await t.mustSucceed(c.start(), "start");
      await c.waitFor("stopped");
      await t.mustSucceed(c.delete(), "delete");
      equal(await c.state(), undefined, "state must fail after delete");
      if (memory && memory !== "/") check(!existsSync(join("/sys/fs/cgroup/memory", memory)), "the container's memory cgroup is left after delete", "removed", memory);
    },
  },
  {
    name: "delete: unknown id is an error",
    ref: "runtime.md#delete",
    spec: "This operation MUST generate an error if it is not provided the container ID.",
    async run(t) {
      await t.mustFail(t.runtime.delete("ociv-no-such-container"), "delete of an unknown id");
    },
  },
  {
    name: "bundle: config.json is read from the bundle given to create",
    ref: "runtime.md#create",
    spec: "This operation MUST generate an error if it is not provided a path to the bundle and the ID to associate with the container.",
    async run(t) {
      const b = t.bundle();
      writeFileSync(join(b.dir, "config.json"), "{ not json");
      const c = t.container(b);
      await t.mustFail(c.create(), "create with an unparsable config.json");
      equal(await c.state(), undefined, "no container after a failed create");
    },
  },
];
