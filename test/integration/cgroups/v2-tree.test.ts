/**
 * The cgroup v2 tree above a container (issue 13): a parent that is not a "domain" cgroup, or that
 * holds processes, is refused with the file and value before anything is created or enabled. Runs
 * on this hybrid host's cgroup2 mount (hugetlb is its one domain controller) and on a pure v2 host
 * (test/v2/run.sh), where memory is the domain controller and systemd's populated service cgroup is
 * the case that broke every container.
 */
import { afterEach, expect, test } from "bun:test";
import { existsSync, mkdirSync, rmdirSync, writeFileSync } from "node:fs";
import { posix } from "node:path";
import { detectCgroups, setupCgroup } from "../../../runtime/lib/cgroups/index.ts";
import { Cleanup } from "../../../common/cleanup.ts";
import { describeRoot } from "../../fixtures/root.ts";
import { read, startSleep, track, uniqueId } from "./fixture.ts";

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

function v2Mount(): string {
  return detectCgroups().hierarchies.find((h) => h.version === 2)!.mountpoint;
}

/** A cgroup on the v2 mount that the test owns (every hierarchy's copy, so nothing else is created). */
function ownCgroup(name: string): string {
  const dir = posix.join(v2Mount(), name);
  mkdirSync(dir);
  cleanup.add(`rmdir ${dir}`, () => existsSync(dir) && rmdirSync(dir));
  return dir;
}

/** The limit that needs a domain controller on the v2 mount of this host. */
function domainLimit(): object {
  const pureV2 = detectCgroups().mode === "v2";
  return pureV2 ? { memory: { limit: 64 << 20 }, pids: { limit: 10 } } : { hugepageLimits: [{ pageSize: "2MB", limit: 8 << 20 }] };
}

const pathsUnder = (dir: string) => detectCgroups().hierarchies.map((h) => posix.join(h.mountpoint, posix.relative(v2Mount(), dir)));

describeRoot("cgroup v2 tree checks", () => {
  test("a parent in threaded mode is refused naming its cgroup.type, and nothing is created", () => {
    const parent = ownCgroup(uniqueId("threadroot"));
    const thread = posix.join(parent, "t");
    mkdirSync(thread);
    cleanup.add(`rmdir ${thread}`, () => existsSync(thread) && rmdirSync(thread));
    writeFileSync(posix.join(thread, "cgroup.type"), "threaded");
    expect(read(parent, "cgroup.type")).toBe("domain threaded");
    const rel = `/${posix.basename(parent)}/c`;
    expect(() => track(cleanup, setupCgroup({ id: "c", cgroupsPath: rel }))).toThrow(
      `${posix.join(parent, "cgroup.type")} is "domain threaded", a container needs a "domain" cgroup all the way up (config.json /linux/cgroupsPath)`,
    );
    for (const d of pathsUnder(posix.join(parent, "c"))) expect(existsSync(d)).toBe(false);
  });

  test("a parent with processes: no controller is enabled on it, the error names its cgroup.procs", () => {
    const parent = ownCgroup(uniqueId("populated"));
    const sleep = startSleep(cleanup);
    writeFileSync(posix.join(parent, "cgroup.procs"), String(sleep.pid));
    cleanup.add("move the sleep out", () => {
      if (sleep.exitCode === null) sleep.kill("SIGKILL");
    });
    const rel = `/${posix.basename(parent)}/c`;
    expect(() => track(cleanup, setupCgroup({ id: "c", cgroupsPath: rel, resources: domainLimit() }))).toThrow(
      `${posix.join(parent, "cgroup.procs")} has processes, so cgroup v2 forbids enabling`,
    );
    // Not half-enabled: a thread root made by +cpu/+pids would turn every later child "domain invalid".
    expect(read(parent, "cgroup.subtree_control")).toBe("");
    expect(read(parent, "cgroup.type")).toBe("domain");
    for (const d of pathsUnder(posix.join(parent, "c"))) expect(existsSync(d)).toBe(false);
  });
});
