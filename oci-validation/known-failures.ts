/**
 * Tests a runtime is known to fail, each with the reason. For runc these are places where runc
 * 1.1.5 (Debian 12) itself does not follow the runtime-spec v1.3.0 text; for bocker-runtime each
 * entry names the bug. Keep this list honest and short: an entry that starts passing is reported
 * by test/integration/oci-validation.test.ts so it can be removed.
 */
export const RUNC_DEVIATIONS: Record<string, string> = {
  "delete: a created container is an error": "runc delete kills and removes a created container (spec: delete of a container that is not stopped MUST generate an error)",
  "hooks: prestart, createRuntime, createContainer run during create, in that order": "runc 1.1 runs poststart hooks at create, before start (fixed in runc 1.2)",
  "hooks: a failing startContainer hook fails start and the process does not run": "runc runs startContainer hooks in init after start returned, so start reports success",
  "hooks: a failing poststart hook is a warning; later hooks and the lifecycle continue": "runc 1.1 fails create (where it runs poststart) on a failing poststart hook",
  "hooks: a failing poststop hook is a warning; delete succeeds and later hooks run": "runc stops at the first failing poststop hook; later poststop hooks do not run",
  "process: an unknown capability name is an error": "runc warns 'ignoring unknown or unavailable capabilities' and creates the container",
  "domainname: set in the new UTS namespace": "runc 1.1.5 (spec 1.0.2-dev) does not know domainname and ignores it",
  "personality: LINUX32 domain": "runc 1.1.5 does not implement linux.personality (added in runc 1.2)",
  "process: without user.umask the caller's umask is kept": "runc always sets umask 0022 when process.user.umask is unset (spec: SHOULD not be changed)",
  "devices: a different file already at path is an error": "runc replaces/binds over an existing regular file at a linux.devices path without an error",
  "namespaces: time namespace with timeOffsets": "runc 1.1.5 does not know the time namespace ('namespace time does not exist')",
  "process: scheduler policy and nice": "runc 1.1.5 does not implement process.scheduler (spec 1.2) and ignores it",
  "process: ioPriority class and priority": "runc 1.1.5 does not implement process.ioPriority (spec 1.2) and ignores it",
};

export const BOCKER_KNOWN_FAILURES: Record<string, string> = {
  "delete: a created container is an error": "follows runc (the tie-breaker): delete of a created container kills and removes it; containerd and podman rely on this",
};
