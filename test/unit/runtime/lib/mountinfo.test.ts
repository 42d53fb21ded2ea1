import { describe, expect, test } from "bun:test";
import { parseMountinfo, unescapeMountinfo } from "../../../../runtime/lib/mountinfo.ts";

/** proc_pid_mountinfo(5)'s example, a bind mount whose paths hold a space, a tab, a newline and a backslash, and a cgroup v1 hierarchy. */
const MOUNTINFO = `36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
40 36 254:1 /my\\040dir/a\\011b /srv/x\\012y\\134z rw,relatime shared:5 master:2 - ext4 /dev/disk\\040one rw
41 36 0:60 /docker/abc /sys/fs/cgroup/cpu,cpuacct ro,nosuid - cgroup cgroup rw,cpu,cpuacct
not a mountinfo line
`;

describe("mountinfo (proc_pid_mountinfo(5))", () => {
  test("every field, the optional fields skipped up to the separator", () => {
    const [first, , cgroup] = parseMountinfo(MOUNTINFO);
    expect(first).toEqual({
      id: 36,
      parentId: 35,
      dev: "98:0",
      root: "/mnt1",
      mountpoint: "/mnt2",
      options: ["rw", "noatime"],
      fstype: "ext3",
      source: "/dev/root",
      superOptions: ["rw", "errors=continue"],
    });
    expect(cgroup!.superOptions).toEqual(["rw", "cpu", "cpuacct"]);
    expect(cgroup!.root).toBe("/docker/abc");
  });

  test("\\ooo escapes in root, mount point and source are undone (space, tab, newline, backslash)", () => {
    const bind = parseMountinfo(MOUNTINFO)[1]!;
    expect(bind.root).toBe("/my dir/a\tb");
    expect(bind.mountpoint).toBe("/srv/x\ny\\z");
    expect(bind.source).toBe("/dev/disk one");
  });

  test("lines without the separator are skipped", () => {
    expect(parseMountinfo(MOUNTINFO)).toHaveLength(3);
    expect(parseMountinfo("")).toEqual([]);
  });

  test("unescaping leaves other backslashes and plain text alone", () => {
    expect(unescapeMountinfo("/a\\040b")).toBe("/a b");
    expect(unescapeMountinfo("/plain")).toBe("/plain");
    expect(unescapeMountinfo("/x\\9y")).toBe("/x\\9y");
  });
});
