/**
 * `bocker run` beyond the original's environment variables, on the real kernel: ping inside a
 * container, containers finding each other by name through the bridge's DNS (dnsmasq), and
 * Docker's run-time flags (-e, --env-file, -w, -u, --memory, --cpus, --pids-limit, --read-only,
 * --rm, -it with a resize). Its own bridge and subnet (bkd0, 10.90.0.0/24); the DNS forwards only
 * to a server this test runs on 127.0.0.1.
 */
import { afterEach, expect, test } from "bun:test";
import dgram from "node:dgram";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dnsDir } from "../../../bocker/network/dns.ts";
import { Cleanup } from "../../../common/cleanup.ts";
import { describeRoot } from "../../fixtures/root.ts";
import { bockerBinary, containerIds, startBocker, type Bocker } from "./bocker-fixture.ts";

const TIMEOUT = 60_000;
const NETWORK = { bridge: "bkd0", subnet: "10.90.0.0/24" };
const GATEWAY = "10.90.0.1";
const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const hostHas = (argv: string[], name: string) => Bun.spawnSync(argv).stdout.toString().split(/\s/).some((w) => w === name || w.startsWith(`${name}@`));

/** A DNS question for `name` (type 1 = A, 28 = AAAA). */
function question(name: string, type: number): Buffer {
  const labels = name.split(".").flatMap((l) => [Buffer.from([l.length]), Buffer.from(l)]);
  return Buffer.concat([Buffer.from([0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]), ...labels, Buffer.from([0, 0, type, 0, 1])]);
}

/** Asks the bridge's DNS from the host: the reply's rcode and answer count, or "timeout". */
async function ask(name: string, type: number): Promise<{ rcode: number; answers: number } | "timeout"> {
  const socket = dgram.createSocket("udp4");
  try {
    return await new Promise((resolve) => {
      const timer = setTimeout(() => resolve("timeout"), 2000);
      socket.on("message", (m) => {
        clearTimeout(timer);
        resolve({ rcode: m[3]! & 15, answers: m.readUInt16BE(6) });
      });
      socket.send(question(name, type), 53, GATEWAY);
    });
  } finally {
    socket.close();
  }
}

/** An upstream resolver on 127.0.0.1 that answers NXDOMAIN to everything and keeps what it was asked. */
async function testUpstream(): Promise<{ port: number; asked: Buffer[] }> {
  const socket = dgram.createSocket("udp4");
  const asked: Buffer[] = [];
  socket.on("message", (m, from) => {
    asked.push(m);
    const reply = Buffer.from(m);
    reply[2] = 0x81; // QR, RD
    reply[3] = 0x83; // RA, NXDOMAIN
    socket.send(reply, from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  cleanup.add("close the test upstream", () => socket.close());
  return { port: socket.address().port, asked };
}

const dnsmasqRunning = () => existsSync(join(dnsDir(NETWORK.bridge), "dnsmasq.pid"));

function start(): Bocker {
  return startBocker(cleanup, undefined, NETWORK);
}

async function detached(b: Bocker, args: string[]): Promise<string> {
  return (await b.ok(["run", "-d", ...args])).trim();
}

/** Polls `bocker run` of a command until it succeeds (httpd in a just-started container needs a moment). */
async function eventually(b: Bocker, args: string[]): Promise<string> {
  for (let i = 0; ; i++) {
    const r = await b.run(["run", "--rm", ...args]);
    if (r.code === 0 || i >= 20) return r.stdout + r.stderr;
    await Bun.sleep(200);
  }
}

describeRoot("bocker run: ping, names, run-time flags", () => {
  test("busybox ping reaches the bridge and another container (CAP_NET_RAW; ping_group_range set in the netns)", async () => {
    const b = start();
    const img = await b.busyboxImage();
    const other = await detached(b, ["--name", "pinged", img, "sleep", "30"]);
    const ip = /inet (\S+)\//.exec(await b.ok(["exec", other, "ip", "-4", "-o", "addr", "show", "eth0"]))![1]!;
    expect(await b.ok(["run", "--rm", img, "ping", "-c1", "-W2", GATEWAY])).toContain("1 packets received");
    expect(await b.ok(["run", "--rm", img, "ping", "-c1", "-W2", ip])).toContain("1 packets received");
    expect(await b.ok(["run", "--rm", img, "cat", "/proc/sys/net/ipv4/ping_group_range"])).toBe("0\t2147483647\n");
    // The sysctl is the container's namespace's, not the host's.
    expect(readFileSync("/proc/sys/net/ipv4/ping_group_range", "utf8")).not.toBe("0\t2147483647\n");
  }, TIMEOUT);

  test("containers find each other by name and id; other names are forwarded; names go with their containers", async () => {
    const upstream = await testUpstream();
    const b = start();
    const img = await b.busyboxImage({ "www/index.html": "from db\n" });
    const env = { BOCKER_DNS_SERVERS: `127.0.0.1#${upstream.port}` };
    const db = (await b.ok(["run", "-d", "--name", "db", img, "httpd", "-f", "-p", "8080", "-h", "/www"], env)).trim();
    expect(await b.ok(["run", "--rm", img, "cat", "/etc/resolv.conf"], env)).toStartWith(`nameserver ${GATEWAY}\n`);
    expect(await b.ok(["run", "--rm", img, "ping", "-c1", "-W2", "db"], env)).toContain("1 packets received");
    expect(await eventually(b, [img, "wget", "-q", "-O", "-", "http://db:8080/"])).toBe("from db\n");
    expect(await b.ok(["run", "--rm", img, "wget", "-q", "-O", "-", `http://${db}:8080/`], env)).toBe("from db\n");
    // AAAA of an IPv4-only container: NOERROR with no answer; an unknown plain name: NXDOMAIN, not forwarded.
    expect(await ask("db", 28)).toEqual({ rcode: 0, answers: 0 });
    expect(await ask("db", 1)).toEqual({ rcode: 0, answers: 1 });
    expect(await ask("nobody-here", 1)).toEqual({ rcode: 3, answers: 0 });
    // A dotted name goes to the upstream (here on 127.0.0.1), whose answer comes back.
    expect(await ask("outside.example", 1)).toEqual({ rcode: 3, answers: 0 });
    expect(upstream.asked.some((q) => q.includes(Buffer.from("\x07outside\x07example")))).toBe(true);
    expect(upstream.asked.some((q) => q.includes(Buffer.from("nobody-here")))).toBe(false);

    await b.ok(["rm", db]); // rm, not stop: httpd as pid 1 ignores SIGTERM (stop would wait 10 s)
    expect(await ask("db", 1)).toBe("timeout"); // the last container gone: no server at all
    expect(dnsmasqRunning()).toBe(false);
    expect(existsSync(dnsDir(NETWORK.bridge))).toBe(false);
  }, TIMEOUT);

  test("a run that fails after its names were published leaves no name, no server, no netns", async () => {
    const b = start();
    const img = await b.busyboxImage();
    const r = await b.run(["run", "--name", "ghost", "-u", "no-such-user", img, "true"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`User "no-such-user" not found in the image's /etc/passwd`);
    expect(await containerIds(b)).toEqual([]);
    expect(dnsmasqRunning()).toBe(false);
    expect(hostHas(["ip", "netns", "list"], "netns_ps_")).toBe(false);
    // With another container running the server stays, and the failed one's name is gone.
    await detached(b, ["--name", "stays", img, "sleep", "30"]);
    expect((await b.run(["run", "--name", "ghost", "-u", "no-such-user", img, "true"])).code).toBe(1);
    const hosts = readFileSync(join(dnsDir(NETWORK.bridge), "hosts"), "utf8");
    expect(hosts).toContain("stays");
    expect(hosts).not.toContain("ghost");
  }, TIMEOUT);

  test("-e, --env-file, -w, -u, --memory over BOCKER_MEM_LIMIT, --cpus next to BOCKER_CPU_SHARE, --pids-limit, --read-only, --rm", async () => {
    const b = start();
    const img = await b.busyboxImage({ "etc/group": "root:x:0:\nnogroup:x:65534:\nstaff:x:50:\n" });
    const dir = mkdtempSync(join(tmpdir(), "bocker-envfile-"));
    cleanup.add(`remove ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
    const envFile = join(dir, "app.env");
    writeFileSync(envFile, "# settings\nA=from file\nB=file\n\nFROM_HOST\n");
    const script = [
      "echo A=$A B=$B C=$C FROM_HOST=$FROM_HOST",
      "pwd",
      "id",
      "cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us /sys/fs/cgroup/cpu/cpu.shares /sys/fs/cgroup/pids/pids.max",
      "touch /rootfs-write 2>&1 || true",
    ].join("; ");
    const out = await b.ok(
      ["run", "--rm", "--env-file", envFile, "-e", "B=flag", "-e", "C=3", "-w", "/tmp", "-u", "nobody:staff", "--memory", "64m", "--cpus", "0.5", "--pids-limit", "20", "--read-only", img, "sh", "-c", script],
      { BOCKER_MEM_LIMIT: "128", BOCKER_CPU_SHARE: "256", FROM_HOST: "passed" },
    );
    expect(out).toBe(
      "A=from file B=flag C=3 FROM_HOST=passed\n/tmp\nuid=65534(nobody) gid=50(staff)\n" +
        `${64 * 1024 * 1024}\n50000\n100000\n256\n20\ntouch: /rootfs-write: Read-only file system\n`,
    );
    expect(await containerIds(b)).toEqual([]); // --rm
    // Without --memory, BOCKER_MEM_LIMIT keeps the original's meaning.
    expect(await b.ok(["run", "--rm", img, "cat", "/sys/fs/cgroup/memory/memory.limit_in_bytes"], { BOCKER_MEM_LIMIT: "128" })).toBe("128000000\n");
    // A bad env file is named, with its line, and nothing is made.
    writeFileSync(envFile, "OK=1\nBAD KEY=2\n");
    const bad = await b.run(["run", "--env-file", envFile, img, "true"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`--env-file ${envFile} line 2: 'BAD KEY=2' is not KEY=VALUE`);
    expect(await containerIds(b)).toEqual([]);
  }, TIMEOUT);

  test("-it: a real terminal whose size follows a resize, the exit status passed on, --rm after it", async () => {
    const b = start();
    const img = await b.busyboxImage();
    const socket = `bocker-test-${process.pid}`;
    const tmux = (...args: string[]) => Bun.spawnSync(["tmux", "-L", socket, ...args], { stdout: "pipe", stderr: "pipe" });
    cleanup.add(`stop tmux server ${socket}`, () => void tmux("kill-server"));
    const dir = mkdtempSync(join(tmpdir(), "bocker-tty-"));
    cleanup.add(`remove ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
    const status = join(dir, "status");
    const env = Object.entries(b.env).map(([k, v]) => `${k}=${v}`).join(" ");
    const command = `env ${env} ${bockerBinary()} run -it --rm ${img} sh; echo $? > ${status}; sleep 30`;
    expect(tmux("new-session", "-d", "-s", "t", "-x", "100", "-y", "30", command).exitCode).toBe(0);
    const screenShows = async (text: string) => {
      for (let i = 0; i < 100; i++) {
        if (tmux("capture-pane", "-p", "-t", "t").stdout.toString().includes(text)) return true;
        await Bun.sleep(100);
      }
      throw new Error(`the screen never showed ${JSON.stringify(text)}:\n${tmux("capture-pane", "-p", "-t", "t").stdout}`);
    };
    tmux("send-keys", "-t", "t", "tty; stty size", "Enter");
    await screenShows("/dev/pts/0");
    await screenShows("30 100");
    tmux("resize-window", "-t", "t", "-x", "120", "-y", "40");
    tmux("send-keys", "-t", "t", "stty size", "Enter");
    await screenShows("40 120");
    tmux("send-keys", "-t", "t", "exit 7", "Enter");
    for (let i = 0; i < 100 && !existsSync(status); i++) await Bun.sleep(100);
    expect(readFileSync(status, "utf8")).toBe("7\n");
    expect(await containerIds(b)).toEqual([]);
  }, TIMEOUT);
});
