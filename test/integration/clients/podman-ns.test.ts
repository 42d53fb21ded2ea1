/**
 * podman's own configs for issue #12: `--network none` gets a network namespace whose lo is up
 * (runc and crun bring it up; podman relies on it), and `--uidmap` on this hybrid-cgroup host
 * (no cgroup namespace: the cgroup hierarchies are bind-mounted, not mounted fresh).
 */
import { afterAll, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { describeRoot } from "../../fixtures/root.ts";
import { runtimeUnderTest } from "../../fixtures/clients/runtime.ts";
import { PodmanEnv } from "../../fixtures/clients/podman.ts";
import { ok } from "../../fixtures/clients/proc.ts";

describeRoot("podman --runtime <runtime under test>: namespaces", () => {
  let env: PodmanEnv | undefined;
  const podman = async () => (env ??= await PodmanEnv.create(runtimeUnderTest()));
  afterAll(async () => {
    await env?.destroy();
  }, 120_000);

  test("--network none: lo is up, 127.0.0.1 answers", async () => {
    const e = await podman();
    const script = "cat /sys/class/net/lo/flags; (nc -l -p 7777 >/dev/null &) ; sleep 0.2; echo hi | nc -w 1 127.0.0.1 7777 && echo connected";
    const r = ok(await e.runContainer(["--rm"], ["sh", "-c", script]), "podman run --network none");
    expect(r.stdout).toBe("0x9\nconnected\n");
  }, 120_000);

  test("--uidmap 0:100000:65536 on this host's cgroup layout (hybrid, or pure v2 in test/v2/run.sh)", async () => {
    const e = await podman();
    const pidsMax = existsSync("/sys/fs/cgroup/cgroup.controllers") ? "/sys/fs/cgroup/pids.max" : "/sys/fs/cgroup/pids/pids.max";
    const r = ok(await e.runContainer(["--rm", "--uidmap", "0:100000:65536", "--gidmap", "0:100000:65536"], ["sh", "-c", `id -u; tr -s ' ' < /proc/self/uid_map; ls ${pidsMax}`]), "podman run --uidmap");
    expect(r.stdout).toBe(`0\n 0 100000 65536\n${pidsMax}\n`);
  }, 120_000);
});
