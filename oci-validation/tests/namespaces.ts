/** config-linux.md#namespaces, config.md#hostname, config.md#domainname. */
import { existsSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { check, equal } from "../runner/assert.ts";
import type { ConformanceTest } from "../runner/types.ts";

const hostNs = (type: string): number => statSync(`/proc/self/ns/${type}`).ino;
const SPEC_TO_PROC: Record<string, string> = { pid: "pid", network: "net", mount: "mnt", ipc: "ipc", uts: "uts", cgroup: "cgroup", time: "time" };

function ipNetns(args: string[]): void {
  const r = Bun.spawnSync(["ip", "netns", ...args], { stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`ip netns ${args.join(" ")}: ${r.stderr.toString()}`);
}

export const namespaceTests: ConformanceTest[] = [
  {
    name: "namespaces: each listed type without a path is a new namespace",
    ref: "config-linux.md#namespaces",
    spec: "path (string, OPTIONAL) - namespace file. ... If a path is not specified, the runtime MUST create a new container namespace of the given type.",
    async run(t) {
      const r = await t.runChecker((c) => (c.linux.namespaces = ["pid", "network", "ipc", "uts", "mount", "cgroup"].map((type) => ({ type }))));
      for (const [type, proc] of Object.entries(SPEC_TO_PROC)) {
        if (type === "time") continue;
        check(r.namespaces[proc] !== hostNs(proc), `${type}: a new namespace`, `not ${hostNs(proc)}`, r.namespaces[proc]);
      }
    },
  },
  {
    name: "namespaces: a type not listed is inherited from the runtime",
    ref: "config-linux.md#namespaces",
    spec: "If a namespace type is not specified in the namespaces array, the container MUST inherit the runtime namespace of that type.",
    async run(t) {
      const r = await t.runChecker((c) => {
        c.linux.namespaces = [{ type: "mount" }, { type: "pid" }];
        delete c.hostname;
      });
      for (const proc of ["net", "ipc", "uts", "cgroup"]) equal(r.namespaces[proc], hostNs(proc), `${proc} namespace is the host's`);
    },
  },
  {
    name: "namespaces: path joins an existing network namespace",
    ref: "config-linux.md#namespaces",
    spec: "If a path is specified, the runtime MUST place the container process in the namespace of the given type at the given path.",
    async run(t) {
      const name = `ociv-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
      ipNetns(["add", name]);
      t.cleanup.add(`ip netns delete ${name}`, () => ipNetns(["delete", name]));
      const path = `/var/run/netns/${name}`;
      const r = await t.runChecker((c) => (c.linux.namespaces = c.linux.namespaces.map((n: { type: string }) => (n.type === "network" ? { type: "network", path } : n))));
      equal(r.namespaces.net, statSync(path).ino, "net namespace inode of the process vs the netns file");
    },
  },
  {
    name: "namespaces: a path that is not a namespace is an error",
    ref: "config-linux.md#namespaces",
    spec: "If a path is specified, the runtime MUST place the container process in the namespace of the given type at the given path. If the namespace at path is not of the given type, or path does not exist, the runtime MUST generate an error.",
    async run(t) {
      const file = join(t.dir, "not-a-namespace");
      writeFileSync(file, "");
      await t.expectCreateFailure((c) => (c.linux.namespaces = c.linux.namespaces.map((n: { type: string }) => (n.type === "network" ? { type: "network", path: file } : n))), "a namespace path that is a regular file");
    },
  },
  {
    name: "namespaces: a namespace of the wrong type is an error",
    ref: "config-linux.md#namespaces",
    spec: "If the namespace at path is not of the given type, or path does not exist, the runtime MUST generate an error.",
    async run(t) {
      await t.expectCreateFailure((c) => (c.linux.namespaces = c.linux.namespaces.map((n: { type: string }) => (n.type === "network" ? { type: "network", path: "/proc/self/ns/uts" } : n))), "a uts namespace file given as network");
    },
  },
  {
    name: "namespaces: a missing path is an error",
    ref: "config-linux.md#namespaces",
    spec: "If the namespace at path is not of the given type, or path does not exist, the runtime MUST generate an error.",
    async run(t) {
      await t.expectCreateFailure((c) => (c.linux.namespaces = c.linux.namespaces.map((n: { type: string }) => (n.type === "network" ? { type: "network", path: "/var/run/netns/ociv-does-not-exist" } : n))), "a namespace path that does not exist");
    },
  },
  {
    name: "namespaces: a type listed twice is an error",
    ref: "config-linux.md#namespaces",
    spec: "If a namespace type is specified more than once, the runtime MUST generate an error. (namespaces: 'Namespaces types MUST NOT be duplicated')",
    async run(t) {
      await t.expectCreateFailure((c) => c.linux.namespaces.push({ type: "ipc" }), "a duplicated ipc namespace");
    },
  },
  {
    name: "namespaces: cgroup namespace makes the container's cgroup its root",
    ref: "config-linux.md#namespaces",
    spec: "cgroup the container will have an isolated view of the cgroup hierarchy.",
    async run(t) {
      const r = await t.runChecker((c) => c.linux.namespaces.push({ type: "cgroup" }));
      const memory = r.cgroup?.split("\n").find((l) => l.includes(":memory:"));
      equal(memory?.split(":")[2], "/", "the memory cgroup path seen inside a cgroup namespace");
    },
  },
  {
    name: "namespaces: user namespace with uid and gid mappings",
    ref: "config-linux.md#user-namespace-mappings",
    spec: "uidMappings (array of objects, OPTIONAL) describes the user namespace uid mappings from the host to the container. gidMappings (array of objects, OPTIONAL) describes the user namespace gid mappings from the host to the container.",
    async run(t) {
      const r = await t.runChecker((c) => {
        c.linux.namespaces.push({ type: "user" });
        c.linux.uidMappings = [{ containerID: 0, hostID: 0, size: 65536 }];
        c.linux.gidMappings = [{ containerID: 0, hostID: 0, size: 65536 }];
        // sysfs and cgroupfs cannot be mounted from a user namespace that does not own the network/cgroup namespace
        c.mounts = c.mounts.filter((m: { destination: string }) => !m.destination.startsWith("/sys"));
      });
      check(r.namespaces.user !== hostNs("user"), "a new user namespace", `not ${hostNs("user")}`, r.namespaces.user);
      equal(r.uidMap?.trim().split(/\s+/), ["0", "0", "65536"], "/proc/self/uid_map");
      equal(r.gidMap?.trim().split(/\s+/), ["0", "0", "65536"], "/proc/self/gid_map");
    },
  },
  {
    name: "namespaces: time namespace with timeOffsets",
    ref: "config-linux.md#offset-for-time-namespace",
    spec: "timeOffsets (object, OPTIONAL) sets the offset for Time Namespace. ... secs (int64, OPTIONAL) is the offset of clock (in seconds) in the container. nanosecs (uint32, OPTIONAL) is the additional offset for secs (in nanoseconds).",
    skip: () => (existsSync("/proc/self/ns/time") ? undefined : "the kernel has no time namespaces"),
    async run(t) {
      const r = await t.runChecker((c) => {
        c.linux.namespaces.push({ type: "time" });
        c.linux.timeOffsets = { monotonic: { secs: 1000, nanosecs: 5 }, boottime: { secs: 2000, nanosecs: 0 } };
      });
      check(r.namespaces.time !== hostNs("time"), "a new time namespace", `not ${hostNs("time")}`, r.namespaces.time);
      const offsets = Object.fromEntries((r.timensOffsets ?? "").trim().split("\n").map((l) => { const [clock, s, ns] = l.trim().split(/\s+/); return [clock, `${s} ${ns}`]; }));
      equal(offsets, { monotonic: "1000 5", boottime: "2000 0" }, "/proc/self/timens_offsets");
    },
  },
  {
    name: "hostname: set in the new UTS namespace",
    ref: "config.md#hostname",
    spec: "hostname (string, OPTIONAL) specifies the container's hostname as seen by processes running inside the container. On Linux, for example, this will change the hostname in the container UTS namespace.",
    async run(t) {
      equal((await t.runChecker((c) => (c.hostname = "conformance-host"))).hostname, "conformance-host", "uname nodename");
    },
  },
  {
    name: "hostname: without a new UTS namespace is an error",
    ref: "config-linux.md#namespaces",
    spec: "uts the container will be able to have its own hostname and domain name. (runc: 'unable to set hostname without a private UTS namespace'; setting it would change the host's)",
    async run(t) {
      await t.expectCreateFailure((c) => {
        c.hostname = "must-not-reach-the-host";
        c.linux.namespaces = c.linux.namespaces.filter((n: { type: string }) => n.type !== "uts");
      }, "hostname without a uts namespace");
    },
  },
  {
    name: "domainname: set in the new UTS namespace",
    ref: "config.md#domainname",
    spec: "domainname (string, OPTIONAL) specifies the container's domainname as seen by processes running inside the container. On Linux, for example, this will change the domainname in the container UTS namespace.",
    async run(t) {
      equal((await t.runChecker((c) => (c.domainname = "conformance.example"))).domainname, "conformance.example", "uname domainname");
    },
  },
];
