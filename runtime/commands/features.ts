/** `features`: what this runtime implements, as runtime-spec features.md describes it. */
import { writeStdout } from "../../common/stdio.ts";
import type { CommandMain } from "../lib/context.ts";
import { CAPABILITY_NAMES } from "../lib/linux/capabilities.ts";
import { HOOK_KINDS } from "../lib/spec-types.ts";
import { JOIN_ORDER } from "../lib/linux/namespaces.ts";
import { KNOWN_MOUNT_OPTIONS } from "../lib/linux/mount-options.ts";
import { REFUSED } from "../lib/spec-support.ts";
import pkg from "../../package.json" with { type: "json" };

const features: CommandMain = async () => {
  // Loads libseccomp: only this command pays for it. What the library and the kernel here support,
  // not just what the profile compiler knows (runtime-spec features-linux.md "seccomp").
  const { seccompFeatures } = await import("../lib/seccomp/features.ts");
  const { libseccompVersion } = await import("../lib/seccomp/libseccomp.ts");
  const doc = {
    ociVersionMin: "1.0.0",
    ociVersionMax: "1.3.0",
    hooks: [...HOOK_KINDS],
    mountOptions: KNOWN_MOUNT_OPTIONS,
    linux: {
      namespaces: [...JOIN_ORDER],
      capabilities: [...CAPABILITY_NAMES],
      cgroup: { v1: true, v2: true, systemd: true, systemdUser: false, rdma: true },
      seccomp: seccompFeatures(),
      // features-linux.md: whether support is built in, not whether this host runs the LSM.
      apparmor: { enabled: true },
      selinux: { enabled: true },
      // Derived from the one list of refused fields, so features never claims what config.json refuses.
      // runc reports enabled: true when built with Intel RDT (features.go), whatever the host has.
      intelRdt: { enabled: !("/linux/intelRdt" in REFUSED), schemata: !("/linux/intelRdt" in REFUSED) },
      mountExtensions: { idmap: { enabled: true } },
      netDevices: { enabled: !("/linux/netDevices" in REFUSED) },
    },
    // runc adds the same libseccomp annotation (features.go).
    annotations: { "org.bocker.runtime.version": pkg.version, "io.github.seccomp.libseccomp.version": libseccompVersion() },
  };
  writeStdout(JSON.stringify(doc, null, "    ") + "\n");
  return 0;
};

export default features;
