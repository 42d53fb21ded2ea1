/**
 * The original bocker README's session, step by step, offline: the image comes from `bocker init`
 * of a busybox rootfs that carries /etc/centos-release, and "yum install -y wget" becomes writing
 * a small script into /usr/bin (the point is commit carrying the change into the image).
 */
import { afterEach, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { Cleanup } from "../../../common/cleanup.ts";
import { describeRoot } from "../../fixtures/root.ts";
import { containerIds, startBocker } from "./bocker-fixture.ts";

/** A pure cgroup v2 host (test/v2/run.sh): shares become cpu.weight (512 → 59), the limit memory.max. */
const V2 = existsSync("/sys/fs/cgroup/cgroup.controllers");
const cpuFile = (cg: string) => (V2 ? `/sys/fs/cgroup/${cg}/cpu.weight` : `/sys/fs/cgroup/cpu/${cg}/cpu.shares`);
const memFile = (cg: string) => (V2 ? `/sys/fs/cgroup/${cg}/memory.max` : `/sys/fs/cgroup/memory/${cg}/memory.limit_in_bytes`);

const TIMEOUT = 60_000;
const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const RELEASE = "CentOS Linux release 7.1.1503 (Core)\n";
const HELLO = "#!/bin/sh\necho hello from the committed image\n";

describeRoot("bocker: the original README session (offline, bocker init)", () => {
  test("init, images, run, ps, logs, rm, commit, cgroup limits", async () => {
    const b = startBocker(cleanup);
    const img = await b.busyboxImage({ "etc/centos-release": RELEASE });
    expect(await b.ok(["images"])).toMatch(new RegExp(`^IMAGE_ID\\t\\tSOURCE\\n${img}\\t\\t/tmp/bocker-image-src-\\w+\\n$`));

    // $ bocker run img_42150 cat /etc/centos-release
    expect(await b.ok(["run", img, "cat", "/etc/centos-release"])).toBe(RELEASE);
    const [first] = await containerIds(b);
    expect(await b.ok(["ps"])).toBe(`CONTAINER_ID\t\tCOMMAND\n${first}\t\tcat /etc/centos-release\n`);
    expect(await b.ok(["logs", first!])).toBe(RELEASE);
    expect(await b.ok(["rm", first!])).toBe(`Removed: ${first}\n`);
    expect(await containerIds(b)).toEqual([]);

    // $ bocker run img_42150 which wget   (not there yet)
    const missing = await b.run(["run", img, "which", "hello"]);
    expect(missing).toMatchObject({ code: 1, stdout: "" });
    // $ bocker run img_42150 yum install -y wget
    await b.ok(["run", img, "sh", "-c", `printf '${HELLO.replace(/\n/g, "\\n")}' > /usr/bin/hello && chmod 755 /usr/bin/hello && echo Complete!`]);
    const ps = await b.ok(["ps"]);
    const installer = /(ps_\d{5})\t\tsh -c printf/.exec(ps)?.[1];
    expect(ps).toContain("\t\twhich hello\n");
    expect(installer).toBeDefined();
    expect(await b.ok(["logs", installer!])).toBe("Complete!\n");

    // $ bocker commit ps_42018 img_42150
    expect(await b.ok(["commit", installer!, img])).toBe(`Removed: ${img}\nCreated: ${img}\n`);
    // $ bocker run img_42150 which wget
    expect(await b.ok(["run", img, "which", "hello"])).toBe("/usr/bin/hello\n");
    expect(await b.ok(["run", img, "hello"])).toBe("hello from the committed image\n");

    // $ bocker run img_42150 cat /proc/1/cgroup, then the limits on the host
    const before = new Set(await containerIds(b));
    expect(await b.ok(["run", img, "cat", "/proc/1/cgroup"])).toMatch(V2 ? /^0::\/$/m : /^\d+:memory:\/$/m);
    const [cg] = (await containerIds(b)).filter((id) => !before.has(id));
    expect(readFileSync(cpuFile(cg!), "utf8")).toBe(V2 ? "59\n" : "512\n");
    expect(readFileSync(memFile(cg!), "utf8")).toBe("512000000\n");

    // $ BOCKER_CPU_SHARE=1024 BOCKER_MEM_LIMIT=1024 bocker run img_42150 cat /proc/1/cgroup
    const before2 = new Set(await containerIds(b));
    await b.ok(["run", img, "cat", "/proc/1/cgroup"], { BOCKER_CPU_SHARE: "1024", BOCKER_MEM_LIMIT: "1024" });
    const [cg2] = (await containerIds(b)).filter((id) => !before2.has(id));
    expect(readFileSync(cpuFile(cg2!), "utf8")).toBe(V2 ? "100\n" : "1024\n");
    expect(readFileSync(memFile(cg2!), "utf8")).toBe("1024000000\n");

    // rm takes the cgroups with it
    await b.ok(["rm", cg2!]);
    expect(existsSync(dirname(cpuFile(cg2!)))).toBe(false);
    expect(existsSync(dirname(memFile(cg2!)))).toBe(false);
  }, TIMEOUT);

  test("the container reads its own limits at /sys/fs/cgroup, read-only", async () => {
    const b = startBocker(cleanup);
    const img = await b.busyboxImage();
    const script = V2
      ? "cat /sys/fs/cgroup/cpu.weight /sys/fs/cgroup/memory.max; touch /sys/fs/cgroup/x 2>&1 | grep -o 'Read-only file system'"
      : "cat /sys/fs/cgroup/cpu/cpu.shares /sys/fs/cgroup/memory/memory.limit_in_bytes; touch /sys/fs/cgroup/cpu/x 2>&1 | grep -o 'Read-only file system'";
    expect(await b.ok(["run", img, "sh", "-c", script])).toBe(`${V2 ? 59 : 512}\n512000000\nRead-only file system\n`);
    expect(await b.ok(["run", img, "sh", "-c", script], { BOCKER_CPU_SHARE: "300", BOCKER_MEM_LIMIT: "64" })).toBe(`${V2 ? 39 : 300}\n64000000\nRead-only file system\n`);
  }, TIMEOUT);

  test("errors are worded as the original's and exit non-zero", async () => {
    const b = startBocker(cleanup);
    const img = await b.busyboxImage();
    expect(await b.run(["run", "img_00000", "true"])).toMatchObject({ code: 1, stderr: "No image named 'img_00000' exists\n" });
    expect(await b.run(["logs", "ps_00000"])).toMatchObject({ code: 1, stderr: "No container named 'ps_00000' exists\n" });
    expect(await b.run(["rm", "ps_00000"])).toMatchObject({ code: 1, stderr: "No container named 'ps_00000' exists\n" });
    expect(await b.run(["exec", "ps_00000", "true"])).toMatchObject({ code: 1, stderr: "No container named 'ps_00000' exists\n" });
    expect(await b.run(["commit", "ps_00000", img])).toMatchObject({ code: 1, stderr: "No container named 'ps_00000' exists\n" });
    expect(await b.run(["init", "/nonexistent-dir"])).toMatchObject({ code: 1, stderr: "No directory named '/nonexistent-dir' exists\n" });
    await b.ok(["run", img, "true"]);
    const [stopped] = await containerIds(b);
    expect(await b.run(["exec", stopped!, "true"])).toMatchObject({ code: 1, stderr: `Container '${stopped}' exists but is not running\n` });
    expect(await b.run(["commit", stopped!, "img_00000"])).toMatchObject({ code: 1, stderr: "No image named 'img_00000' exists\n" });
    expect(await b.run(["frobnicate"])).toMatchObject({ code: 1 });
    expect(await b.run(["run", img, "sh", "-c", "exit 3"])).toMatchObject({ code: 3 });
    // The original's own tests pass the command as one shell string.
    expect(await b.ok(["run", img, "echo foo && uname"])).toBe("foo\nLinux\n");
    expect(await b.run(["rm", img])).toMatchObject({ code: 0, stdout: `Removed: ${img}\n` });
    expect(await b.ok(["images"])).toBe("IMAGE_ID\t\tSOURCE\n");
  }, TIMEOUT);

  test("exec into a foreground container, as the original's test_exec does", async () => {
    const b = startBocker(cleanup);
    const img = await b.busyboxImage();
    // ./bocker run "$img" "sleep 5 && ps aux" &   (one string: a shell command line)
    const running = b.run(["run", img, "sleep 3 && echo done"]);
    let id: string | undefined;
    for (let i = 0; i < 100 && !id; i++, await Bun.sleep(50)) {
      id = /(ps_\d{5})\t\tsleep 3 && echo done/.exec(await b.ok(["ps"]))?.[1];
    }
    expect(id).toBeDefined();
    let exec = await b.run(["exec", id!, "ps", "-o", "comm"]);
    for (let i = 0; i < 50 && exec.code !== 0; i++, await Bun.sleep(50)) exec = await b.run(["exec", id!, "ps", "-o", "comm"]);
    // sh (pid 1), its sleep, and our ps: the container's own pid namespace.
    expect(exec.stdout.split("\n").filter(Boolean)).toEqual(["COMMAND", "sh", "sleep", "ps"]);
    expect(await running).toMatchObject({ code: 0, stdout: "done\n" });
  }, TIMEOUT);

  test("help lists the original's commands in its format", async () => {
    const b = startBocker(cleanup);
    const help = await b.ok(["help"]);
    for (const usage of ["init <directory>", "pull <name> <tag>", "rm <image_id or container_id>", "images", "ps", "exec <container_id> <command>", "logs [-f] <container_id>", "commit <container_id> <image_id>", "help"]) {
      expect(help).toContain(`\n\tbocker ${usage}\n`);
    }
    expect(help.startsWith("Create an image from a directory:\n\tbocker init <directory>\n\n")).toBe(true);
    expect((await b.run([])).stdout).toBe(help);
  }, TIMEOUT);
});
