/**
 * The files that make a container's network usable by name: /etc/resolv.conf, /etc/hosts and
 * /etc/hostname. Written into the container's directory and bind-mounted over the image's files
 * (as Docker does) rather than written into the rootfs, so `commit` never captures them.
 */

/**
 * The bridge's resolver (dns.ts) is the container's only nameserver, as Docker's 127.0.0.11 and
 * podman's aardvark-dns are: it answers the names of the containers on the bridge and forwards the
 * rest to the host's resolvers. The host's search domains and options are kept.
 */
export function containerResolvConf(nameserver: string, hostResolvConf: string): string {
  const others = hostResolvConf.split("\n").map((l) => l.trim()).filter((l) => /^(search|domain|options)\s/.test(l));
  return [`nameserver ${nameserver}`, ...others].join("\n") + "\n";
}

export function containerHosts(hostname: string, ip: string | undefined, aliases: readonly string[] = []): string {
  const lines = ["127.0.0.1\tlocalhost", "::1\tlocalhost ip6-localhost ip6-loopback"];
  if (ip) lines.push(`${ip}\t${[hostname, ...aliases].join(" ")}`);
  return lines.join("\n") + "\n";
}
