/**
 * What bocker-runtime does with every field of runtime-spec 1.3's config.json that applies to
 * Linux (issue #13: a field we do not implement is an error naming its pointer, never a silent
 * no-op). A unit test walks the spec's JSON Schemas and fails on any field that is in none of
 * these lists, so a new spec version cannot slip fields past us.
 *
 * Patterns are JSON pointers where `*` is any array index or object key; an entry covers its
 * whole subtree.
 */

/** Implemented, with where. */
export const HANDLED: Readonly<Record<string, string>> = {
  "/ociVersion": "checked by the schema, reported in state",
  "/annotations": "kept in the state (state.ts)",
  "/root": "rootfs prepare, pivot, read-only root (plan/compile.ts)",
  "/mounts": "linux/mounts.ts, mount-options.ts (flags, propagation, recursive attributes, idmap, tmpcopyup)",
  "/hostname": "SETHOSTNAME",
  "/domainname": "SETDOMAINNAME",
  "/hooks": "hooks.ts and the helper's RUN_HOOK",
  "/process/terminal": "CONSOLE",
  "/process/consoleSize": "CONSOLE_SIZE",
  "/process/cwd": "CHDIR_EARLY/CHDIR_DEFERRED",
  "/process/env": "EXEC",
  "/process/args": "EXEC",
  "/process/rlimits": "RLIMIT",
  "/process/apparmorProfile": "linux/lsm.ts (refused when AppArmor is absent)",
  "/process/selinuxLabel": "linux/lsm.ts (refused when SELinux is absent)",
  "/process/capabilities": "linux/capabilities.ts",
  "/process/noNewPrivileges": "NO_NEW_PRIVS",
  "/process/oomScoreAdj": "OOM_SCORE_ADJ",
  "/process/scheduler": "SCHED (linux/sched.ts)",
  "/process/ioPriority": "IOPRIO",
  "/process/execCPUAffinity": "SCHED_AFFINITY for exec'd processes (linux/numa.ts; config.md: not applicable to the init)",
  "/process/user/uid": "SETRESID",
  "/process/user/gid": "SETRESID",
  "/process/user/umask": "UMASK",
  "/process/user/additionalGids": "SETGROUPS",
  "/linux/devices": "linux/devices.ts",
  "/linux/uidMappings": "linux/idmap.ts",
  "/linux/gidMappings": "linux/idmap.ts",
  "/linux/namespaces": "linux/namespaces.ts",
  "/linux/resources": "cgroups/ (each controller's files; what a host lacks is an error there)",
  "/linux/cgroupsPath": "cgroups/paths.ts",
  "/linux/rootfsPropagation": "ROOTFS_PREPARE, ROOT_PROPAGATION",
  "/linux/seccomp": "seccomp/ (BPF compiled in TypeScript, listener)",
  "/linux/sysctl": "SYSCTL",
  "/linux/maskedPaths": "MASK_PATH",
  "/linux/readonlyPaths": "READONLY_PATH",
  "/linux/mountLabel": "linux/lsm.ts (refused when SELinux is absent)",
  "/linux/personality": "PERSONALITY",
  "/linux/timeOffsets": "TIMENS_OFFSETS",
  "/linux/memoryPolicy": "SET_MEMPOLICY (linux/numa.ts)",
  "/linux/netDevices": "MOVE_NET_DEVICES at create, RETURN_NET_DEVICES at delete (linux/net-devices.ts)",
  "/linux/intelRdt": "linux/resctrl.ts (a CLOS and monitoring group in the resctrl filesystem; refused where resctrl is not mounted)",
};

/** In the schema's process object but only meaningful on other platforms (config.md). */
export const NOT_LINUX: Readonly<Record<string, string>> = {
  "/process/commandLine": "Windows only (config.md: the command line on Windows)",
  "/process/user/username": "Windows only (config.md: the user name, used on Windows)",
};

/** Accepted by the schema, not implemented: refused with this reason when present. */
export const REFUSED: Readonly<Record<string, () => string>> = {};

/** The concrete pointers in doc that match pattern (`*` = any index or key). */
export function matchPointers(doc: unknown, pattern: string): string[] {
  const segments = pattern.split("/").slice(1);
  const out: string[] = [];
  const walk = (node: unknown, i: number, at: string) => {
    if (i === segments.length) {
      out.push(at);
      return;
    }
    if (node === null || typeof node !== "object") return;
    const seg = segments[i]!;
    const keys = seg === "*" ? Object.keys(node) : Object.hasOwn(node, seg) ? [seg] : [];
    for (const k of keys) walk((node as Record<string, unknown>)[k], i + 1, `${at}/${k.replaceAll("~", "~0").replaceAll("/", "~1")}`);
  };
  walk(doc, 0, "");
  return out;
}

/** One issue per refused field present in the document. */
export function refusedFieldIssues(doc: unknown): { pointer: string; message: string }[] {
  return Object.entries(REFUSED).flatMap(([pattern, reason]) => matchPointers(doc, pattern).map((pointer) => ({ pointer, message: reason() })));
}
