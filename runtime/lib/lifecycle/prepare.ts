/**
 * Bundle → validated config → the facts the plan compiler needs, touching nothing: shared by
 * `create` and `create --dry-run` / `explain`, which compile the plan themselves (create only once
 * it knows the cgroup placement, so the compiler runs once per create). The seccomp compiler
 * (libseccomp via bun:ffi) is only imported when the config has linux.seccomp.
 */
import { join } from "node:path";
import { loadBundleConfig, type LoadedConfig } from "../config.ts";
import { RuntimeError } from "../errors.ts";
import type { CreateFacts } from "../plan/compile.ts";
import { seccompProgram } from "../seccomp-cache.ts";
import { checkExecutable } from "../exec-lookup.ts";
import { readCgroupMountFacts, sourceKind } from "../host-facts.ts";
import { hostPseudoFsMounts } from "../linux/host-pseudofs.ts";
import { ownBoundingSet } from "../linux/capabilities.ts";
import { EXEC_FIFO } from "../state.ts";
import { checkUserNamespace, hostIdentity } from "../linux/idmap.ts";
import { detectLsm } from "../linux/lsm.ts";
import { checkIntelRdt } from "../linux/resctrl.ts";

export interface PrepareOptions {
  bundle: string;
  /** The container's state directory (where exec.fifo will be). */
  stateDir: string;
  consoleSocket?: string;
  pidfdSocket?: string;
  noPivot: boolean;
  preserveFds: number;
  foreground: boolean;
  /** --root, where compiled seccomp programs are cached; undefined (explain) writes nothing. */
  cacheRoot?: string;
  /** Foreground `run`: a terminal without --console-socket gets a pty relayed by the runtime. */
  allocateTerminal?: boolean;
}

export interface Prepared {
  config: LoadedConfig;
  facts: CreateFacts;
  /** Set when the runtime itself must listen here for the pty master (allocateTerminal). */
  internalConsole?: string;
  /** linux.intelRdt: the resctrl root, checked against the config (linux/resctrl.ts). */
  resctrlRoot?: string;
}

export async function prepareCreate(opts: PrepareOptions): Promise<Prepared> {
  const config = loadBundleConfig(opts.bundle);
  checkExecutable(config.spec, config.rootfs);
  checkUserNamespace(config.spec, config.rootfs);
  const proc = config.spec.process!;
  const internalConsole = proc.terminal && !opts.consoleSocket && opts.allocateTerminal ? join(opts.stateDir, "console.sock") : undefined;
  const consoleSocket = opts.consoleSocket ?? internalConsole;
  if (proc.terminal && !consoleSocket) {
    throw new RuntimeError("USAGE", "process.terminal is true: --console-socket is required (bocker-runtime sends the pty master there)");
  }
  if (!proc.terminal && opts.consoleSocket) {
    throw new RuntimeError("USAGE", "--console-socket given but process.terminal is false");
  }
  const resctrlRoot = config.spec.linux?.intelRdt ? checkIntelRdt(config.spec.linux.intelRdt, config.file) : undefined;
  const seccomp = await seccompProgram(config.spec, opts.cacheRoot);
  const needsCgroupLayout = (config.spec.mounts ?? []).some((m) => m.type === "cgroup");
  const facts: CreateFacts = {
    bundle: config.bundle,
    rootfs: config.rootfs,
    execFifo: join(opts.stateDir, EXEC_FIFO),
    cgroupProcs: [],
    resctrlTasks: [],
    consoleSocket,
    pidfdSocket: opts.pidfdSocket,
    noPivot: opts.noPivot,
    hostPseudoFs: opts.noPivot ? hostPseudoFsMounts(config.rootfs) : undefined,
    preserveFds: opts.preserveFds,
    foreground: opts.foreground,
    seccomp,
    lsm: detectLsm({ ...proc, mountLabel: config.spec.linux?.mountLabel }),
    sourceKind,
    cgroupLayout: needsCgroupLayout ? readCgroupMountFacts() : { unified: false, v1: [], hybridUnified: false },
    host: hostIdentity(),
    grantableCaps: ownBoundingSet(),
  };
  return { config, facts, internalConsole, resctrlRoot };
}

