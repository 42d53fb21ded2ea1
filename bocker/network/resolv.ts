/**
 * The files that make a container's network usable by name: /etc/resolv.conf, /etc/hosts and
 * /etc/hostname. Written into the container's directory and bind-mounted over the image's files
 * (as Docker does) rather than written into the rootfs, so `commit` never captures them.
 */

/** The original bocker wrote `nameserver 8.8.8.8`; Docker uses both Google resolvers as fallback. */
const FALLBACK_NAMESERVERS = ["8.8.8.8", "8.8.4.4"];

/**
 * The host's resolv.conf without loopback nameservers (127.0.0.53 from systemd-resolved, ::1),
 * which mean the host itself and are unreachable from the container's namespace; when none is
 * left, the fallback resolvers.
 */
export function containerResolvConf(hostResolvConf: string): string {
  const lines = hostResolvConf.split("\n").map((l) => l.trim());
  const isLoopback = (addr: string) => addr.startsWith("127.") || addr === "::1";
  const kept = lines.filter((l) => !l.startsWith("nameserver") || !isLoopback(l.split(/\s+/)[1] ?? ""));
  const others = kept.filter((l) => /^(search|domain|options)\s/.test(l));
  let servers = kept.filter((l) => l.startsWith("nameserver"));
  if (servers.length === 0) servers = FALLBACK_NAMESERVERS.map((s) => `nameserver ${s}`);
  return [...servers, ...others].join("\n") + "\n";
}

export function containerHosts(hostname: string, ip: string | undefined, aliases: readonly string[] = []): string {
  const lines = ["127.0.0.1\tlocalhost", "::1\tlocalhost ip6-localhost ip6-loopback"];
  if (ip) lines.push(`${ip}\t${[hostname, ...aliases].join(" ")}`);
  return lines.join("\n") + "\n";
}
