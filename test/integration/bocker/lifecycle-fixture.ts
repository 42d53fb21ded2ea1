/**
 * What the lifecycle, logs and stats tests share: their bridge and subnet (bkl0, 10.91.0.0/24,
 * never the other bocker files' bkt0 or bkn0), the monitors of a storage root as the host sees
 * them, and polling.
 */
import { readdirSync, readFileSync } from "node:fs";

export const LIFECYCLE_NET = { bridge: "bkl0", subnet: "10.91.0.0/24" };

/** Pids of `bocker monitor` processes whose BOCKER_ROOT is `root`. */
export function monitorsOf(root: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, "utf8").split("\0");
      if (argv[1] !== "monitor") continue;
      if (readFileSync(`/proc/${name}/environ`, "utf8").split("\0").includes(`BOCKER_ROOT=${root}`)) pids.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

export async function until(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  for (const end = Date.now() + timeoutMs; !(await check()); await Bun.sleep(50)) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms: ${check.toString()}`);
  }
}
