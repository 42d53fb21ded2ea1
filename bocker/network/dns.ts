/**
 * Containers find each other by name: one dnsmasq per bridge (Debian's dnsmasq-base), listening on
 * the bridge's address only, answering from a hosts file that bocker rewrites (one line per
 * connected container: its address, id and --name) and forwarding every other name to the host's
 * resolvers. podman does the same with aardvark-dns; dnsmasq is the packaged, kept resolver that
 * already reads a hosts file, re-reads it on SIGHUP and answers AAAA for an IPv4-only name with an
 * empty NOERROR. A foreground `bocker run` exits, so the server is a daemon with a pid file: the
 * first container on the bridge starts it, the last one to go stops it. Host-wide like the
 * bridge, its files live in /run/bocker-dns/<bridge>/; callers hold the network lock.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BockerError } from "../errors.ts";
import { attempt } from "../exec.ts";

export interface DnsConfig {
  readonly bridge: string;
  /** The bridge's own address, where the server listens. */
  readonly address: string;
  /** Upstream servers in dnsmasq's ADDR[#PORT] form; empty: the host's /etc/resolv.conf. */
  readonly upstreams: readonly string[];
}

export const dnsDir = (bridge: string) => `/run/bocker-dns/${bridge}`;
const hostsFile = (bridge: string) => join(dnsDir(bridge), "hosts");
const pidFile = (bridge: string) => join(dnsDir(bridge), "dnsmasq.pid");

function entries(bridge: string): string[] {
  return existsSync(hostsFile(bridge)) ? readFileSync(hostsFile(bridge), "utf8").split("\n").filter(Boolean) : [];
}

/** The daemon's pid when it runs: the pid file's process, and its command line names that pid file. */
function daemonPid(bridge: string): number | undefined {
  try {
    const pid = Number(readFileSync(pidFile(bridge), "utf8").trim());
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    return cmdline.includes(`--pid-file=${pidFile(bridge)}`) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Not gone and not a zombie (dnsmasq's parent is whoever reaps orphans here, maybe not at once). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

function start(c: DnsConfig): void {
  const argv = [
    "dnsmasq",
    "--conf-file=/dev/null", // none of the host's dnsmasq configuration
    `--pid-file=${pidFile(c.bridge)}`,
    `--listen-address=${c.address}`,
    "--bind-interfaces", // only that address, so one server per bridge and the host's own port 53 stay free
    "--no-hosts", // not the host's /etc/hosts: containers see only each other
    `--addn-hosts=${hostsFile(c.bridge)}`,
    // A name without a dot is a container's or nobody's: answered here (AAAA of a container is an
    // empty NOERROR, an unknown name NXDOMAIN), never sent upstream.
    "--domain-needed",
    "--user=root", // the hosts file is re-read on SIGHUP; root keeps /run's files private to root
    ...(c.upstreams.length > 0 ? ["--no-resolv", ...c.upstreams.map((s) => `--server=${s}`)] : ["--resolv-file=/etc/resolv.conf"]),
  ];
  let r;
  try {
    r = attempt(argv);
  } catch (err) {
    throw new BockerError(`cannot start the name server of ${c.bridge}: dnsmasq is not installed (Debian: apt-get install dnsmasq-base)`, { cause: err });
  }
  if (r.code !== 0) throw new BockerError(`cannot start the name server of ${c.bridge} (${argv.join(" ")}): exit ${r.code}: ${r.stderr.trim()}`);
}

/** Stops the server whatever it holds and removes its files (the last container gone, the bridge's teardown). */
export function stopDns(bridge: string): void {
  const pid = daemonPid(bridge);
  if (pid !== undefined) {
    process.kill(pid, "SIGTERM");
    for (let i = 0; i < 200 && alive(pid); i++) Bun.sleepSync(5);
  }
  rmSync(dnsDir(bridge), { recursive: true, force: true });
}

/** Makes `names` (the id first) resolve to `ip` on the bridge, starting the server if needed. */
export function addNames(c: DnsConfig, ip: string, names: readonly string[]): void {
  mkdirSync(dnsDir(c.bridge), { recursive: true, mode: 0o700 });
  const owner = names[0]!;
  const kept = entries(c.bridge).filter((l) => l.split(/\s+/)[1] !== owner);
  writeFileSync(hostsFile(c.bridge), [...kept, `${ip}\t${names.join(" ")}`].join("\n") + "\n");
  const pid = daemonPid(c.bridge);
  if (pid === undefined) start(c);
  else process.kill(pid, "SIGHUP"); // dnsmasq re-reads --addn-hosts files on SIGHUP
}

/** Forgets the names of container `id`; the last one gone stops the server and removes its files. */
export function removeNames(bridge: string, id: string): void {
  const all = entries(bridge);
  const kept = all.filter((l) => l.split(/\s+/)[1] !== id);
  if (kept.length === 0) return stopDns(bridge);
  if (kept.length === all.length) return;
  writeFileSync(hostsFile(bridge), kept.join("\n") + "\n");
  const pid = daemonPid(bridge);
  if (pid !== undefined) process.kill(pid, "SIGHUP");
}
