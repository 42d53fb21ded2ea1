/**
 * The one executable in dist/ (busybox style): `bocker-runtime`, `bocker-imagetool` and `bocker`
 * are hard links to it, and the name it was started under picks the tool. Each tool's main module
 * is its own chunk (`--splitting`), loaded only when chosen, so a tool pays for none of the others'
 * code; the three stay apart in the source exactly as before (none imports another).
 *
 * Hard links, not symlinks: the runtime finds bocker-init next to process.execPath, and clients
 * resolve symlinks before running a runtime (runtime-tools' run.sh does `readlink -f`), which would
 * turn `bocker-runtime` into this file's own name. A name that is neither `bocker` nor starts with
 * `bocker-imagetool` is the runtime: it is the tool other programs install under names of their
 * own (containerd's BinaryName, podman's --runtime).
 */
import { basename } from "node:path";

const name = basename(process.argv0);
if (name === "bocker") {
  Bun.unsafe.setJITPolicy(1);
  await import("./bocker.ts");
} else if (name.startsWith("bocker-imagetool")) {
  // The executable starts with the runtime's reluctant JIT policy (scripts/build.ts); the image
  // tool's unpack loop runs long enough for the JIT to pay off.
  Bun.unsafe.setJITPolicy(1);
  await import("./imagetool/main.ts");
} else {
  await import("./runtime/main.ts");
}
