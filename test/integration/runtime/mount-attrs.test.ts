/**
 * mount_setattr(2) features (issue #13): runc's recursive mount options (rro, rnoexec, ...) reach
 * the submounts of a bind mount, and idmapped bind mounts (runtime-spec config.md
 * uidMappings/gidMappings with idmap/ridmap) show on-disk ids through the mount's maps, with and
 * without a user namespace, and write new files back with the on-disk ids.
 */
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { chownSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describeRoot } from "../../fixtures/root.ts";
import { RuntimeSuite } from "./harness.ts";

const USERNS_MAP = [{ containerID: 0, hostID: 100000, size: 65536 }];

describeRoot("bocker-runtime mount_setattr: recursive attributes and idmapped mounts", () => {
  let s: RuntimeSuite;
  beforeAll(() => {
    s = new RuntimeSuite("mountattr");
  });
  afterEach(async () => {
    await s.cleanup.run();
  });
  afterAll(() => s?.remove());

  /** A host directory with a tmpfs mounted on its `sub` (unmounted when the test ends). */
  function treeWithSubmount(name: string): string {
    const dir = join(s.dir, name);
    mkdirSync(join(dir, "sub"), { recursive: true });
    expect(Bun.spawnSync(["mount", "-t", "tmpfs", "tmpfs", join(dir, "sub")]).exitCode).toBe(0);
    s.cleanup.add(`umount ${dir}/sub`, () => Bun.spawnSync(["umount", join(dir, "sub")]));
    return dir;
  }

  test("rro makes a bind mount's submount read-only too; ro alone leaves it writable", async () => {
    const dir = treeWithSubmount("rro");
    const script = "touch /data/top 2>&1 | grep -o Read-only; touch /data/sub/x 2>&1 | grep -o Read-only || echo sub-writable";
    const ro = await s.rt(["run", "--bundle", s.bundle(["sh", "-c", script], (c) => {
      c.mounts!.push({ destination: "/data", type: "bind", source: dir, options: ["rbind", "ro"] });
    }), s.id()]);
    expect(ro).toEqual({ code: 0, stdout: "Read-only\nsub-writable\n", stderr: "" });
    const rro = await s.rt(["run", "--bundle", s.bundle(["sh", "-c", script], (c) => {
      c.mounts!.push({ destination: "/data", type: "bind", source: dir, options: ["rbind", "rro"] });
    }), s.id()]);
    expect(rro).toEqual({ code: 0, stdout: "Read-only\nRead-only\n", stderr: "" });
  });

  test("rnoexec and rnosuid reach the submount (mountinfo of the container)", async () => {
    const dir = treeWithSubmount("rnoexec");
    const r = await s.rt(["run", "--bundle", s.bundle(["sh", "-c", "grep ' /data/sub ' /proc/self/mountinfo | cut -d' ' -f6"], (c) => {
      c.mounts!.push({ destination: "/data", type: "bind", source: dir, options: ["rbind", "rnoexec", "rnosuid", "rnoatime"] });
    }), s.id()]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split(",")).toEqual(expect.arrayContaining(["nosuid", "noexec", "noatime"]));
  });

  /** A host directory owned by 1000:1000 with a file in it. */
  function ownedDir(name: string): string {
    const dir = join(s.dir, name);
    mkdirSync(dir);
    writeFileSync(join(dir, "file"), "x");
    chownSync(dir, 1000, 1000);
    chownSync(join(dir, "file"), 1000, 1000);
    return dir;
  }

  const script = "stat -c %u:%g /data /data/file; touch /data/new && echo created";

  test("idmap without a user namespace: on-disk 1000 appears as root, and root's new file lands as 1000", async () => {
    const dir = ownedDir("idmap-host");
    const r = await s.rt(["run", "--bundle", s.bundle(["sh", "-c", script], (c) => {
      const map = [{ containerID: 1000, hostID: 0, size: 1 }];
      c.mounts!.push({ destination: "/data", type: "bind", source: dir, options: ["bind", "idmap"], uidMappings: map, gidMappings: map });
    }), s.id()]);
    expect(r).toEqual({ code: 0, stdout: "0:0\n0:0\ncreated\n", stderr: "" });
    const st = statSync(join(dir, "new"));
    expect([st.uid, st.gid]).toEqual([1000, 1000]);
  });

  test("idmap in a user namespace: on-disk 1000 appears as the container's root, its new file lands as 1000", async () => {
    const dir = ownedDir("idmap-userns");
    const r = await s.rt(["run", "--bundle", s.bundle(["sh", "-c", script], (c) => {
      c.linux!.namespaces!.push({ type: "user" });
      c.linux!.uidMappings = USERNS_MAP;
      c.linux!.gidMappings = USERNS_MAP;
      const map = [{ containerID: 1000, hostID: 100000, size: 1 }];
      c.mounts!.push({ destination: "/data", type: "bind", source: dir, options: ["rbind", "ridmap"], uidMappings: map, gidMappings: map });
    }), s.id()]);
    expect(r).toEqual({ code: 0, stdout: "0:0\n0:0\ncreated\n", stderr: "" });
    const st = statSync(join(dir, "new"));
    expect([st.uid, st.gid]).toEqual([1000, 1000]);
  });

  test("idmap without maps of its own takes the container's user namespace maps: host root's files are the container root's", async () => {
    const dir = join(s.dir, "idmap-userns-maps");
    mkdirSync(dir);
    writeFileSync(join(dir, "file"), "x");
    const r = await s.rt(["run", "--bundle", s.bundle(["sh", "-c", script], (c) => {
      c.linux!.namespaces!.push({ type: "user" });
      c.linux!.uidMappings = USERNS_MAP;
      c.linux!.gidMappings = USERNS_MAP;
      c.mounts!.push({ destination: "/data", type: "bind", source: dir, options: ["bind", "idmap"] });
    }), s.id()]);
    expect(r).toEqual({ code: 0, stdout: "0:0\n0:0\ncreated\n", stderr: "" });
    const st = statSync(join(dir, "new"));
    expect([st.uid, st.gid]).toEqual([0, 0]);
  });

  test("ridmap maps the submounts of an rbind too; idmap only the top mount", async () => {
    const dir = treeWithSubmount("ridmap"); // sub: a tmpfs whose root is owned by host root
    chownSync(dir, 1000, 1000);
    const map = [{ containerID: 1000, hostID: 0, size: 1 }];
    const owners = async (option: string) => (await s.rt(["run", "--bundle", s.bundle(["stat", "-c", "%u", "/data", "/data/sub"], (c) => {
      c.mounts!.push({ destination: "/data", type: "bind", source: dir, options: ["rbind", option], uidMappings: map, gidMappings: map });
    }), s.id()])).stdout;
    expect(await owners("idmap")).toBe("0\n0\n"); // sub not id-mapped: host root stays root
    expect(await owners("ridmap")).toBe("0\n65534\n"); // sub id-mapped: host root is outside the map
  });

  test("an id outside the mount's maps shows as the overflow id, and an idmapped mount that is not a bind is refused", async () => {
    const dir = ownedDir("idmap-overflow");
    const r = await s.rt(["run", "--bundle", s.bundle(["stat", "-c", "%u", "/data/file"], (c) => {
      const map = [{ containerID: 0, hostID: 0, size: 1 }];
      c.mounts!.push({ destination: "/data", type: "bind", source: dir, options: ["bind", "idmap"], uidMappings: map, gidMappings: map });
    }), s.id()]);
    expect(r).toEqual({ code: 0, stdout: "65534\n", stderr: "" });
    const bad = await s.rt(["run", "--bundle", s.bundle(["true"], (c) => {
      c.mounts!.push({ destination: "/t", type: "tmpfs", source: "tmpfs", options: ["idmap"] });
    }), s.id()]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("/mounts/");
    expect(bad.stderr).toContain("idmapped mounts are only supported for bind mounts");
  });
});
