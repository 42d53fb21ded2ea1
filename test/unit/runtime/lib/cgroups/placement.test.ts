import { describe, expect, test } from "bun:test";
import { rootlessLimits } from "../../../../../runtime/lib/cgroups/placement.ts";

describe("rootless placement", () => {
  test("resource keys that need a cgroup (devices never does for a user)", () => {
    expect(rootlessLimits(undefined)).toEqual([]);
    expect(rootlessLimits({ devices: [{ allow: false }], memory: {} })).toEqual([]);
    expect(rootlessLimits({ memory: { limit: 1 }, pids: { limit: 5 } })).toEqual(["memory", "pids"]);
  });
});
