/**
 * Containers with a user namespace created by root (issue 3 "User namespaces"): several map
 * ranges written from outside by stage0, setgroups left allowed, the container's root and its
 * files mapped on the host, devices bound instead of mknod, /sys bound when there is no network
 * namespace of the container's own, and the rootfs checked to be reachable by the mapped root.
 */
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { chownSync, existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describeRoot } from "../../fixtures/root.ts";
import { makeBusyboxRootfs } from "../../../common/busybox-rootfs.ts";
import { RuntimeSuite, waitFor } from "../runtime/harness.ts";
import type { Spec } from "../../../runtime/lib/spec-types.ts";

const UID_MAPS = [
  { containerID: 0, hostID: 200000, size: 1000 },
  { containerID: 1000, hostID: 300000, size: 1000 },
];
const GID_MAPS = [
  { containerID: 0, hostID: 210000, size: 1000 },
  { containerID: 1000, hostID: 310000, size: 1000 },
];

function userns(c: Spec): void {
  c.linux!.namespaces!.push({ type: "user" });
  c.linux!.uidMappings = UID_MAPS;
  c.linux!.gidMappings = GID_MAPS;
}

describeRoot("user namespace with mapped root (runtime run by root)", () => {
  let s: RuntimeSuite;
  beforeAll(() => {
    s = new RuntimeSuite("userns");
  });
  afterEach(async () => {
    await s.cleanup.run();
  });
  afterAll(() => s?.remove());

  test("several ranges: maps written from outside, root inside, setgroups allowed, files owned by mapped ids on the host", async () => {
    const data = join(s.dir, "data");
    mkdirSync(data);
    chownSync(data, 200000, 210000);
    const r = await s.rt([
      "run",
      "--bundle",
      s.bundle(["sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map | tr -s ' '; cat /proc/self/setgroups; id -u; id -G; touch /home/by-root; touch /home/by-1000; chown 1000:1001 /home/by-1000"], (c) => {
        userns(c);
        c.process!.user.additionalGids = [1005];
        for (const set of ["bounding", "effective", "permitted"] as const) c.process!.capabilities![set]!.push("CAP_CHOWN");
        c.mounts!.push({ destination: "/home", type: "bind", source: data, options: ["rbind", "rw"] });
      }),
      s.id(),
    ]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(" 0 200000 1000\n 1000 300000 1000\n 0 210000 1000\n 1000 310000 1000\nallow\n0\n0 1005\n");
    expect(r.code).toBe(0);
    const owner = (f: string) => [statSync(join(data, f)).uid, statSync(join(data, f)).gid];
    expect(owner("by-root")).toEqual([200000, 210000]);
    expect(owner("by-1000")).toEqual([300000, 310001]);
  });

  test("the host sees the container's processes under the mapped ids", async () => {
    const id = s.id();
    expect((await s.rt(["create", "--bundle", s.bundle(["sleep", "1000"], (c) => {
      userns(c);
      c.process!.user = { uid: 1000, gid: 1000 };
    }), id])).code).toBe(0);
    const pid = JSON.parse((await s.rt(["state", id])).stdout).pid as number;
    expect((await s.rt(["start", id])).code).toBe(0);
    // after start the init has switched to the process user: container 1000 = host 300000
    await waitFor(() => /^Uid:\t300000\t/m.test(readFileSync(`/proc/${pid}/status`, "utf8")), "the init to become uid 1000");
    expect(readFileSync(`/proc/${pid}/status`, "utf8")).toMatch(/^Gid:\t310000\t310000\t310000\t310000$/m);
  });

  test("devices are bind mounts of the host's nodes, and they work", async () => {
    const r = await s.rt([
      "run",
      "--bundle",
      s.bundle(["sh", "-c", "awk '$5 ~ /^\\/dev\\/(null|zero|full|tty|random|urandom)$/ {print $5, $4}' /proc/self/mountinfo | sort; echo x > /dev/null; head -c 4 /dev/zero | wc -c"], userns),
      s.id(),
    ]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("/dev/full /full\n/dev/null /null\n/dev/random /random\n/dev/tty /tty\n/dev/urandom /urandom\n/dev/zero /zero\n4\n");
  });

  test("without a network namespace of its own, /sys is the host's sysfs bound read-only (runc's fallback)", async () => {
    const r = await s.rt([
      "run",
      "--bundle",
      s.bundle(["sh", "-c", "awk '$5 == \"/sys\" {print $9, $6}' /proc/self/mountinfo | cut -d, -f1; test -d /sys/kernel && echo has-kernel; touch /sys/x 2>/dev/null || echo ro"], (c) => {
        userns(c);
        c.linux!.namespaces = c.linux!.namespaces!.filter((n) => n.type !== "network");
      }),
      s.id(),
    ]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("sysfs ro\nhas-kernel\nro\n");
  });

  test("a rootfs the mapped root cannot reach is refused before anything starts", async () => {
    const hidden = join(s.dir, "hidden");
    mkdirSync(hidden, { mode: 0o700 });
    const rootfs = makeBusyboxRootfs(join(hidden, "rootfs"));
    const id = s.id();
    const r = await s.rt(["run", "--bundle", s.bundle(["true"], (c) => {
      userns(c);
      c.root = { path: rootfs, readonly: true };
    }), id]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`rootfs ${rootfs}: ${hidden} (mode 0700, owner 0:0) cannot be searched by the container's root, host uid 200000 gid 210000`);
    expect(existsSync(join(s.root, id))).toBe(false);
    // owned inside the mapping, the same directory is fine (CAP_DAC_OVERRIDE applies to mapped inodes)
    chownSync(hidden, 200000, 210000);
    const ok = await s.rt(["run", "--bundle", s.bundle(["true"], (c) => {
      userns(c);
      c.root = { path: rootfs, readonly: true };
    }), s.id()]);
    expect(ok).toEqual({ code: 0, stdout: "", stderr: "" });
  });

  test("bad maps are config errors naming the entry", async () => {
    const overlap = await s.rt(["run", "--bundle", s.bundle(["true"], (c) => {
      userns(c);
      c.linux!.uidMappings = [{ containerID: 0, hostID: 200000, size: 1000 }, { containerID: 500, hostID: 400000, size: 10 }];
    }), s.id()]);
    expect(overlap.code).toBe(1);
    expect(overlap.stderr).toContain("config.json /linux/uidMappings/1: range 500 400000 10 overlaps /linux/uidMappings/0");
    const noRoot = await s.rt(["run", "--bundle", s.bundle(["true"], (c) => {
      userns(c);
      c.linux!.gidMappings = [{ containerID: 1, hostID: 210000, size: 10 }];
      c.process!.user = { uid: 0, gid: 1 };
    }), s.id()]);
    expect(noRoot.code).toBe(1);
    expect(noRoot.stderr).toContain("config.json /linux/gidMappings: container gid 0 is not mapped");
    const unmappedUser = await s.rt(["run", "--bundle", s.bundle(["true"], (c) => {
      userns(c);
      c.process!.user = { uid: 5000, gid: 0 };
    }), s.id()]);
    expect(unmappedUser.code).toBe(1);
    expect(unmappedUser.stderr).toContain("config.json /process/user/uid: uid 5000 is not mapped by linux.uidMappings");
  });
});
