/**
 * Recursive mount options (runc specconv recAttrFlags) and idmapped bind mounts (runtime-spec
 * config.md) → plan steps.
 */
import { describe, expect, test } from "bun:test";
import { MOUNT_ATTR, parseMountOptions } from "../../../../../runtime/lib/linux/mount-options.ts";
import { mountSteps, type MountFacts } from "../../../../../runtime/lib/linux/mounts.ts";
import { PlanBuilder } from "../../../../../runtime/lib/plan/builder.ts";
import type { Mount } from "../../../../../runtime/lib/spec-types.ts";

const facts: MountFacts = {
  bundle: "/b",
  sourceKind: (p) => (p === "/missing" ? "missing" : "dir"),
  cgroupLayout: { unified: true, v1: [], hybridUnified: false },
};

function compile(mounts: Mount[]): PlanBuilder {
  const b = new PlanBuilder();
  mountSteps(b, mounts, facts);
  return b;
}

describe("recursive mount options", () => {
  test("set, clear, and an access-time mode also clears MOUNT_ATTR__ATIME (mount_setattr(2))", () => {
    expect(parseMountOptions(["rro", "rnosuid", "rexec"]).recursive).toEqual({ set: MOUNT_ATTR.RDONLY | MOUNT_ATTR.NOSUID, clear: MOUNT_ATTR.NOEXEC });
    expect(parseMountOptions(["rnoatime"]).recursive).toEqual({ set: MOUNT_ATTR.NOATIME, clear: MOUNT_ATTR._ATIME });
    expect(parseMountOptions(["rstrictatime"]).recursive).toEqual({ set: MOUNT_ATTR.STRICTATIME, clear: MOUNT_ATTR._ATIME });
    expect(parseMountOptions(["rw", "ro"]).recursive).toEqual({ set: 0, clear: 0 });
  });

  test("applied recursively after the bind and its remount, before propagation", () => {
    const b = compile([{ destination: "/d", source: "/src", type: "bind", options: ["rbind", "ro", "rro", "rprivate"] }]);
    expect(b.plan.init.map((s) => s.op)).toEqual(["MKDIR_IN_ROOT", "MOUNT_IN_ROOT", "REMOUNT_IN_ROOT", "MOUNT_SETATTR_IN_ROOT", "PROPAGATE_IN_ROOT"]);
    expect(b.plan.init[3]!.args).toEqual(["/d", MOUNT_ATTR.RDONLY, 0, 1]);
    expect(b.origins[b.plan.init[3]!.origin]!.pointer).toBe("/mounts/0/options");
  });
});

describe("idmapped bind mounts", () => {
  const map = [{ containerID: 1000, hostID: 0, size: 1 }];

  test("the tree is made in HOST with the maps as map text and moved into place in INIT", () => {
    const b = compile([{ destination: "/d", source: "/src", type: "bind", options: ["rbind", "ridmap", "ro"], uidMappings: map, gidMappings: map }]);
    expect(b.plan.host).toEqual([{ op: "IDMAPPED_TREE_SLOT", args: [0, "/src", "1000 0 1\n", "1000 0 1\n", 3], origin: 0 }]);
    expect(b.plan.init.map((s) => s.op)).toEqual(["MKDIR_IN_ROOT", "MOVE_MOUNT_SLOT_IN_ROOT", "REMOUNT_IN_ROOT"]);
    expect(b.plan.init[1]!.args).toEqual([0, "/d"]);
  });

  test("idmap without AT_RECURSIVE for a plain bind; mappings alone make an idmapped mount", () => {
    const b = compile([{ destination: "/d", source: "/src", type: "bind", options: ["bind"], uidMappings: map, gidMappings: map }]);
    expect(b.plan.host[0]!.args[4]).toBe(0);
  });

  test("idmap without maps of its own takes the container's user namespace maps (runtime-spec #1224)", () => {
    const userns = [{ containerID: 0, hostID: 100000, size: 65536 }];
    const b = new PlanBuilder();
    mountSteps(b, [{ destination: "/d", source: "/src", type: "bind", options: ["bind", "idmap"] }], { ...facts, userNamespaceMaps: { uid: userns, gid: userns } });
    expect(b.plan.host[0]!.args.slice(2, 4)).toEqual(["0 100000 65536\n", "0 100000 65536\n"]);
    expect(() => compile([{ destination: "/d", source: "/src", type: "bind", options: ["idmap"] }])).toThrow("config.json /mounts/0: idmap without uidMappings/gidMappings takes the container's user namespace maps, and there is no new user namespace");
  });

  test("errors name the mount: one map missing, a non-bind, a bad range", () => {
    expect(() => compile([{ destination: "/d", source: "/src", type: "bind", options: ["idmap"], uidMappings: map }])).toThrow("config.json /mounts/0: an idmapped mount needs both uidMappings and gidMappings");
    expect(() => compile([{ destination: "/d", source: "tmpfs", type: "tmpfs", options: ["idmap"] }])).toThrow("config.json /mounts/0: idmapped mounts are only supported for bind mounts");
    const bad = [{ containerID: 0, hostID: 0, size: 0 }];
    expect(() => compile([{ destination: "/d", source: "/src", type: "bind", options: ["idmap"], uidMappings: bad, gidMappings: map }])).toThrow("/mounts/0/uidMappings/0");
  });
});
