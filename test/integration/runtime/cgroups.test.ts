import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describeRoot } from "../../fixtures/root.ts";
import { RuntimeSuite, defaultCgroupDirs } from "./harness.ts";

describeRoot("bocker-runtime pause, resume, update, events, logs", () => {
  let s: RuntimeSuite;
  beforeAll(() => {
    s = new RuntimeSuite("cgroups");
  });
  afterEach(async () => {
    await s.cleanup.run();
  });
  afterAll(() => s?.remove());

  test("pause freezes, resume thaws; statuses follow", async () => {
    const id = s.id();
    await s.rt(["run", "-d", "--bundle", s.bundle(["sleep", "1000"]), id]);
    const pid = (await s.state(id)).pid as number;
    expect((await s.rt(["pause", id])).code).toBe(0);
    expect((await s.state(id)).status).toBe("paused");
    expect(readFileSync(`/proc/${pid}/status`, "utf8")).toMatch(/State:\s+[DS]/);
    expect((await s.rt(["pause", id])).stderr).toContain("it is paused");
    expect((await s.rt(["resume", id])).code).toBe(0);
    expect((await s.state(id)).status).toBe("running");
  });

  test("update changes limits; events --stats reports them", async () => {
    const id = s.id();
    await s.rt(["run", "-d", "--bundle", s.bundle(["sleep", "1000"]), id]);
    expect((await s.rt(["update", "--pids-limit", "42", id])).code).toBe(0);
    const pidsDir = defaultCgroupDirs(id).find((d) => d.includes("/pids/"))!;
    expect(readFileSync(join(pidsDir, "pids.max"), "utf8").trim()).toBe("42");
    const ev = JSON.parse((await s.rt(["events", "--stats", id])).stdout);
    expect(ev).toMatchObject({ type: "stats", id });
    expect(ev.data.pids).toMatchObject({ current: 1, limit: 42 });
  });

  test("--log --log-format json writes runc-style lines", async () => {
    const log = join(s.dir, "log.json");
    const r = await s.rt(["--log", log, "--log-format", "json", "start", "nope"]);
    expect(r.code).toBe(1);
    const line = JSON.parse(readFileSync(log, "utf8").trim());
    expect(line).toMatchObject({ level: "error", msg: expect.stringContaining("nope does not exist") });
    expect(new Date(line.time).getTime()).toBeGreaterThan(0);
  });
});
