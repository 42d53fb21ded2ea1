import { expect, test } from "bun:test";
import { defaultSpec } from "../../../../../imagetool/lib/bundle/defaults.ts";
import { toRootlessSpec } from "../../../../../imagetool/lib/bundle/rootless-spec.ts";

const single = { uidMappings: [{ containerID: 0, hostID: 1001, size: 1 }], gidMappings: [{ containerID: 0, hostID: 1001, size: 1 }] };
const ranges = {
  uidMappings: [{ containerID: 0, hostID: 1001, size: 1 }, { containerID: 1, hostID: 100000, size: 65535 }],
  gidMappings: [{ containerID: 0, hostID: 1001, size: 1 }, { containerID: 1, hostID: 100000, size: 65535 }],
};

function spec(user = { uid: 0, gid: 0, additionalGids: [10] }) {
  const s = defaultSpec();
  s.process!.user = user;
  return s;
}

test("runc's rootless changes: a user namespace with the maps, no network namespace, /sys bound, no gid= options, no resources", () => {
  const s = toRootlessSpec(spec(), single);
  expect(s.linux!.namespaces!.map((n) => n.type).sort()).toEqual(["ipc", "mount", "pid", "user", "uts"]);
  expect(s.linux!.uidMappings).toEqual(single.uidMappings);
  expect(s.linux!.gidMappings).toEqual(single.gidMappings);
  expect(s.linux!.resources).toBeUndefined();
  expect(s.mounts!.find((m) => m.destination === "/sys")).toEqual({ destination: "/sys", type: "none", source: "/sys", options: ["rbind", "nosuid", "noexec", "nodev", "ro"] });
  expect(s.mounts!.flatMap((m) => m.options ?? []).filter((o) => /^(u|g)id=/.test(o))).toEqual([]);
  // one id mapped: setgroups is denied, so no additional groups
  expect(s.process!.user).toEqual({ uid: 0, gid: 0 });
});

test("a network namespace to join (--netns) is kept; a new one is not made", () => {
  const s = spec();
  s.linux!.namespaces = s.linux!.namespaces!.map((n) => (n.type === "network" ? { type: "network", path: "/run/user/1001/netns/x" } : n));
  expect(toRootlessSpec(s, single).linux!.namespaces).toContainEqual({ type: "network", path: "/run/user/1001/netns/x" });
});

test("with subordinate ranges the image's user and its mapped groups stay", () => {
  const s = toRootlessSpec(spec({ uid: 1000, gid: 1000, additionalGids: [10, 70000] }), ranges);
  expect(s.process!.user).toEqual({ uid: 1000, gid: 1000, additionalGids: [10] });
});

test("a user the maps do not hold, and cgroup limits, are refused with what to do", () => {
  expect(() => toRootlessSpec(spec({ uid: 1000, gid: 1000, additionalGids: [] }), single)).toThrow(
    "the container's user 1000:1000 cannot run rootless: only root exists in a rootless container without a /etc/subuid range (choose another with --user)",
  );
  expect(() => toRootlessSpec(spec({ uid: 70000, gid: 0, additionalGids: [] }), ranges)).toThrow("the user namespace's maps do not hold it");
  const limited = spec();
  limited.linux!.resources = { memory: { limit: 1 << 26 } };
  expect(() => toRootlessSpec(limited, single)).toThrow("--memory and --cpus need a cgroup delegated to the user");
});
