import { expect, test } from "bun:test";
import { isSingleIdMap, readIdMap, rootlessStoreRoot } from "../../../../../imagetool/lib/sys/rootless.ts";

test("an unprivileged user's store: $XDG_DATA_HOME/bocker, else ~/.local/share/bocker (as podman's)", () => {
  expect(rootlessStoreRoot({ XDG_DATA_HOME: "/x/data", HOME: "/home/u" })).toBe("/x/data/bocker");
  expect(rootlessStoreRoot({ HOME: "/home/u" })).toBe("/home/u/.local/share/bocker");
  expect(rootlessStoreRoot({ XDG_DATA_HOME: "", HOME: "/home/u" })).toBe("/home/u/.local/share/bocker");
});

test("/proc/self/uid_map is read as OCI mappings; one id of size 1 is the single-id map", () => {
  const m = readIdMap("uid");
  expect(m.length).toBeGreaterThan(0);
  for (const e of m) expect(Object.keys(e)).toEqual(["containerID", "hostID", "size"]);
  expect(isSingleIdMap({ uidMappings: [{ containerID: 0, hostID: 1000, size: 1 }] })).toBe(true);
  expect(isSingleIdMap({ uidMappings: [{ containerID: 0, hostID: 1000, size: 1 }, { containerID: 1, hostID: 100000, size: 65536 }] })).toBe(false);
});
