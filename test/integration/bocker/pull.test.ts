/**
 * The original session's first step, `bocker pull centos 7`, against Debian's docker-registry on
 * 127.0.0.1 (BOCKER_REGISTRY) holding a busybox image that calls itself CentOS 7.
 */
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ContentStore } from "../../../imagetool/lib/content/store.ts";
import { Cleanup } from "../../../common/cleanup.ts";
import { buildImage, imagetool, startRegistry, type TestRegistry } from "../../fixtures/registry.ts";
import { describeRoot, rootTestsEnabled } from "../../fixtures/root.ts";
import { makeBusyboxRootfs } from "../../../common/busybox-rootfs.ts";
import { containerIds, startBocker } from "./bocker-fixture.ts";

const TIMEOUT = 60_000;
const RELEASE = "CentOS Linux release 7.1.1503 (Core)\n";
const cleanup = new Cleanup();
afterEach(() => cleanup.run());

let registry: TestRegistry | undefined;
beforeAll(async () => {
  if (!rootTestsEnabled) return;
  registry = await startRegistry("none");
  const tmp = mkdtempSync(join(tmpdir(), "bocker-pull-src-"));
  try {
    const rootfs = makeBusyboxRootfs(join(tmp, "rootfs"));
    writeFileSync(join(rootfs, "etc", "centos-release"), RELEASE);
    await buildImage(new ContentStore(join(tmp, "content")), `${registry.host}/centos:7`, [rootfs]);
    const push = await imagetool(["--root", tmp, "--quiet", "push", `${registry.host}/centos:7`]);
    if (push.code !== 0) throw new Error(`push to the test registry failed: ${push.stderr}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
afterAll(async () => {
  await registry?.stop();
});

describeRoot("bocker pull from a registry (BOCKER_REGISTRY=127.0.0.1:PORT)", () => {
  test("pull, images, run, rm: the README session's start", async () => {
    const b = startBocker(cleanup);
    const env = { BOCKER_REGISTRY: registry!.host };
    // $ bocker pull centos 7   → progress (stderr), then Created: img_NNNNN
    const pulled = await b.run(["pull", "centos", "7"], env);
    expect(pulled.code).toBe(0);
    expect(pulled.stdout).toMatch(/^Created: img_\d{5}\n$/);
    const img = pulled.stdout.slice("Created: ".length).trim();
    // $ bocker images
    expect(await b.ok(["images"])).toBe(`IMAGE_ID\t\tSOURCE\n${img}\t\tcentos:7\n`);
    // $ bocker run img_42150 cat /etc/centos-release
    expect(await b.ok(["run", img, "cat", "/etc/centos-release"])).toBe(RELEASE);

    // A second pull is a second image; removing one leaves the other whole.
    const again = (await b.ok(["pull", "centos", "7"], env)).slice("Created: ".length).trim();
    expect(again).not.toBe(img);
    for (const id of await containerIds(b)) await b.ok(["rm", id]);
    expect(await b.ok(["rm", img])).toBe(`Removed: ${img}\n`);
    expect(await b.ok(["run", again, "cat", "/etc/centos-release"])).toBe(RELEASE);
    expect(await b.ok(["images"])).toBe(`IMAGE_ID\t\tSOURCE\n${again}\t\tcentos:7\n`);
  }, TIMEOUT);

  test("an unknown image or tag is an error and creates no image", async () => {
    const b = startBocker(cleanup);
    const r = await b.run(["pull", "centos", "6"], { BOCKER_REGISTRY: registry!.host });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("centos:6");
    expect(await b.ok(["images"])).toBe("IMAGE_ID\t\tSOURCE\n");
  }, TIMEOUT);
});
