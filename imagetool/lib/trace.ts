/**
 * `--debug` timing lines on stderr: where a command's time goes (start-up, resolve, each blob,
 * each layer's unpack, the flushes), measured from process start as runtime/lib/log.ts's create
 * trace is. Off unless main.ts enables it, and then it costs one branch per call.
 */
import { writeStderr } from "../../common/stdio.ts";

let enabled = false;

export function enableTrace(): void {
  enabled = true;
}

export function trace(what: string): void {
  if (enabled) writeStderr(`bocker-imagetool: ${what} (${performance.now().toFixed(1)} ms after start-up)\n`);
}

/** A note the user should see whatever the flags (a fallback the command chose on its own). */
export function note(what: string): void {
  writeStderr(`bocker-imagetool: note: ${what}\n`);
}
