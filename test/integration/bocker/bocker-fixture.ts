/**
 * Runs the real `bocker` executable (dist/bocker, or $BOCKER_BIN) against a private storage root,
 * a private bridge and subnet (never the user's bridge0 / 10.0.0.0/24), and cleans up after
 * itself: every container (`bocker rm`, which also checks rm), anything still mounted under the
 * root, the root, the bridge with its iptables rules, and ip_forward.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Cleanup } from "../../../common/cleanup.ts";
import { distBinary } from "../../fixtures/dist.ts";
import { makeBusyboxRootfs } from "../../../common/busybox-rootfs.ts";
import { testNetwork } from "./network-fixture.ts";

export const TEST_BRIDGE = "bkt0";
export const TEST_SUBNET = "10.88.0.0/24";

export interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Bocker {
  root: string;
  env: Record<string, string>;
  /** Runs `bocker ARGS` to completion. */
  run(args: string[], env?: Record<string, string>): Promise<Outcome>;
  /** Like run, but fails the test with bocker's stderr unless it exits 0. */
  ok(args: string[], env?: Record<string, string>): Promise<string>;
  /** `bocker init` of a fresh busybox rootfs (plus `files`), returning the img_ id. */
  busyboxImage(files?: Record<string, string>): Promise<string>;
}

export function bockerBinary(): string {
  return process.env.BOCKER_BIN ?? distBinary("bocker");
}

function unmountUnder(root: string): void {
  const targets = readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[4])
    .filter((t): t is string => !!t && t.startsWith(`${root}/`))
    .reverse();
  for (const t of targets) Bun.spawnSync(["umount", "-l", t]);
}

/**
 * `under`: a filesystem the caller made and removes (a loop-mounted btrfs, whose read-only
 * snapshots rm cannot delete), to put the storage root in; by default a temp dir we remove.
 * `network`: a test file's own bridge and subnet instead of bkt0, so files run in parallel never
 * share one. The bridge's DNS forwards to a loopback port nothing serves unless the test says
 * otherwise: no query ever leaves the machine.
 */
export function startBocker(cleanup: Cleanup, under?: string, network = { bridge: TEST_BRIDGE, subnet: TEST_SUBNET }): Bocker {
  testNetwork(cleanup, network.bridge, network.subnet); // removed last: registered first
  const root = mkdtempSync(join(under ?? tmpdir(), "bocker-root-"));
  const env = { BOCKER_ROOT: root, BOCKER_BRIDGE: network.bridge, BOCKER_SUBNET: network.subnet, BOCKER_DNS_SERVERS: "127.0.0.1#9" };
  cleanup.add(`remove ${root}`, () => {
    unmountUnder(root);
    if (under === undefined) rmSync(root, { recursive: true, force: true });
  });
  const run = async (args: string[], extra: Record<string, string> = {}): Promise<Outcome> => {
    const proc = Bun.spawn([bockerBinary(), ...args], { env: { ...process.env, ...env, ...extra }, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    return { code, stdout, stderr };
  };
  cleanup.add("bocker rm every container", async () => {
    const dir = join(root, "containers");
    const left = existsSync(dir) ? readdirSync(dir) : [];
    const failures: string[] = [];
    for (const id of left) {
      const r = await run(["rm", id]);
      if (r.code !== 0) failures.push(`bocker rm ${id}: ${r.stderr.trim()}`);
    }
    if (failures.length > 0) throw new Error(failures.join("\n"));
  });
  const bocker: Bocker = {
    root,
    env,
    run,
    async ok(args, extra) {
      const r = await run(args, extra);
      if (r.code !== 0) throw new Error(`bocker ${args.join(" ")}: exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
      return r.stdout;
    },
    async busyboxImage(files = {}) {
      const dir = mkdtempSync(join(tmpdir(), "bocker-image-src-"));
      cleanup.add(`remove ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
      makeBusyboxRootfs(dir);
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), text);
      }
      const out = await bocker.ok(["init", dir]);
      const id = /^Created: (img_\d{5})\n$/.exec(out)?.[1];
      if (!id) throw new Error(`bocker init printed ${JSON.stringify(out)}`);
      return id;
    },
  };
  return bocker;
}

/** The ps_ ids `bocker ps` lists. */
export async function containerIds(b: Bocker): Promise<string[]> {
  return (await b.ok(["ps"])).split("\n").slice(1).filter(Boolean).map((l) => l.split("\t")[0]!);
}
