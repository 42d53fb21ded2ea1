/**
 * Hash-while-reading (umoci pkg/hardening/verified_reader.go): a stream is passed through only up
 * to its declared size, and its digest is checked at the end. Reading stops the moment a source
 * sends more than it declared, so a hostile registry or store cannot make us consume more.
 */
import { CryptoHasher } from "bun";
import { ImagetoolError } from "../errors.ts";

export interface Expectation {
  digest: string;
  /** Declared size in bytes; when omitted only the digest is checked (a diffID has no size). */
  size?: number;
  /** What is being read, for messages: "layer sha256:… (compressed)". */
  what: string;
}

function hasherFor(digest: string, what: string): { hasher: CryptoHasher; hex: string } {
  const m = /^(sha256|sha512):([0-9a-f]+)$/.exec(digest);
  if (!m) throw new ImagetoolError("INVALID_DIGEST", `${what}: unsupported or malformed digest ${JSON.stringify(digest)}`);
  return { hasher: new CryptoHasher(m[1] as "sha256" | "sha512"), hex: m[2]! };
}

export async function* verified(source: AsyncIterable<Uint8Array>, want: Expectation): AsyncGenerator<Uint8Array> {
  const { hasher, hex } = hasherFor(want.digest, want.what);
  let total = 0;
  for await (const chunk of source) {
    total += chunk.length;
    if (want.size !== undefined && total > want.size) {
      throw new ImagetoolError("SIZE_MISMATCH", `${want.what}: more data than the declared size of ${want.size} bytes; stopped reading`);
    }
    hasher.update(chunk);
    yield chunk;
  }
  if (want.size !== undefined && total !== want.size) {
    throw new ImagetoolError("SIZE_MISMATCH", `${want.what}: got ${total} bytes, descriptor says ${want.size}`);
  }
  const got = hasher.digest("hex");
  if (got !== hex) throw new ImagetoolError("DIGEST_MISMATCH", `${want.what}: digest mismatch: expected ${want.digest}, got ${want.digest.split(":")[0]}:${got}`);
}

/** A stream passed through only up to `size` bytes, which it must have exactly (no digest). */
export async function* sizeChecked(source: AsyncIterable<Uint8Array>, size: number, what: string): AsyncGenerator<Uint8Array> {
  let total = 0;
  for await (const chunk of source) {
    total += chunk.length;
    if (total > size) throw new ImagetoolError("SIZE_MISMATCH", `${what}: more data than the declared size of ${size} bytes; stopped reading`);
    yield chunk;
  }
  if (total !== size) throw new ImagetoolError("SIZE_MISMATCH", `${what}: got ${total} bytes, descriptor says ${size}`);
}

/** Counts and hashes a stream without an expectation (for layers we generate). */
export class StreamDigester {
  private readonly hasher = new CryptoHasher("sha256");
  size = 0;

  async *tap(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const chunk of source) {
      this.size += chunk.length;
      this.hasher.update(chunk);
      yield chunk;
    }
  }

  digest(): string {
    return `sha256:${this.hasher.digest("hex")}`;
  }
}
