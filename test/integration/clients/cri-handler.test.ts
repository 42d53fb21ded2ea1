/**
 * The runtime under test as a containerd runtime handler (issue 6, "Beyond one machine"): the
 * private containerd's config declares `runtimes.bocker` = io.containerd.runc.v2 with
 * options.BinaryName = <runtime> (README-section.md shows the same table), and the test talks CRI,
 * as the kubelet does for a pod whose RuntimeClass has `handler: bocker`.
 */
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describeRoot } from "../../fixtures/root.ts";
import { Cleanup } from "../../../common/cleanup.ts";
import { runtimeUnderTest } from "../../fixtures/clients/runtime.ts";
import { ContainerdEnv, BUSYBOX_IMAGE, HANDLER, PAUSE_IMAGE } from "../../fixtures/clients/containerd.ts";
import { containerConfig, CriClient, fieldInt, fieldString, parseContainerStatus, pb, podSandboxConfig, type ContainerStatus, type PodSpec } from "../../fixtures/clients/cri.ts";

const K8S_NAMESPACE = "k8s.io";

describeRoot("containerd CRI runtime handler (RuntimeClass) → runtime under test", () => {
  let env: ContainerdEnv;
  let cri: CriClient;
  let cleanup = new Cleanup();
  let n = 0;

  beforeAll(async () => {
    env = await ContainerdEnv.start(runtimeUnderTest());
    // the CRI plugin only sees images in the k8s.io namespace; nothing is pulled
    await env.importImage("pause", [PAUSE_IMAGE], { Entrypoint: ["/bin/sleep"], Cmd: ["2147483647"] }, K8S_NAMESPACE);
    await env.importImage("busybox-cri", [BUSYBOX_IMAGE], {}, K8S_NAMESPACE);
    cri = new CriClient(env.socket);
  }, 120_000);
  afterEach(async () => {
    await cleanup.run();
    cleanup = new Cleanup();
  });
  afterAll(async () => {
    cri?.close();
    await env?.destroy();
  }, 120_000);

  /** Runs a pod sandbox with our handler; stopped and removed (with its containers) after the test. */
  async function runPod(): Promise<{ podId: string; pod: PodSpec }> {
    const name = `pod-${++n}`;
    const pod: PodSpec = { name, uid: crypto.randomUUID(), logDirectory: join(env.dir, "pod-logs", name), cgroupParent: `${env.cgroupParent}/${name}` };
    mkdirSync(pod.logDirectory, { recursive: true });
    env.podCgroups.push(name);
    const request = Buffer.concat([pb.msg(1, podSandboxConfig(pod)), pb.str(2, HANDLER)]);
    // the CRI plugin learns about imported images from containerd's events: allow it a moment
    let podId = "";
    for (let attempt = 0; ; attempt++) {
      try {
        podId = fieldString(await cri.call("RunPodSandbox", request), 1);
        break;
      } catch (err) {
        if (attempt >= 40 || !/not found/i.test((err as Error).message)) throw err;
        await Bun.sleep(50);
      }
    }
    cleanup.add(`remove pod ${name}`, async () => {
      await cri.call("StopPodSandbox", pb.str(1, podId));
      await cri.call("RemovePodSandbox", pb.str(1, podId));
    });
    return { podId, pod };
  }

  async function createContainer(podId: string, pod: PodSpec, name: string, command: string[], envVars: Record<string, string> = {}): Promise<string> {
    const config = containerConfig({ name, image: BUSYBOX_IMAGE, command, env: envVars, logPath: `${name}.log` });
    const resp = await cri.call("CreateContainer", Buffer.concat([pb.str(1, podId), pb.msg(2, config), pb.msg(3, podSandboxConfig(pod))]));
    return fieldString(resp, 1);
  }

  async function status(containerId: string): Promise<ContainerStatus> {
    return parseContainerStatus(await cri.call("ContainerStatus", pb.str(1, containerId)));
  }

  async function waitExited(containerId: string, timeoutMs = 15_000): Promise<ContainerStatus> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const s = await status(containerId);
      if (s.state === "EXITED") return s;
      if (Date.now() > end) throw new Error(`container ${containerId} still ${s.state} after ${timeoutMs} ms`);
      await Bun.sleep(50);
    }
  }

  /** The CRI log file's lines for one stream ("<time> stdout F <text>"). */
  function logLines(pod: PodSpec, name: string, stream: "stdout" | "stderr"): string[] {
    return readFileSync(join(pod.logDirectory, `${name}.log`), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => l.split(" "))
      .filter((f) => f[1] === stream)
      .map((f) => f.slice(3).join(" "));
  }

  test("a pod with the handler runs a container: output, exit code", async () => {
    const { podId, pod } = await runPod();
    const cid = await createContainer(podId, pod, "hello", ["sh", "-c", "echo hello from $GREETER; echo oops >&2; exit 3"], { GREETER: "cri" });
    await cri.call("StartContainer", pb.str(1, cid));
    const s = await waitExited(cid);
    expect(s.exitCode).toBe(3);
    expect(logLines(pod, "hello", "stdout")).toEqual(["hello from cri"]);
    expect(logLines(pod, "hello", "stderr")).toEqual(["oops"]);
  });

  test("the handler's options are what the shim used: BinaryName's runtime, with options.Root", async () => {
    const { podId, pod } = await runPod();
    const cid = await createContainer(podId, pod, "sleeper", ["sleep", "1000"]);
    await cri.call("StartContainer", pb.str(1, cid));
    expect((await status(cid)).state).toBe("RUNNING");
    // the runtime kept its state under options.Root, so it was started with this handler's options
    expect(existsSync(join(env.runtimeRoot, K8S_NAMESPACE, cid))).toBe(true);
    expect(existsSync(join(env.runtimeRoot, K8S_NAMESPACE, podId))).toBe(true);
    // and it was the BinaryName runtime, not `runc` from PATH (that one logs every call)
    const pathCalls = existsSync(env.pathRuncLog) ? readFileSync(env.pathRuncLog, "utf8") : "";
    expect(pathCalls).not.toContain(cid);
    // the container sits in the pod's cgroup parent
    const pids = existsSync("/sys/fs/cgroup/cgroup.controllers") ? "/sys/fs/cgroup" : "/sys/fs/cgroup/pids"; // pure v2, or v1 pids
    expect(readFileSync(`${pids}${pod.cgroupParent}/${cid}/cgroup.procs`, "utf8").trim()).not.toBe("");
  });

  test("ExecSync in a running container (the runtime's exec)", async () => {
    const { podId, pod } = await runPod();
    const cid = await createContainer(podId, pod, "exec-target", ["sleep", "1000"]);
    await cri.call("StartContainer", pb.str(1, cid));
    const resp = await cri.call("ExecSync", Buffer.concat([pb.str(1, cid), pb.str(2, "sh"), pb.str(2, "-c"), pb.str(2, "echo exec-out; echo exec-err >&2; exit 4"), pb.int(3, 10)]));
    expect(fieldString(resp, 1)).toBe("exec-out\n");
    expect(fieldString(resp, 2)).toBe("exec-err\n");
    expect(fieldInt(resp, 3)).toBe(4);
  });

  test("StopContainer and RemoveContainer end and delete it", async () => {
    const { podId, pod } = await runPod();
    const cid = await createContainer(podId, pod, "to-stop", ["sleep", "1000"]);
    await cri.call("StartContainer", pb.str(1, cid));
    await cri.call("StopContainer", Buffer.concat([pb.str(1, cid), pb.int(2, 1)]));
    const s = await status(cid);
    expect(s.state).toBe("EXITED");
    // the pod shares one pid namespace (the pause process is its PID 1), so SIGTERM ends sleep
    expect(s.exitCode).toBe(143);
    await cri.call("RemoveContainer", pb.str(1, cid));
    expect(existsSync(join(env.runtimeRoot, K8S_NAMESPACE, cid))).toBe(false);
  });
});
