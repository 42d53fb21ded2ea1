import { expect, test } from "bun:test";
import { dumpArgs, externalNsKey, restoreArgs, unrestorableNamespace } from "../../../../../runtime/lib/criu/options.ts";
import type { Spec } from "../../../../../runtime/lib/spec-types.ts";

const spec: Spec = {
  ociVersion: "1.3.0",
  root: { path: "rootfs" },
  mounts: [
    { destination: "/proc", type: "proc", source: "proc" },
    { destination: "/data/", type: "bind", source: "/srv/data", options: ["rbind", "rw"] },
    { destination: "/etc/hosts", type: "none", source: "/run/hosts", options: ["bind", "ro"] },
    { destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["ro"] },
  ],
  linux: {
    namespaces: [{ type: "pid" }, { type: "network", path: "/run/netns/a" }, { type: "ipc", path: "/proc/9/ns/ipc" }, { type: "mount" }],
    maskedPaths: ["/proc/kcore", "/proc/acpi"],
    devices: [{ path: "/dev/fuse", type: "c", major: 10, minor: 229 }],
  },
};

const common = { imagePath: "/img", workPath: "/work", tcpEstablished: false, extUnixSk: true, shellJob: false, fileLocks: true, manageCgroupsMode: "soft" as const };

test("runc's external namespace keys", () => {
  expect(externalNsKey("net")).toBe("extRootNetNS");
  expect(externalNsKey("pid")).toBe("extRootPidNS");
});

test("dump: external netns by inode, stdio files, bind mounts and cgroup binds named by destination, masked files as /dev/null, devices", () => {
  const args = dumpArgs(spec, {
    ...common,
    pid: 42,
    rootfs: "/b/rootfs",
    leaveRunning: true,
    preDump: false,
    tcpSkipInFlight: true,
    autoDedup: true,
    freezerDir: "/sys/fs/cgroup/freezer/c1",
    externalNsInodes: { net: 4026532000 },
    maskedFiles: ["/proc/kcore"],
    cgroupBinds: ["memory", "cpu,cpuacct"],
    externalFiles: ["file[18:5]", "file[18:5]"],
  });
  expect(args.slice(0, 5)).toEqual(["dump", "--tree", "42", "--root", "/b/rootfs"]);
  const pairs = (flag: string) => args.flatMap((a, i) => (a === flag ? [args[i + 1]] : []));
  expect(args).toContain("--leave-running");
  expect(args).toContain("--skip-in-flight");
  expect(args).toContain("--auto-dedup");
  expect(args).not.toContain("--link-remap");
  expect(args).toContain("--ext-unix-sk");
  expect(args).toContain("--file-locks");
  expect(args).not.toContain("--tcp-established");
  expect(args).toContain("--manage-cgroups=soft");
  expect(pairs("--images-dir")).toEqual(["/img"]);
  expect(pairs("--work-dir")).toEqual(["/work"]);
  expect(pairs("--freeze-cgroup")).toEqual(["/sys/fs/cgroup/freezer/c1"]);
  expect(pairs("--external")).toEqual(["net[4026532000]:extRootNetNS", "file[18:5]"]);
  expect(pairs("--ext-mount-map")).toEqual([
    "/data:/data",
    "/etc/hosts:/etc/hosts",
    "/sys/fs/cgroup/memory:/sys/fs/cgroup/memory",
    "/sys/fs/cgroup/cpu,cpuacct:/sys/fs/cgroup/cpu,cpuacct",
    "/proc/kcore:/dev/null",
    "/dev/fuse:/dev/fuse",
  ]);
});

test("pre-dump tracks memory and names no mounts; a parent image is passed as criu's previous images", () => {
  const base = { ...common, pid: 1, rootfs: "/r", leaveRunning: false, externalNsInodes: {}, maskedFiles: ["/proc/kcore"], cgroupBinds: [], externalFiles: [] };
  const pre = dumpArgs(spec, { ...base, preDump: true });
  expect(pre[0]).toBe("pre-dump");
  expect(pre).toContain("--track-mem");
  expect(pre).not.toContain("--ext-mount-map");
  const final = dumpArgs(spec, { ...base, preDump: false, parentPath: "../pre" });
  expect(final.slice(final.indexOf("--prev-images-dir"), final.indexOf("--prev-images-dir") + 3)).toEqual(["--prev-images-dir", "../pre", "--track-mem"]);
});

test("restore: detached sibling, netns by inherited fd, other joined namespaces by path, mounts mapped to their sources", () => {
  const args = restoreArgs(spec, {
    ...common,
    manageCgroupsMode: "full",
    root: "/state/c1/criu-root",
    pidFile: "/state/c1/criu.pid",
    inheritedNsFds: { net: 3 },
    cgroupBinds: { memory: "/sys/fs/cgroup/memory/c2" },
    cgroupRoots: { memory: "/c2", "name=systemd": "/c2", "": "/c2" },
    inheritedFiles: [{ fd: 1, key: "file[18:5]" }, { fd: 0, key: "pipe:[77]" }, { fd: 2, key: "file[18:5]" }],
  });
  const pairs = (flag: string) => args.flatMap((a, i) => (a === flag ? [args[i + 1]] : []));
  expect(args.slice(0, 3)).toEqual(["restore", "--restore-detached", "--restore-sibling"]);
  expect(pairs("--root")).toEqual(["/state/c1/criu-root"]);
  expect(pairs("--pidfile")).toEqual(["/state/c1/criu.pid"]);
  expect(args).toContain("--manage-cgroups=full");
  expect(pairs("--inherit-fd")).toEqual(["fd[3]:extRootNetNS", "fd[1]:file[18:5]", "fd[0]:pipe:[77]"]);
  expect(pairs("--join-ns")).toEqual(["ipc:/proc/9/ns/ipc"]);
  expect(pairs("--cgroup-root")).toEqual(["memory:/c2", "name=systemd:/c2", "/c2"]);
  expect(pairs("--ext-mount-map")).toEqual(["/data:/srv/data", "/etc/hosts:/run/hosts", "/sys/fs/cgroup/memory:/sys/fs/cgroup/memory/c2", "/dev/null:/dev/null", "/dev/fuse:/dev/fuse"]);
});

test("a joined cgroup namespace cannot be restored", () => {
  expect(unrestorableNamespace(spec)).toBeUndefined();
  expect(unrestorableNamespace({ ...spec, linux: { namespaces: [{ type: "cgroup", path: "/proc/1/ns/cgroup" }] } })).toBe("/proc/1/ns/cgroup");
});
