/**
 * The `linux.seccomp` part of `bocker-runtime features` (runtime-spec features-linux.md#seccomp):
 * what this build understands (names.ts) narrowed to what the loaded libseccomp and the running
 * kernel support. Loads libseccomp; call it only for `features`. runc also reports the library's
 * version as the annotation "io.github.seccomp.libseccomp.version" (libseccompVersion()).
 */
import type { LinuxSeccompAction, LinuxSeccompArch, LinuxSeccompFlag, LinuxSeccompOperator, SeccompFeatures } from "../../../schemas/index.ts";
import { kernelAcceptsFilterFlags, resolveArch } from "./libseccomp.ts";
import { ACTIONS, ARCHITECTURES, FILTER_FLAG, OPERATORS, PROFILE_FLAGS } from "./names.ts";

export function seccompFeatures(): SeccompFeatures {
  const knownFlags = Object.keys(PROFILE_FLAGS) as LinuxSeccompFlag[];
  return {
    enabled: true,
    actions: Object.keys(ACTIONS).sort() as LinuxSeccompAction[],
    operators: Object.keys(OPERATORS).sort() as LinuxSeccompOperator[],
    archs: Object.keys(ARCHITECTURES)
      .filter((name) => resolveArch(ARCHITECTURES[name]!) !== undefined)
      .sort() as LinuxSeccompArch[],
    knownFlags,
    supportedFlags: knownFlags.filter((name) => {
      const bit = PROFILE_FLAGS[name]!;
      // WAIT_KILLABLE_RECV is only valid together with a listener.
      return kernelAcceptsFilterFlags(bit === FILTER_FLAG.WAIT_KILLABLE_RECV ? bit | FILTER_FLAG.NEW_LISTENER : bit);
    }),
  };
}
