import { expect, test } from "bun:test";
import { rootlessChoice } from "../../../../../imagetool/lib/snapshot/rootless-choice.ts";

test("rootless: overlay falls back to copy, btrfs without user_subvol_rm_allowed too, copy stays", () => {
  // /proc is never btrfs nor mounted with user_subvol_rm_allowed
  expect(rootlessChoice("/proc", "overlay", false)).toBe("copy");
  expect(rootlessChoice("/proc", "btrfs", false)).toBe("copy");
  expect(rootlessChoice("/proc", "copy", false)).toBe("copy");
});
