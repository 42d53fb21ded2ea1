/**
 * The less common steps: MOVE_ROOT (--no-pivot), REMOUNT_ROOT_READONLY, MKFILE_IN_ROOT, shared
 * rootfs propagation, PROPAGATE_IN_ROOT, PERSONALITY, IOPRIO, OOM_SCORE_ADJ, time namespace
 * offsets, CGROUP_ENTER, and errors after REPORT_DONE reaching `start` through the exec FIFO.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describeRoot } from "../../fixtures/root.ts";
import { Cleanup } from "../../../common/cleanup.ts";
import { makeBusyboxRootfs } from "../../../common/busybox-rootfs.ts";
import { at, initPid, MS, O, replyToHooks, runHelper, s, startHelper } from "./helper-driver.ts";
import { ALL_NS, containerPlan, standardMounts } from "./container-plan.ts";

const cleanup = new Cleanup();
let dir = "";
let rootfs = "";
const CLONE_NEWTIME = 0x80;
const MS_SHARED = 1 << 20;

describeRoot("bocker-init: root variants and process attributes", () => {
  beforeAll(() => {
    dir = mkdtempSync("/tmp/bocker-rootproc-");
    cleanup.add(`rm ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
    rootfs = makeBusyboxRootfs(join(dir, "rootfs"));
  });
  afterAll(async () => {
    await cleanup.run();
    expect(readFileSync("/proc/self/mountinfo", "utf8")).not.toContain(dir);
  });

  test("MOVE_ROOT, read-only root, file bind, propagation, personality, ioprio, oom_score_adj", async () => {
    const hostFile = join(dir, "host-file");
    writeFileSync(hostFile, "from the host\n");
    const r = await runHelper({
      host: [s("FOREGROUND"), s("OOM_SCORE_ADJ", 123)],
      parent: [],
      child: [s("UNSHARE", ALL_NS), s("FORK_INIT")],
      init: [
        s("ROOTFS_PREPARE", rootfs, MS.PRIVATE | MS.REC),
        ...standardMounts(),
        s("MKFILE_IN_ROOT", "/etc/bound/file", 0o644),
        s("MOUNT_IN_ROOT", hostFile, "/etc/bound/file", "", MS.BIND, ""),
        s("MKDIR_IN_ROOT", "/mnt/p", 0o755),
        s("MOUNT_IN_ROOT", "tmpfs", "/mnt/p", "tmpfs", 0, ""),
        s("PROPAGATE_IN_ROOT", "/mnt/p", MS_SHARED),
        s("MOVE_ROOT"),
        s("REMOUNT_ROOT_READONLY"),
        s("PERSONALITY", 0x0040000 /* ADDR_NO_RANDOMIZE */),
        s("IOPRIO", 2, 4),
        s("CLOSE_FDS", 3),
        s("EXEC", "sh", ["sh", "-c", [
          "cat /etc/bound/file",
          "(touch /newfile) 2>/dev/null || echo root-ro",
          "awk '$5 == \"/\" { print $6 }' /proc/self/mountinfo | tail -1",
          "grep -c ' /mnt/p .* shared:' /proc/self/mountinfo",
          "cat /proc/self/personality /proc/self/oom_score_adj",
          "ionice -p $$",
        ].join("\n")], ["PATH=/bin"]),
      ],
    });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("from the host\nroot-ro\nro,relatime\n1\n00040000\n123\nbest-effort: prio 4\n");
    expect(r.exitCode).toBe(0);
  });

  test("a shared rootfs propagation still pivots (the parent mount is made private)", async () => {
    const plan = containerPlan({ rootfs, host: [s("FOREGROUND")], argv: ["sh", "-c", "echo pivoted"] });
    plan.init[0] = s("ROOTFS_PREPARE", rootfs, MS_SHARED | MS.REC);
    const r = await runHelper(plan);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("pivoted\n");
    expect(r.exitCode).toBe(0);
  });

  test("time namespace offsets are written before the init enters it", async () => {
    const r = await runHelper({
      host: [s("FOREGROUND")],
      parent: [],
      child: [s("UNSHARE", CLONE_NEWTIME), s("TIMENS_OFFSETS", "monotonic 864000 0\nboottime 864000 0\n"), s("FORK_INIT")],
      init: [s("EXEC", "/bin/busybox", ["cat", "/proc/uptime"], [])],
    });
    expect(r.exitCode).toBe(0);
    expect(Number(r.stdout.split(" ")[0])).toBeGreaterThan(864000);
  });

  test("CGROUP_ENTER puts stage1 (and so the init) into the cgroup before RELEASE_CHILD", async () => {
    const v2 = existsSync("/sys/fs/cgroup/cgroup.controllers"); // a pure v2 host (test/v2/run.sh)
    const cg = `/sys/fs/cgroup/${v2 ? "" : "pids/"}bocker-native-${process.pid}`;
    mkdirSync(cg);
    cleanup.add(`rmdir ${cg}`, () => rmdirSync(cg));
    const r = await runHelper({
      host: [s("FOREGROUND")],
      parent: [s("CGROUP_ENTER", join(cg, "cgroup.procs")), s("RELEASE_CHILD")],
      child: [s("AWAIT_RELEASE"), s("FORK_INIT")],
      init: [s("EXEC", "/bin/busybox", ["grep", v2 ? "^0::" : "pids", "/proc/self/cgroup"], [])],
    });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`:${v2 ? "" : "pids"}:/bocker-native-${process.pid}\n$`));
  });

  test("after REPORT_DONE, errors reach `start` through the exec FIFO; EOF means execve happened", async () => {
    for (const [late, expected] of [
      [[s("EXEC_FIFO_WAIT", 0), at(12, "RUN_HOOK", "/bin/sh", ["sh", "-c", "exit 2"], [], 0)], '0error 12 0 hook "/bin/sh" exited with status 2\n'],
      [[s("EXEC_FIFO_WAIT", 0), s("CLOSE_FDS", 3), at(13, "EXEC", "nope", ["nope"], ["PATH=/bin"])], '0error 13 2 execve("nope") failed: not found (or not executable) in PATH "/bin"\n'],
      [[s("EXEC_FIFO_WAIT", 0), s("CLOSE_FDS", 3), s("EXEC", "true", ["true"], ["PATH=/bin"])], "0"],
    ] as const) {
      const fifo = join(dir, "exec.fifo");
      rmSync(fifo, { force: true });
      expect(Bun.spawnSync(["mkfifo", "-m", "0622", fifo]).exitCode).toBe(0);
      const run = startHelper(
        {
          host: [s("OPEN_SLOT", 0, fifo, O.PATH)],
          parent: [],
          child: [s("UNSHARE", ALL_NS), s("FORK_INIT")],
          init: [s("ROOTFS_PREPARE", rootfs, MS.SLAVE | MS.REC), ...standardMounts(), s("PIVOT_ROOT"), s("HOOKS_SYNC"), s("REPORT_DONE"), ...late],
        },
        { onLine: replyToHooks() },
      );
      const pid = initPid(await run.done);
      cleanup.add(`kill ${pid}`, () => {
        try {
          process.kill(pid, "SIGKILL");
        } catch {}
      });
      expect(readFileSync(fifo, "utf8")).toBe(expected); // like `start`, reading to EOF
      expect((await run.result).stderr).toBe("");
    }
  });

  test("FORK_INIT: `init <pid>` is always the first line, even when the init fails at once", async () => {
    for (let i = 0; i < 30; i++) {
      const r = await runHelper({
        host: [],
        parent: [s("RELEASE_CHILD")],
        child: [s("AWAIT_RELEASE"), s("FORK_INIT")],
        init: [at(7, "MKDIR_IN_ROOT", "/x", 0o755)],
      });
      expect(r.lines.length).toBe(2);
      expect(r.lines[0]).toMatch(/^init \d+$/);
      expect(r.lines[1]).toStartWith("error 7 9 ");
    }
  });
});
