/** config.md#root and config.md#mounts, config-linux.md#rootfs-mount-propagation. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { check, equal, includes } from "../runner/assert.ts";
import type { TestContext } from "../runner/context.ts";
import { mountAt, mountOptions, type MountInfo } from "../runner/report.ts";
import type { ConformanceTest } from "../runner/types.ts";

function mount(args: string[]): void {
  const r = Bun.spawnSync(["mount", ...args], { stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`mount ${args.join(" ")}: ${r.stderr.toString()}`);
}

/**
 * Runs the checker from a bundle that sits on a shared mount (this host's mounts are all private,
 * where every propagation looks private), with linux.rootfsPropagation set; returns the / mount.
 */
async function rootMountWithPropagation(t: TestContext, propagation: string): Promise<MountInfo | undefined> {
  const b = t.bundle((c) => (c.linux.rootfsPropagation = propagation));
  mount(["--bind", b.dir, b.dir]);
  t.cleanup.add(`umount ${b.dir}`, () => Bun.spawnSync(["umount", "-l", b.dir]));
  mount(["--make-shared", b.dir]);
  const c = t.container(b);
  await t.mustSucceed(c.create(), "create");
  await t.mustSucceed(c.start(), "start");
  await c.waitFor("stopped");
  return mountAt(await c.report(), "/");
}

export const mountTests: ConformanceTest[] = [
  {
    name: "root: readonly true makes the root filesystem read-only",
    ref: "config.md#root",
    spec: "readonly (bool, OPTIONAL) If true then the root filesystem MUST be read-only, defaults to false.",
    async run(t) {
      const r = await t.runChecker((c) => (c.root.readonly = true), ["--path", "/", "--path", "/etc"]);
      equal(r.paths["/"]?.readonly, true, "statvfs(/) has ST_RDONLY");
      const root = mountAt(r, "/");
      check(root && mountOptions(root).includes("ro"), "the / mount has option ro", "ro", root?.options);
    },
  },
  {
    name: "root: readonly false leaves the root filesystem writable",
    ref: "config.md#root",
    spec: "readonly (bool, OPTIONAL) If true then the root filesystem MUST be read-only, defaults to false.",
    async run(t) {
      const r = await t.runChecker((c) => (c.root.readonly = false), ["--path", "/"]);
      equal(r.paths["/"]?.readonly, false, "statvfs(/) without ST_RDONLY");
    },
  },
  {
    name: "root: path may be absolute",
    ref: "config.md#root",
    spec: "path (string, REQUIRED) Specifies the path to the root filesystem for the container. ... this can be an absolute path or a relative path to the bundle.",
    async run(t) {
      const b = t.bundle((c) => (c.process.args = ["/checker", "report", "--path", "/bundle-marker"]));
      writeFileSync(join(b.rootfs, "bundle-marker"), "here");
      b.config.root.path = b.rootfs;
      b.write();
      const c = t.container(b);
      await t.mustSucceed(c.create(), "create");
      await t.mustSucceed(c.start(), "start");
      await c.waitFor("stopped");
      equal((await c.report()).paths["/bundle-marker"]?.bytes, 4, "the file from root.path is visible at /");
    },
  },
  {
    name: "mounts: tmpfs with options and data",
    ref: "config.md#mounts",
    spec: "options (array of strings, OPTIONAL) Mount options of the filesystem to be used. ... type (string, OPTIONAL) The type of the filesystem to be mounted.",
    async run(t) {
      const r = await t.runChecker((c) => c.mounts.push({ destination: "/data", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "noexec", "ro", "size=1m", "mode=700"] }));
      const m = mountAt(r, "/data");
      check(m, "a mount at /data", "/data", r.mounts.map((x) => x.target));
      equal(m.fstype, "tmpfs", "fstype");
      for (const o of ["ro", "nosuid", "nodev", "noexec"]) includes(mountOptions(m), o, `per-mount option ${o}`);
      includes(m.superOptions.split(","), "size=1024k", "tmpfs size=1m");
      includes(m.superOptions.split(","), "mode=700", "tmpfs mode=700");
    },
  },
  {
    name: "mounts: bind mount of a host directory",
    ref: "config.md#mounts",
    spec: "source (string, OPTIONAL) A device name, but can also be a file or directory name for bind mounts or a dummy. Path values for bind mounts are either absolute or relative to the bundle.",
    async run(t) {
      const src = join(t.dir, "bind-src");
      mkdirSync(src);
      writeFileSync(join(src, "file"), "12345");
      const r = await t.runChecker((c) => c.mounts.push({ destination: "/bound", type: "bind", source: src, options: ["rbind", "ro"] }), ["--path", "/bound/file", "--path", "/bound"]);
      equal(r.paths["/bound/file"]?.bytes, 5, "the host file is visible through the bind mount");
      equal(r.paths["/bound"]?.readonly, true, "the ro bind mount is read-only");
    },
  },
  {
    name: "mounts: bind source relative to the bundle",
    ref: "config.md#mounts",
    spec: "Path values for bind mounts are either absolute or relative to the bundle.",
    async run(t) {
      const b = t.bundle((c) => {
        c.mounts.push({ destination: "/rel", type: "none", source: "relsrc", options: ["bind"] });
        c.process.args = ["/checker", "report", "--path", "/rel/f"];
      });
      mkdirSync(join(b.dir, "relsrc"));
      writeFileSync(join(b.dir, "relsrc", "f"), "abc");
      const c = t.container(b);
      await t.mustSucceed(c.create(), "create");
      await t.mustSucceed(c.start(), "start");
      await c.waitFor("stopped");
      equal((await c.report()).paths["/rel/f"]?.bytes, 3, "bundle-relative bind source");
    },
  },
  {
    name: "mounts: bind mount of a single file",
    ref: "config.md#mounts",
    spec: "source (string, OPTIONAL) A device name, but can also be a file or directory name for bind mounts or a dummy.",
    async run(t) {
      const src = join(t.dir, "single-file");
      writeFileSync(src, "0123456789");
      const r = await t.runChecker((c) => c.mounts.push({ destination: "/etc/single", type: "bind", source: src, options: ["bind"] }), ["--path", "/etc/single"]);
      equal(r.paths["/etc/single"]?.bytes, 10, "the host file at /etc/single");
    },
  },
  {
    name: "mounts: entries are mounted in the listed order",
    ref: "config.md#mounts",
    spec: "The runtime MUST mount entries in the listed order.",
    async run(t) {
      const r = await t.runChecker((c) => {
        c.mounts.push({ destination: "/outer", type: "tmpfs", source: "tmpfs", options: ["size=1m"] });
        c.mounts.push({ destination: "/outer/inner", type: "tmpfs", source: "tmpfs", options: ["size=2m"] });
      });
      const outer = mountAt(r, "/outer");
      const inner = mountAt(r, "/outer/inner");
      check(outer && inner, "both mounts are visible", ["/outer", "/outer/inner"], r.mounts.map((m) => m.target));
      equal(inner.parent, outer.id, "/outer/inner is mounted on top of /outer (so after it)");
    },
  },
  {
    name: "mounts: a missing destination is created",
    ref: "config.md#mounts",
    spec: "destination (string, REQUIRED) Destination of mount point: path inside container.",
    async run(t) {
      const r = await t.runChecker((c) => c.mounts.push({ destination: "/new/deep/dir", type: "tmpfs", source: "tmpfs", options: ["size=1m"] }));
      check(mountAt(r, "/new/deep/dir"), "a mount at /new/deep/dir", "/new/deep/dir", r.mounts.map((m) => m.target));
    },
  },
  {
    name: "mounts: an unknown filesystem type is an error",
    ref: "runtime.md#create",
    spec: "If the runtime cannot create the container as specified in config.json, it MUST generate an error and a new container MUST NOT be created.",
    async run(t) {
      await t.expectCreateFailure((c) => c.mounts.push({ destination: "/bad", type: "no-such-fs", source: "none" }), "a mount of an unknown filesystem type");
    },
  },
  {
    name: "mounts: a bind mount of a missing source is an error",
    ref: "runtime.md#create",
    spec: "If the runtime cannot create the container as specified in config.json, it MUST generate an error and a new container MUST NOT be created.",
    async run(t) {
      await t.expectCreateFailure((c) => c.mounts.push({ destination: "/bad", type: "bind", source: join(t.dir, "missing"), options: ["bind"] }), "a bind mount of a missing source");
    },
  },
  {
    name: "mounts: rshared and rprivate propagation options on bind mounts",
    ref: "config-linux.md#mount-propagation",
    spec: "options (array of strings, OPTIONAL) Mount options of the filesystem to be used. (Linux: the propagation flags shared, rshared, private, rprivate, slave, rslave ... are applied with mount(2) MS_SHARED, MS_PRIVATE, MS_SLAVE, with MS_REC for the r-variants)",
    async run(t) {
      const src = join(t.dir, "prop-src");
      mkdirSync(src);
      const r = await t.runChecker((c) => {
        c.mounts.push({ destination: "/shared", type: "bind", source: src, options: ["rbind", "rshared"] });
        c.mounts.push({ destination: "/private", type: "bind", source: src, options: ["rbind", "rprivate"] });
      });
      const shared = mountAt(r, "/shared");
      const priv = mountAt(r, "/private");
      check(shared?.optional.some((o) => o.startsWith("shared:")), "/shared has shared propagation", "shared:N", shared?.optional);
      check(priv && !priv.optional.some((o) => o.startsWith("shared:") || o.startsWith("master:")), "/private has private propagation", "no shared:/master:", priv?.optional);
    },
  },
  {
    name: "mounts: rootfsPropagation private",
    ref: "config-linux.md#rootfs-mount-propagation",
    spec: "rootfsPropagation (string, OPTIONAL) sets the rootfs's mount propagation. Its value is either shared, slave, private or unbindable.",
    async run(t) {
      const root = await rootMountWithPropagation(t, "private");
      check(root && !root.optional.some((o) => o.startsWith("shared:") || o.startsWith("master:")), "/ has private propagation", "no shared:/master:", root?.optional);
    },
  },
];
