/**
 * process.apparmorProfile, process.selinuxLabel and linux.mountLabel (config.md "Linux process",
 * config-linux.md "Mount Label"). The label is written to the thread's attr/exec file, so the
 * kernel applies it at the container's execve (runc apparmor.ApplyProfile, selinux.SetExecLabel).
 * A label asked for on a host where the LSM is not active is an error at create: silently running
 * the container unconfined would be worse than not running it.
 */
import { readFileSync, statSync } from "node:fs";
import { RuntimeError } from "../errors.ts";
import type { PlanBuilder } from "../plan/builder.ts";

export interface LsmFacts {
  apparmor: boolean;
  selinux: boolean;
}

/** runc apparmor.IsEnabled: the module says Y and securityfs shows it. */
function apparmorEnabled(): boolean {
  try {
    return readFileSync("/sys/module/apparmor/parameters/enabled", "utf8").startsWith("Y") && statSync("/sys/kernel/security/apparmor").isDirectory();
  } catch {
    return false;
  }
}

/** go-selinux GetEnabled: selinuxfs is mounted (its enforce file exists). */
function selinuxEnabled(): boolean {
  try {
    statSync("/sys/fs/selinux/enforce");
    return true;
  } catch {
    return false;
  }
}

/** Read only when the config asks for a label, so the common path costs nothing. */
export function detectLsm(wanted: { apparmorProfile?: string; selinuxLabel?: string; mountLabel?: string }): LsmFacts {
  return {
    apparmor: wanted.apparmorProfile ? apparmorEnabled() : false,
    selinux: wanted.selinuxLabel || wanted.mountLabel ? selinuxEnabled() : false,
  };
}

function unavailable(pointer: string, what: string, lsm: string, where: string): RuntimeError {
  return new RuntimeError("CONFIG_INVALID", `config.json ${pointer}: ${what} is set but ${lsm} is not enabled on this host (${where}); refusing to run the container unconfined`, { pointer });
}

/** linux.mountLabel needs SELinux; the check runs for create whether or not a mount uses it. */
export function checkMountLabel(mountLabel: string | undefined, lsm: LsmFacts): void {
  if (mountLabel && !lsm.selinux) throw unavailable("/linux/mountLabel", "mountLabel", "SELinux", "no selinuxfs at /sys/fs/selinux");
}

/**
 * The SET_EXEC_LABEL steps for a process. AppArmor writes `exec <profile>` to its own attr
 * directory when the kernel has one (LSM stacking), else to the shared attr/exec; SELinux writes
 * the bare label to attr/exec.
 */
export function lsmSteps(b: PlanBuilder, proc: { apparmorProfile?: string; selinuxLabel?: string }, lsm: LsmFacts, p: string): void {
  if (proc.apparmorProfile) {
    if (!lsm.apparmor) throw unavailable(`${p}/apparmorProfile`, `apparmorProfile ${JSON.stringify(proc.apparmorProfile)}`, "AppArmor", "/sys/module/apparmor/parameters/enabled");
    b.emit("init", "SET_EXEC_LABEL", [["apparmor/exec", "exec"], `exec ${proc.apparmorProfile}`], `AppArmor profile ${proc.apparmorProfile} at execve`, `${p}/apparmorProfile`);
  }
  if (proc.selinuxLabel) {
    if (!lsm.selinux) throw unavailable(`${p}/selinuxLabel`, `selinuxLabel ${JSON.stringify(proc.selinuxLabel)}`, "SELinux", "no selinuxfs at /sys/fs/selinux");
    b.emit("init", "SET_EXEC_LABEL", [["exec"], proc.selinuxLabel], `SELinux label ${proc.selinuxLabel} at execve`, `${p}/selinuxLabel`);
  }
}
