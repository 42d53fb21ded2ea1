/** User namespaces with id maps written by stage0, and joining a running container (`exec`). */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describeRoot } from "../../fixtures/root.ts";
import { Cleanup } from "../../../common/cleanup.ts";
import { makeBusyboxRootfs } from "../../../common/busybox-rootfs.ts";
import { CLONE, initPid, MS, O, runHelper, s, startHelper } from "./helper-driver.ts";
import { ALL_NS, containerPlan, standardMounts } from "./container-plan.ts";
import { waitFor } from "../runtime/harness.ts";
import type { Plan, Step } from "../../../runtime/lib/plan/steps.ts";

const cleanup = new Cleanup();
let dir = "";
let rootfs = "";
const killLater = (pid: number) =>
  cleanup.add(`kill ${pid}`, () => {
    try {
      process.kill(pid, "SIGKILL");
    } catch {}
  });

/** A container in a new user namespace, root mapped to host uid/gid 100000 by stage0. */
function usernsPlan(rootfs: string, late: Step[], argv: string[], host: Step[] = []): Plan {
  return {
    host,
    parent: [
      s("RELEASE_CHILD"),
      s("AWAIT_CHILD_USERNS"),
      s("WRITE_CHILD_PROC", "setgroups", "deny"),
      s("WRITE_CHILD_PROC", "uid_map", "0 100000 65536\n"),
      s("WRITE_CHILD_PROC", "gid_map", "0 100000 65536\n"),
      s("RESUME_CHILD"),
    ],
    child: [s("AWAIT_RELEASE"), s("UNSHARE", CLONE.NEWUSER), s("REQUEST_IDMAPS"), s("SETRESID", 0, 0), s("UNSHARE", ALL_NS), s("FORK_INIT")],
    init: [
      s("ROOTFS_PREPARE", rootfs, MS.SLAVE | MS.REC),
      ...standardMounts({ mknod: false }), // mknod is not allowed in a user namespace: bind the host's devices
      s("PIVOT_ROOT"),
      s("REPORT_DONE"),
      ...late,
      s("CLOSE_FDS", 3),
      s("EXEC", argv[0]!, argv, ["PATH=/bin"]),
    ],
  };
}

describeRoot("bocker-init: user namespaces and setns", () => {
  beforeAll(() => {
    dir = mkdtempSync("/tmp/bocker-userns-");
    chmodSync(dir, 0o755); // the mapped root (host uid 100000) must be able to reach the rootfs
    cleanup.add(`rm ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
    rootfs = makeBusyboxRootfs(join(dir, "rootfs"));
  });
  afterAll(async () => {
    await cleanup.run();
    expect(readFileSync("/proc/self/mountinfo", "utf8")).not.toContain(dir);
  });

  test("uid/gid maps written by stage0: root inside, 100000 on the host", async () => {
    const fifo = join(dir, "exec.fifo");
    expect(Bun.spawnSync(["mkfifo", "-m", "0622", fifo]).exitCode).toBe(0);
    const run = startHelper(usernsPlan(rootfs, [s("EXEC_FIFO_WAIT", 0)], ["sh", "-c", "id; cat /proc/self/uid_map; cat /proc/self/setgroups; stat -c '%t:%T' /dev/null"], [s("OPEN_SLOT", 0, fifo, O.PATH)]));
    const lines = await run.done;
    const pid = initPid(lines);
    killLater(pid);
    expect(lines).toEqual([`init ${pid}`]);
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    expect(status).toContain("Uid:\t100000\t100000\t100000\t100000\n");
    expect(status).toContain("Gid:\t100000\t100000\t100000\t100000\n");
    expect(readFileSync(fifo, "utf8")).toBe("0");
    const r = await run.result;
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("uid=0(root) gid=0(root)");
    expect(r.stdout).toMatch(/^\s+0\s+100000\s+65536$/m);
    expect(r.stdout).toContain("deny\n1:3\n");
  });

  test("exec into a user-namespaced container: SETNS user first, then become its root", async () => {
    const target = startHelper(usernsPlan(rootfs, [], ["sleep", "30"]));
    const pid = initPid(await target.done);
    killLater(pid);
    const kinds = [["user", CLONE.NEWUSER], ["ipc", CLONE.NEWIPC], ["uts", CLONE.NEWUTS], ["net", CLONE.NEWNET], ["pid", CLONE.NEWPID], ["mnt", CLONE.NEWNS]] as const;
    const ok = await runHelper({
      host: [s("FOREGROUND"), ...kinds.map(([ns], k) => s("OPEN_SLOT", k, `/proc/${pid}/ns/${ns}`, O.RDONLY))],
      parent: [],
      child: [...kinds.map(([, flag], k) => s("SETNS", k, flag)), s("SETRESID", 0, 0), s("FORK_INIT")],
      init: [s("CHDIR", "/"), s("CLOSE_FDS", 3), s("EXEC", "sh", ["sh", "-c", "id -u; cat /proc/self/uid_map"], ["PATH=/bin"])],
    });
    expect(ok.stderr).toBe("");
    expect(ok.stdout).toMatch(/^0\n\s+0\s+100000\s+65536\n$/);
    expect(ok.exitCode).toBe(0);
  });

  test("CVE-2019-5736: a helper inside the container runs from a sealed memfd the container cannot write", async () => {
    const helperBefore = new Bun.CryptoHasher("sha256").update(readFileSync(join(import.meta.dir, "../../../dist/bocker-init"))).digest("hex");
    const target = startHelper(containerPlan({ rootfs, argv: ["sleep", "30"] }));
    const pid = initPid(await target.done);
    killLater(pid);
    // `init <pid>` comes before the init has exec'd: its cmdline is checked below.
    await waitFor(() => readFileSync(`/proc/${pid}/cmdline`, "utf8").startsWith("sleep"), "the target's init to exec sleep");
    const kinds = [["ipc", CLONE.NEWIPC], ["uts", CLONE.NEWUTS], ["net", CLONE.NEWNET], ["pid", CLONE.NEWPID], ["mnt", CLONE.NEWNS]] as const;
    const join_ = (init: Step[]): Plan => ({
      host: [s("FOREGROUND"), ...kinds.map(([ns], k) => s("OPEN_SLOT", k, `/proc/${pid}/ns/${ns}`, O.RDONLY))],
      parent: [],
      child: [...kinds.map(([, flag], k) => s("SETNS", k, flag)), s("FORK_INIT")],
      init,
    });
    let attack = "";
    // The first exec parks inside the container at HOOKS_SYNC; meanwhile the container (root, all
    // capabilities of this plan) goes for its /proc/<pid>/exe.
    const parked = await runHelper(join_([s("HOOKS_SYNC"), s("EXEC", "true", ["true"], ["PATH=/bin"])]), {
      onLine: async (line, reply) => {
        if (line.startsWith("init ")) {
          const nspid = readFileSync(`/proc/${line.slice(5)}/status`, "utf8").match(/^NSpid:.*\s(\d+)$/m)![1];
          const script = `readlink /proc/${nspid}/exe; (echo x >> /proc/${nspid}/exe) 2>&1 || echo write-refused`;
          attack = (await runHelper(join_([s("CLOSE_FDS", 3), s("EXEC", "sh", ["sh", "-c", script], ["PATH=/bin"])]))).stdout;
        }
        if (line === "hooks") reply("abort\n");
      },
    });
    expect(parked.exitCode).toBe(1);
    expect(attack).toMatch(/^\/memfd:bocker-init \(deleted\)\n.*\nwrite-refused\n$/);
    const helperAfter = new Bun.CryptoHasher("sha256").update(readFileSync(join(import.meta.dir, "../../../dist/bocker-init"))).digest("hex");
    expect(helperAfter).toBe(helperBefore);
  });

  test("SETNS joins a running container's namespaces (exec)", async () => {
    const target = startHelper(containerPlan({ rootfs, afterPivot: [s("SETHOSTNAME", "target")], argv: ["sleep", "30"] }));
    const pid = initPid(await target.done);
    killLater(pid);
    // `init <pid>` comes before the init has exec'd: its cmdline is checked below.
    await waitFor(() => readFileSync(`/proc/${pid}/cmdline`, "utf8").startsWith("sleep"), "the target's init to exec sleep");
    const kinds = [["ipc", CLONE.NEWIPC], ["uts", CLONE.NEWUTS], ["net", CLONE.NEWNET], ["pid", CLONE.NEWPID], ["mnt", CLONE.NEWNS]] as const;
    const r = await runHelper({
      host: [s("FOREGROUND"), ...kinds.map(([ns], k) => s("OPEN_SLOT", k, `/proc/${pid}/ns/${ns}`, O.RDONLY))],
      parent: [s("RELEASE_CHILD")],
      child: [s("AWAIT_RELEASE"), ...kinds.map(([, flag], k) => s("SETNS", k, flag)), s("FORK_INIT")],
      init: [
        s("CHDIR", "/"),
        s("CLOSE_FDS", 3),
        s("EXEC", "sh", ["sh", "-c", "hostname; echo pid=$$; ls /proc/$$/fd; tr '\\0' ' ' < /proc/1/cmdline"], ["PATH=/bin"]),
      ],
    });
    expect(r.stderr).toBe("");
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^target\npid=\d+\n0\n1\n2\nsleep 30 $/);
    expect(r.stdout).not.toContain("pid=1\n");
  });
});
