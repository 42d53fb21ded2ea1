/**
 * The two tools the wrapper drives, found next to the running `bocker` executable (dist/ holds
 * all three), else in the repository's dist/ (running from source), else on PATH.
 * Every call names the storage root explicitly: the imagetool's store is BOCKER_ROOT itself
 * (content/, snapshots/), the runtime's state is BOCKER_ROOT/runtime.
 */
import { existsSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { attempt, run, type Outcome } from "./exec.ts";
import type { Store } from "./store.ts";

export type ToolName = "bocker-runtime" | "bocker-imagetool";

export function toolPath(name: ToolName): string {
  const candidates = [join(dirname(process.execPath), name), join(import.meta.dir, "..", "dist", name)];
  return candidates.find((p) => existsSync(p)) ?? name;
}

/** bocker itself, to start a container's monitor: this executable, else the repository's dist/bocker. */
export function bockerArgv(): string[] {
  if (basename(process.execPath) === "bocker") return [process.execPath];
  const built = join(import.meta.dir, "..", "dist", "bocker");
  return [existsSync(built) ? built : "bocker"];
}

export class Tools {
  constructor(private readonly store: Store) {}

  imagetoolArgv(...args: string[]): string[] {
    return [toolPath("bocker-imagetool"), "--root", this.store.root, ...args];
  }

  runtimeArgv(...args: string[]): string[] {
    return [toolPath("bocker-runtime"), "--root", this.store.runtimeRoot, ...args];
  }

  imagetool(...args: string[]): string {
    return run(this.imagetoolArgv(...args));
  }

  tryImagetool(...args: string[]): Outcome {
    return attempt(this.imagetoolArgv(...args));
  }

  tryRuntime(...args: string[]): Outcome {
    return attempt(this.runtimeArgv(...args));
  }

  /** The container's OCI status (created, running, stopped, paused), or undefined if the runtime has none. */
  status(id: string): string | undefined {
    const r = this.tryRuntime("state", id);
    if (r.code !== 0) return undefined;
    return (JSON.parse(r.stdout) as { status: string }).status;
  }
}
