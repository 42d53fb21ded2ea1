/**
 * Digests (image-spec descriptor.md "Digests"): `algorithm:encoded`. Only the registered
 * algorithms sha256 and sha512 are accepted, with their exact lowercase-hex lengths, so a digest
 * can be used as a path component (blobs/<alg>/<hex>) without any other check.
 */
import { ImagetoolError } from "../errors.ts";

export type DigestAlgorithm = "sha256" | "sha512";

const HEX_LENGTH: Record<DigestAlgorithm, number> = { sha256: 64, sha512: 128 };

export interface ParsedDigest {
  algorithm: DigestAlgorithm;
  hex: string;
}

export function parseDigest(digest: string, where = "digest"): ParsedDigest {
  const m = /^([a-z0-9]+(?:[+._-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/.exec(digest);
  if (!m) throw new ImagetoolError("INVALID_DIGEST", `${where}: '${digest}' is not a digest (expected algorithm:hex)`);
  const algorithm = m[1] as DigestAlgorithm;
  const expectedLength = HEX_LENGTH[algorithm];
  if (expectedLength === undefined) throw new ImagetoolError("INVALID_DIGEST", `${where}: unsupported digest algorithm '${m[1]}' (sha256, sha512)`);
  const hex = m[2]!;
  if (hex.length !== expectedLength || !/^[a-f0-9]+$/.test(hex)) {
    throw new ImagetoolError("INVALID_DIGEST", `${where}: '${digest}' must have ${expectedLength} lowercase hex digits`);
  }
  return { algorithm, hex };
}

export function isDigest(s: string): boolean {
  try {
    parseDigest(s);
    return true;
  } catch {
    return false;
  }
}

export function digestOf(data: Uint8Array | string, algorithm: DigestAlgorithm = "sha256"): string {
  return `${algorithm}:${new Bun.CryptoHasher(algorithm).update(data).digest("hex")}`;
}

/** Incremental hasher for streams; `digest()` may be called once. */
export function newHasher(algorithm: DigestAlgorithm): { update(chunk: Uint8Array): void; digest(): string } {
  const h = new Bun.CryptoHasher(algorithm);
  return {
    update: (chunk) => void h.update(chunk),
    digest: () => `${algorithm}:${h.digest("hex")}`,
  };
}

/**
 * `bytes` random bytes as hex, for unique temp and snapshot names. Web Crypto's global rather than
 * node:crypto, whose import alone costs a compiled command ~5 ms of start-up.
 */
export function randomHex(bytes: number): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString("hex");
}
