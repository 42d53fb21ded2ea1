/**
 * Paths in the rootfs are attacker input (CVE-2021-30465 class, CVE-2025-31133): symlinked mount
 * targets stay inside the rootfs, mkdir never leaves it, the root itself is never a mount target,
 * and masking refuses a /dev/null that is not the null device.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describeRoot } from "../../fixtures/root.ts";
import { Cleanup } from "../../../common/cleanup.ts";
import { makeBusyboxRootfs } from "../../../common/busybox-rootfs.ts";
import { at, MS, runHelper, s, withoutInit } from "./helper-driver.ts";
import { ALL_NS, containerPlan } from "./container-plan.ts";
import type { Plan, Step } from "../../../runtime/lib/plan/steps.ts";

const cleanup = new Cleanup();
let dir = "";

function bareContainer(rootfs: string, init: Step[]): Plan {
  return {
    host: [s("FOREGROUND")],
    parent: [],
    child: [s("UNSHARE", ALL_NS), s("FORK_INIT")],
    init: [s("ROOTFS_PREPARE", rootfs, MS.SLAVE | MS.REC), s("MOUNT_IN_ROOT", "proc", "/proc", "proc", 0, ""), s("PIVOT_ROOT"), ...init, s("EXEC", "true", ["true"], ["PATH=/bin"])],
  };
}

describeRoot("bocker-init: hostile rootfs", () => {
  beforeAll(() => {
    dir = mkdtempSync("/tmp/bocker-hostile-");
    cleanup.add(`rm ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  });
  afterAll(async () => {
    await cleanup.run();
    expect(readFileSync("/proc/self/mountinfo", "utf8")).not.toContain(dir);
  });

  test("symlinked mount targets and mkdir paths resolve inside the rootfs", async () => {
    const rootfs = makeBusyboxRootfs(join(dir, "links"));
    symlinkSync("/etc", join(rootfs, "tmp/abs")); // absolute: would be the host's /etc
    symlinkSync("/", join(rootfs, "tmp/root"));
    const r = await runHelper(
      containerPlan({
        rootfs,
        host: [s("FOREGROUND")],
        mounts: [s("MOUNT_IN_ROOT", "tmpfs", "/tmp/abs", "tmpfs", 0, "size=1m")],
        argv: ["sh", "-c", "ls /etc | wc -l; grep -c ' /etc ' /proc/self/mountinfo"],
      }),
    );
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("0\n1\n"); // the tmpfs covers the rootfs's /etc
    expect(readFileSync("/etc/passwd", "utf8")).toContain("root:");
    expect(readFileSync("/proc/self/mountinfo", "utf8")).not.toMatch(/ \/etc tmpfs /);

    const onRoot = await runHelper(containerPlan({ rootfs, host: [s("FOREGROUND")], mounts: [at(3, "MOUNT_IN_ROOT", "tmpfs", "/tmp/root", "tmpfs", 0, "")], argv: ["true"] }));
    expect(onRoot.exitCode).toBe(1);
    expect(withoutInit(onRoot.lines)).toEqual(['error 3 22 mount: target "/tmp/root" resolves to the container root']);
  });

  test("MKDIR_IN_ROOT through a symlink climbing out: refused, the host path untouched", async () => {
    const rootfs = makeBusyboxRootfs(join(dir, "climb"));
    const hostTarget = join(dir, "host-target");
    mkdirSync(hostTarget);
    symlinkSync(`../../../../../../../..${hostTarget}`, join(rootfs, "tmp/rel"));
    const r = await runHelper(containerPlan({ rootfs, host: [s("FOREGROUND")], mounts: [at(4, "MKDIR_IN_ROOT", "/tmp/rel/made", 0o755)], argv: ["true"] }));
    expect(r.exitCode).toBe(1);
    // The link is dangling inside the root; we never create through a symlink.
    expect(withoutInit(r.lines)).toEqual(['error 4 20 open("/tmp/rel") in root as a directory failed']);
    expect(existsSync(join(hostTarget, "made"))).toBe(false);
  });

  test("MASK_PATH refuses a /dev/null that is a symlink or not char 1:3", async () => {
    const linked = makeBusyboxRootfs(join(dir, "null-link"));
    symlinkSync("/etc/hostname", join(linked, "dev/null"));
    const r1 = await runHelper(bareContainer(linked, [at(5, "MASK_PATH", "/etc/passwd")]));
    expect(r1.exitCode).toBe(1);
    expect(withoutInit(r1.lines)).toEqual(['error 5 40 masking "/etc/passwd": open("/dev/null") in root without symlinks failed']);
    expect(readFileSync(join(linked, "etc/hostname"), "utf8")).toBe("busybox\n");

    const plain = makeBusyboxRootfs(join(dir, "null-file"));
    writeFileSync(join(plain, "dev/null"), "");
    const r2 = await runHelper(bareContainer(plain, [at(6, "MASK_PATH", "/etc/passwd")]));
    expect(r2.exitCode).toBe(1);
    expect(withoutInit(r2.lines)).toEqual(['error 6 1 refusing to mask "/etc/passwd": the container\'s /dev/null is not the char device 1:3']);
  });
});
