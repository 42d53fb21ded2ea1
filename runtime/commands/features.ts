/** `features`: what this runtime implements, as runtime-spec features.md describes it. */
import type { CommandMain } from "../lib/context.ts";
import { CAPABILITY_NAMES } from "../lib/linux/capabilities.ts";
import { ACTIONS, ARCHITECTURES, OPERATORS, PROFILE_FLAGS } from "../lib/seccomp/names.ts";
import { HOOK_KINDS } from "../lib/spec-types.ts";
import { JOIN_ORDER } from "../lib/linux/namespaces.ts";
import pkg from "../../package.json" with { type: "json" };

const MOUNT_OPTIONS = [
  "async", "atime", "bind", "defaults", "dev", "diratime", "dirsync", "exec", "lazytime", "mand", "noatime", "nodev", "nodiratime",
  "noexec", "nolazytime", "nomand", "norelatime", "nostrictatime", "nosuid", "nosymfollow", "private", "rbind", "relatime", "remount",
  "ro", "rprivate", "rshared", "rslave", "runbindable", "rw", "shared", "silent", "slave", "strictatime", "suid", "symfollow", "sync",
  "unbindable",
];

const features: CommandMain = async () => {
  const doc = {
    ociVersionMin: "1.0.0",
    ociVersionMax: "1.3.0",
    hooks: [...HOOK_KINDS],
    mountOptions: MOUNT_OPTIONS,
    linux: {
      namespaces: [...JOIN_ORDER],
      capabilities: [...CAPABILITY_NAMES],
      cgroup: { v1: true, v2: true, systemd: false, systemdUser: false, rdma: true },
      seccomp: {
        enabled: true,
        actions: Object.keys(ACTIONS),
        operators: Object.keys(OPERATORS),
        archs: Object.keys(ARCHITECTURES),
        knownFlags: Object.keys(PROFILE_FLAGS),
        supportedFlags: Object.keys(PROFILE_FLAGS),
      },
      apparmor: { enabled: false },
      selinux: { enabled: false },
      intelRdt: { enabled: false },
      mountExtensions: { idmap: { enabled: false } },
    },
    annotations: { "org.bocker.runtime.version": pkg.version },
  };
  process.stdout.write(JSON.stringify(doc, null, "    ") + "\n");
  return 0;
};

export default features;
