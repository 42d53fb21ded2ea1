/**
 * Looking at containers: json-file logs with rotation (--log-opt), logs --tail/--since/-t/-f
 * with stdout and stderr apart, stats (one table and streamed), inspect of a container and of an
 * image. Own bridge and subnet (bkl0, 10.91.0.0/24).
 */
import { afterEach, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Cleanup } from "../../../common/cleanup.ts";
import { describeRoot } from "../../fixtures/root.ts";
import { bockerBinary, startBocker, type Bocker } from "./bocker-fixture.ts";
import { LIFECYCLE_NET, monitorsOf, until } from "./lifecycle-fixture.ts";

const TIMEOUT = 90_000;
const cleanup = new Cleanup();
afterEach(() => cleanup.run());

async function detached(b: Bocker, args: string[]): Promise<string> {
  return (await b.ok(["run", "-d", ...args])).trim();
}

/** Lines line-K..line-M, each once and in order. */
function expectConsecutive(out: string, last: number): number {
  const ns = out.split("\n").filter(Boolean).map((l) => Number(/^line-(\d+)$/.exec(l)?.[1] ?? NaN));
  expect(ns.at(-1)).toBe(last);
  ns.forEach((n, i) => expect(n).toBe(ns[0]! + i));
  return ns.length;
}

const COUNT = (n: number, pause = "") => `i=0; while [ $i -lt ${n} ]; do echo line-$i; i=$((i+1)); ${pause} done`;

describeRoot("bocker logs, stats and inspect", () => {
  test("--log-opt max-size,max-file rotates as json-file does; logs reads the kept files in order; --tail, --since, -t", async () => {
    const b = startBocker(cleanup, undefined, LIFECYCLE_NET);
    const img = await b.busyboxImage();
    const id = await detached(b, ["--log-opt", "max-size=2k,max-file=3", img, "sh", "-c", COUNT(300)]);
    expect(await b.ok(["wait", id])).toBe("0\n");
    const dir = join(b.root, "containers", id);
    expect(readdirSync(dir).filter((f) => f.startsWith(`${id}.log`)).sort()).toEqual([`${id}.log`, `${id}.log.1`, `${id}.log.2`]);
    // Rotated once a file reached 2000 bytes: none holds more than that plus one entry.
    for (const f of [`${id}.log`, `${id}.log.1`, `${id}.log.2`]) expect(statSync(join(dir, f)).size).toBeLessThan(2000 + 100);
    const all = await b.ok(["logs", id]);
    const kept = expectConsecutive(all, 299);
    expect(kept).toBeLessThan(300); // the oldest went with the fourth file
    expect(await b.ok(["logs", "--tail", "2", id])).toBe("line-298\nline-299\n");
    expect(await b.ok(["logs", "--since", "1h", id])).toBe(all);
    expect(await b.ok(["logs", "--since", String(Date.now() / 1000 + 60), id])).toBe("");
    const stamped = (await b.ok(["logs", "-t", "--tail", "3", id])).split("\n").filter(Boolean);
    expect(stamped.length).toBe(3);
    for (const line of stamped) expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z line-\d+$/);

    // max-file=1 (the default): the one file is truncated, never renamed.
    const one = await detached(b, ["--log-opt", "max-size=1k", img, "sh", "-c", COUNT(100)]);
    await b.ok(["wait", one]);
    expect(readdirSync(join(b.root, "containers", one)).filter((f) => f.startsWith(`${one}.log`))).toEqual([`${one}.log`]);
    expectConsecutive(await b.ok(["logs", one]), 99);
    expect((await b.run(["run", "--log-opt", "max-file=0", img, "true"])).stderr).toContain("--log-opt max-file=0: expected a whole number of at least 1");
  }, TIMEOUT);

  test("stdout and stderr: apart in logs, both on a foreground run's stdout as in the original", async () => {
    const b = startBocker(cleanup, undefined, LIFECYCLE_NET);
    const img = await b.busyboxImage();
    const fg = await b.run(["run", img, "sh", "-c", "echo out; sleep 0.1; echo err >&2"]);
    expect(fg).toMatchObject({ code: 0, stdout: "out\nerr\n", stderr: "" });
    const id = (await b.ok(["ps"])).split("\n")[1]!.split("\t")[0]!;
    expect(await b.run(["logs", id])).toMatchObject({ code: 0, stdout: "out\n", stderr: "err\n" });
    // A last line without a newline is kept as it was written.
    const partial = await detached(b, [img, "printf", "no newline"]);
    await b.ok(["wait", partial]);
    expect(await b.ok(["logs", partial])).toBe("no newline");
  }, TIMEOUT);

  test("logs -f follows across rotations until the container ends", async () => {
    const b = startBocker(cleanup, undefined, LIFECYCLE_NET);
    const img = await b.busyboxImage();
    const id = await detached(b, ["--log-opt", "max-size=500,max-file=2", img, "sh", "-c", COUNT(150, "sleep 0.01;")]);
    const followed = await b.ok(["logs", "-f", id]);
    expect(expectConsecutive(followed, 149)).toBeGreaterThan(100); // began early, lost nothing after
    expect(monitorsOf(b.root)).toEqual([]);
  }, TIMEOUT);

  test("stats --no-stream: CPU, memory against the limit, network and block I/O, pids; stats streams tables", async () => {
    const b = startBocker(cleanup, undefined, LIFECYCLE_NET);
    const img = await b.busyboxImage();
    const busy = await detached(b, ["--name", "busy", img, "sh", "-c", "while :; do :; done"]);
    // Some traffic on eth0 (ARP, a SYN and its RST; ping would need CAP_NET_RAW).
    await b.ok(["exec", busy, "sh", "-c", "wget -q -T 1 -O - http://10.91.0.1:9/ 2>/dev/null; true"]);
    const out = await b.ok(["stats", "--no-stream", busy]);
    const [header, row, ...rest] = out.split("\n");
    expect(header).toMatch(/^CONTAINER ID +NAME +CPU % +MEM USAGE \/ LIMIT +MEM % +NET I\/O +BLOCK I\/O +PIDS$/);
    expect(rest).toEqual([""]);
    const cells = row!.split(/ {3,}/);
    expect(cells[0]).toBe(busy);
    expect(cells[1]).toBe("busy");
    // A busy loop: up to 100% of a CPU, less on a shared machine (cpu.shares 512 against the rest).
    expect(Number(cells[2]!.replace("%", ""))).toBeGreaterThan(5);
    expect(cells[3]).toMatch(/^[\d.]+(B|KiB|MiB) \/ 488\.3MiB$/); // BOCKER_MEM_LIMIT 512 → 512000000 bytes
    expect(cells[5]).toMatch(/^[1-9][\d.]*k?B \/ [1-9][\d.]*k?B$/);
    expect(cells[6]).toMatch(/B \/ [\d.]+k?M?B$/);
    expect(cells[7]).toBe("1");

    // Without --no-stream: one table a second until interrupted (here, by us).
    const proc = Bun.spawn([bockerBinary(), "stats"], { env: { ...process.env, ...b.env }, stdout: "pipe", stderr: "pipe" });
    cleanup.add("kill bocker stats", () => proc.kill("SIGKILL"));
    let text = "";
    const reader = proc.stdout.getReader();
    await until(async () => {
      const { value } = await reader.read();
      text += Buffer.from(value ?? []).toString();
      return (text.match(/^CONTAINER ID/gm) ?? []).length >= 2;
    }, 10_000);
    expect(text).toMatch(new RegExp(`^${busy} +busy +[\\d.]+%`, "m"));

    // On a terminal (script(1) gives it one) each table is drawn over the last one.
    const envArgs = Object.entries(b.env).map(([k, v]) => `${k}=${v}`);
    const tty = Bun.spawnSync(["script", "-qec", `env ${envArgs.join(" ")} timeout 3 ${bockerBinary()} stats ${busy}`, "/dev/null"]);
    const screen = tty.stdout.toString();
    expect(screen.split("\x1b[H\x1b[2J").length - 1).toBeGreaterThanOrEqual(2);
    expect(screen).toContain(busy);

    await b.ok(["stop", "-t", "0", busy]);
    expect((await b.ok(["stats", "--no-stream", busy])).split("\n")[1]).toMatch(new RegExp(`^${busy} +busy +-- +-- / -- +-- +-- +-- +--$`));
  }, TIMEOUT);

  test("inspect: a container's config, state, address, mounts, ports, log options; an image's source and digest", async () => {
    const b = startBocker(cleanup, undefined, LIFECYCLE_NET);
    const img = await b.busyboxImage();
    const host = mkdtempSync(join(tmpdir(), "bocker-inspect-"));
    cleanup.add(`remove ${host}`, () => rmSync(host, { recursive: true, force: true }));
    const id = await detached(b, ["--name", "seen", "-v", `${host}:/data:ro`, "-p", "18080:80", "--restart", "on-failure:4", "--log-opt", "max-size=1m,max-file=2", img, "sleep", "1000"]);
    const [c] = JSON.parse(await b.ok(["inspect", "seen"]));
    expect(c).toMatchObject({
      Id: id,
      Name: "seen",
      Path: "sleep",
      Args: ["1000"],
      Image: img,
      State: { Status: "running", Running: true, ExitCode: 0, Restarting: false },
      HostConfig: { RestartPolicy: { Name: "on-failure", MaximumRetryCount: 4 }, LogConfig: { Type: "json-file", Config: { "max-size": "1000000", "max-file": "2" } }, Memory: 512000000, CpuShares: 512 },
      Config: { Hostname: id, Cmd: ["sleep", "1000"], Image: img },
      NetworkSettings: { Bridge: "bkl0", Gateway: "10.91.0.1", IPPrefixLen: 24, SandboxKey: `/run/netns/netns_${id}`, Ports: { "80/tcp": [{ HostIp: "0.0.0.0", HostPort: "18080" }] } },
      Mounts: [{ Type: "bind", Source: host, Destination: "/data", RW: false }],
    });
    expect(c.State.Pid).toBeGreaterThan(1);
    expect(c.State.MonitorPid).toBe(monitorsOf(b.root)[0]);
    expect(c.NetworkSettings.IPAddress).toMatch(/^10\.91\.0\.\d+$/);
    expect(c.ImageDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(existsSync(c.LogPath)).toBe(true);

    const [i] = JSON.parse(await b.ok(["inspect", img]));
    expect(i).toMatchObject({ Id: img, Digest: c.ImageDigest });
    expect(i.Source).toContain("bocker-image-src-");
    expect(i.ConfigDigest).toMatch(/^sha256:/);
    expect(i.Config.architecture).toBeString();
    expect((await b.run(["inspect", "nothing"])).stderr).toBe("No image or container named 'nothing' exists\n");
  }, TIMEOUT);
});
