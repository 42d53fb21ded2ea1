/**
 * Per-registry TLS material, found as containers/image finds it (pkg/docker/docker_client.go
 * dockerCertDir, pkg/tlsclientconfig SetupCertificates): the first of
 * /etc/containers/certs.d/HOST:PORT/ and /etc/docker/certs.d/HOST:PORT/ that exists (the roots
 * are $BOCKER_CERTS_D instead when set, colon-separated, for tests) holds `*.crt` CA certificates
 * trusted besides the usual roots, and client certificates `NAME.cert` each with its `NAME.key`.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ImagetoolError } from "../errors.ts";

export interface TlsMaterial {
  /** The directory it came from, for messages. */
  dir: string;
  ca: string[];
  cert: string[];
  key: string[];
}

export function certsDirs(env: Record<string, string | undefined> = process.env): string[] {
  if (env.BOCKER_CERTS_D !== undefined) return env.BOCKER_CERTS_D.split(":").filter((d) => d !== "");
  return ["/etc/containers/certs.d", "/etc/docker/certs.d"];
}

/** The TLS material for `host` (host[:port]), or undefined when no certs.d directory names it. */
export function tlsMaterial(host: string, roots: string[] = certsDirs()): TlsMaterial | undefined {
  const dir = roots.map((r) => join(r, host)).find((d) => existsSync(d));
  if (dir === undefined) return undefined;
  const files = readdirSync(dir).sort();
  const read = (f: string) => readFileSync(join(dir, f), "utf8");
  const material: TlsMaterial = { dir, ca: [], cert: [], key: [] };
  for (const f of files) {
    if (f.endsWith(".crt")) material.ca.push(read(f));
    else if (f.endsWith(".cert")) {
      const key = `${f.slice(0, -5)}.key`;
      if (!files.includes(key)) throw new ImagetoolError("INVALID_ARGUMENT", `${join(dir, f)}: client certificate without its key ${key} (a CA certificate is named *.crt)`);
      material.cert.push(read(f));
      material.key.push(read(key));
    } else if (f.endsWith(".key") && !files.includes(`${f.slice(0, -4)}.cert`)) {
      throw new ImagetoolError("INVALID_ARGUMENT", `${join(dir, f)}: key without its client certificate ${f.slice(0, -4)}.cert`);
    }
  }
  return material;
}
