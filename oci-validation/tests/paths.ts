/** config-linux.md#masked-paths, #readonly-paths, #sysctl. */
import { check, equal } from "../runner/assert.ts";
import type { ConformanceTest } from "../runner/types.ts";

export const pathTests: ConformanceTest[] = [
  {
    name: "maskedPaths: masked files read empty",
    ref: "config-linux.md#masked-paths",
    spec: "maskedPaths (array of strings, OPTIONAL) will mask over the provided paths inside the container so that they cannot be read. The values MUST be absolute paths in the container namespace.",
    async run(t) {
      const r = await t.runChecker((c) => (c.linux.maskedPaths = ["/proc/timer_list", "/etc/hostname"]), ["--path", "/proc/timer_list", "--path", "/etc/hostname"]);
      equal(r.paths["/proc/timer_list"]?.bytes, 0, "bytes read from masked /proc/timer_list");
      equal(r.paths["/etc/hostname"]?.bytes, 0, "bytes read from masked /etc/hostname");
    },
  },
  {
    name: "maskedPaths: masked directories are empty",
    ref: "config-linux.md#masked-paths",
    spec: "maskedPaths (array of strings, OPTIONAL) will mask over the provided paths inside the container so that they cannot be read.",
    async run(t) {
      const r = await t.runChecker((c) => (c.linux.maskedPaths = ["/proc/acpi", "/proc/scsi", "/usr"]), ["--path", "/proc/scsi", "--path", "/usr"]);
      equal(r.paths["/usr"]?.entries, 0, "entries of masked /usr");
      equal(r.paths["/proc/scsi"]?.entries ?? 0, 0, "entries of masked /proc/scsi");
    },
  },
  {
    name: "maskedPaths: a path that does not exist is not an error",
    ref: "config-linux.md#masked-paths",
    spec: "maskedPaths (array of strings, OPTIONAL) will mask over the provided paths inside the container so that they cannot be read. (runc and crun skip paths that do not exist, e.g. /proc/kcore on this kernel)",
    async run(t) {
      const r = await t.runChecker((c) => (c.linux.maskedPaths = ["/proc/kcore", "/no/such/path"]), ["--path", "/no/such/path"]);
      equal(r.paths["/no/such/path"]?.exists, false, "a missing masked path stays missing");
    },
  },
  {
    name: "readonlyPaths: the paths are read-only",
    ref: "config-linux.md#readonly-paths",
    spec: "readonlyPaths (array of strings, OPTIONAL) will set the provided paths as readonly inside the container. The values MUST be absolute paths in the container namespace.",
    async run(t) {
      const r = await t.runChecker((c) => {
        c.root.readonly = false;
        c.linux.readonlyPaths = ["/proc/sys", "/proc/fs", "/etc"];
      }, ["--path", "/proc/sys", "--path", "/proc/fs", "--path", "/etc", "--path", "/usr"]);
      for (const p of ["/proc/sys", "/proc/fs", "/etc"]) equal(r.paths[p]?.readonly, true, `${p} is read-only`);
      equal(r.paths["/usr"]?.readonly, false, "/usr, not listed, stays writable");
    },
  },
  {
    name: "sysctl: values are set in the container's namespaces",
    ref: "config-linux.md#sysctl",
    spec: "sysctl (object, OPTIONAL) allows kernel parameters to be modified at runtime for the container.",
    async run(t) {
      const sysctl = { "net.ipv4.ip_forward": "1", "net.ipv4.ping_group_range": "0 1000", "kernel.shm_rmid_forced": "1", "kernel.msgmax": "9000" };
      const r = await t.runChecker((c) => (c.linux.sysctl = sysctl), Object.keys(sysctl).flatMap((k) => ["--sysctl", k]));
      for (const [k, v] of Object.entries(sysctl)) equal(r.sysctl[k]?.replace(/\s+/g, " "), v, `sysctl ${k}`);
      const host = (await Bun.file("/proc/sys/net/ipv4/ip_forward").text()).trim();
      check(host === "0" || host === "1", "host ip_forward readable", "0 or 1", host);
    },
  },
  {
    name: "sysctl: an unknown key is an error",
    ref: "config-linux.md#sysctl",
    spec: "sysctl (object, OPTIONAL) allows kernel parameters to be modified at runtime for the container. (A parameter that cannot be set means the container cannot be created as specified: runtime.md#create)",
    async run(t) {
      await t.expectCreateFailure((c) => (c.linux.sysctl = { "net.ipv4.no_such_parameter": "1" }), "an unknown sysctl");
    },
  },
];
