/**
 * Exact-length reads over an async chunk stream, for block-structured formats such as tar.
 * Chunks are passed on as views, never copied, except for the few bytes of a block that
 * straddles two chunks.
 */
const EMPTY = new Uint8Array(0);

export class ByteReader {
  private readonly it: AsyncIterator<Uint8Array>;
  private pending: Uint8Array = EMPTY;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.it = source[Symbol.asyncIterator]();
  }

  private async next(): Promise<Uint8Array | undefined> {
    for (;;) {
      const r = await this.it.next();
      if (r.done) return undefined;
      if (r.value.length > 0) return r.value;
    }
  }

  /** n bytes, or null at a clean EOF before any byte; throws on a truncated block. */
  async readBlock(n: number): Promise<Uint8Array | null> {
    if (this.pending.length >= n) {
      const out = this.pending.subarray(0, n);
      this.pending = this.pending.subarray(n);
      return out;
    }
    const out = new Uint8Array(n);
    let have = this.pending.length;
    out.set(this.pending, 0);
    this.pending = EMPTY;
    while (have < n) {
      const chunk = await this.next();
      if (chunk === undefined) {
        if (have === 0) return null;
        throw new Error(`unexpected end of stream: wanted ${n} bytes, got ${have}`);
      }
      const take = Math.min(chunk.length, n - have);
      out.set(chunk.subarray(0, take), have);
      have += take;
      this.pending = chunk.subarray(take);
    }
    return out;
  }

  async readExact(n: number): Promise<Uint8Array> {
    if (n === 0) return EMPTY;
    const b = await this.readBlock(n);
    if (b === null) throw new Error(`unexpected end of stream: wanted ${n} bytes`);
    return b;
  }

  /** Yields exactly n bytes in chunks as they arrive; throws if the stream ends first. */
  async *stream(n: number): AsyncGenerator<Uint8Array> {
    let left = n;
    while (left > 0) {
      if (this.pending.length === 0) {
        const chunk = await this.next();
        if (chunk === undefined) throw new Error(`unexpected end of stream: ${left} bytes of entry data missing`);
        this.pending = chunk;
      }
      const take = Math.min(left, this.pending.length);
      const chunk = this.pending.subarray(0, take);
      this.pending = this.pending.subarray(take);
      left -= take;
      yield chunk;
    }
  }

  async skip(n: number): Promise<void> {
    for await (const _ of this.stream(n)) void _;
  }
}
