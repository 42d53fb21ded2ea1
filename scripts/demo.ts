/**
 * `npm run demo`: bocker's main job on a fresh machine, offline. Builds the tools if needed, makes
 * an image from the host's busybox-static with `bocker init`, runs `echo hello from bocker` in a
 * container, shows `bocker ps` and `bocker logs`, then removes what it made: the container, the
 * image, the rootfs directory, and the storage root, bridge, NAT rules and ip_forward setting
 * if they were not there before.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadSettings } from "../bocker/config.ts";
import { bridgeExists, removeBridge } from "../bocker/network/bridge.ts";
import { makeBusyboxRootfs } from "../common/busybox-rootfs.ts";

const repo = join(import.meta.dir, "..");
const bocker = join(repo, "dist", "bocker");
const IP_FORWARD = "/proc/sys/net/ipv4/ip_forward";

function fail(message: string): never {
  process.stderr.write(`demo: ${message}\n`);
  process.exit(1);
}

/** Runs `bocker ARGS`, echoing the command and its output like a terminal session. */
function step(...args: string[]): string {
  process.stdout.write(`\n$ bocker ${args.join(" ")}\n`);
  const r = Bun.spawnSync([bocker, ...args], { stdin: "ignore", stdout: "pipe", stderr: "inherit" });
  const out = r.stdout.toString();
  process.stdout.write(out);
  if (r.exitCode !== 0) throw new Error(`bocker ${args.join(" ")} exited with ${r.exitCode}`);
  return out;
}

if (process.getuid?.() !== 0) fail("bocker needs root (network namespaces, cgroups, mounts): run `sudo npm run demo`");
if (!existsSync(bocker) || !existsSync(join(repo, "dist", "bocker-runtime")) || !existsSync(join(repo, "dist", "bocker-imagetool"))) {
  const build = Bun.spawnSync([process.execPath, join(repo, "scripts", "build.ts")], { stdio: ["ignore", "inherit", "inherit"] });
  if (build.exitCode !== 0) fail("the build failed (see above)");
}

const settings = loadSettings();
const hadRoot = existsSync(settings.root);
const hadBridge = bridgeExists(settings.bridge);
const ipForward = readFileSync(IP_FORWARD, "utf8");
const work = mkdtempSync(join(tmpdir(), "bocker-demo-"));
const made: string[] = [];
let failed = false;
try {
  const rootfs = makeBusyboxRootfs(join(work, "busybox"));
  const image = /Created: (img_\d+)/.exec(step("init", rootfs))?.[1] ?? fail("bocker init printed no image id");
  made.push(image);
  step("images");
  const before = new Set(step("ps").split("\n").slice(1).map((l) => l.split("\t")[0]));
  step("run", image, "echo", "hello from bocker");
  const container = step("ps").split("\n").slice(1).map((l) => l.split("\t")[0]!).find((id) => id && !before.has(id));
  if (!container) fail("the container does not show in bocker ps");
  made.unshift(container);
  step("logs", container);
} catch (err) {
  failed = true;
  process.stderr.write(`demo: ${(err as Error).message}\n`);
} finally {
  process.stdout.write("\n# cleaning up what the demo made\n");
  for (const id of made) {
    try {
      step("rm", id);
    } catch (err) {
      failed = true;
      process.stderr.write(`demo: ${(err as Error).message}\n`);
    }
  }
  if (!hadBridge) await removeBridge(settings);
  writeFileSync(IP_FORWARD, ipForward);
  if (!hadRoot) rmSync(settings.root, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
