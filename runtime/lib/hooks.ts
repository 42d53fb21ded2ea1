/**
 * Hooks the runtime itself runs, in its own namespaces (runtime-spec config.md "POSIX-platform
 * Hooks"): prestart and createRuntime at the helper's HOOKS_SYNC, poststart after `start`,
 * poststop at `delete`. Each gets the container state on stdin; `args` is the whole argv (argv[0]
 * included), `env` the whole environment, `timeout` seconds. createContainer and startContainer
 * run inside the container, as RUN_HOOK plan steps.
 */
import { RuntimeError } from "./errors.ts";
import type { Hook, HookKind } from "./spec-types.ts";

export interface HookFailure {
  kind: HookKind;
  index: number;
  message: string;
}

export function runHook(kind: HookKind, index: number, hook: Hook, stateJson: string): HookFailure | undefined {
  const args = hook.args && hook.args.length > 0 ? hook.args : [hook.path];
  const where = `${kind} hook ${index} (${hook.path}, config.json /hooks/${kind}/${index})`;
  let r: ReturnType<typeof Bun.spawnSync>;
  try {
    r = Bun.spawnSync([hook.path, ...args.slice(1)], {
      argv0: args[0],
      env: Object.fromEntries((hook.env ?? []).map((e) => [e.slice(0, e.indexOf("=") >>> 0), e.slice(e.indexOf("=") + 1)])),
      stdin: Buffer.from(stateJson),
      stdout: "pipe",
      stderr: "pipe",
      timeout: hook.timeout ? hook.timeout * 1000 : undefined,
      killSignal: "SIGKILL",
    });
  } catch (err) {
    return { kind, index, message: `${where}: cannot run: ${(err as Error).message}` };
  }
  if (r.exitCode === 0) return undefined;
  const output = `${r.stdout?.toString() ?? ""}${r.stderr?.toString() ?? ""}`.trim();
  const why = r.exitedDueToTimeout ? `timed out after ${hook.timeout}s` : r.signalCode ? `killed by ${r.signalCode}` : `exited with status ${r.exitCode}`;
  return { kind, index, message: `${where} ${why}${output ? `: ${output}` : ""}` };
}

/** Runs the hooks of one kind in order; the first failure stops them and is thrown (prestart, createRuntime). */
export function runHooksOrFail(kind: HookKind, hooks: readonly Hook[] | undefined, stateJson: string): void {
  for (const [i, h] of (hooks ?? []).entries()) {
    const failure = runHook(kind, i, h, stateJson);
    if (failure) throw new RuntimeError("HOOK_FAILED", failure.message, { pointer: `/hooks/${kind}/${i}` });
  }
}

/** poststart and poststop: a failure is a warning and the remaining hooks still run. */
export function runHooksWarn(kind: HookKind, hooks: readonly Hook[] | undefined, stateJson: string, warn: (msg: string) => void): void {
  for (const [i, h] of (hooks ?? []).entries()) {
    const failure = runHook(kind, i, h, stateJson);
    if (failure) warn(failure.message);
  }
}
