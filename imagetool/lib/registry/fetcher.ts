/**
 * Fetcher: a blob as one continuous stream (distribution spec "Pulling blobs"). When the
 * connection breaks, the stream reconnects with `Range: bytes=<received>-` and carries on; a
 * registry that ignores Range (200 instead of 206) has the bytes we already have skipped. The
 * consumer (ContentStore.ingest) hashes and counts the one stream, so resumption is invisible to
 * verification. A Content-Length larger than the descriptor's size is refused before any byte is read.
 */
import { ImagetoolError } from "../errors.ts";
import type { Descriptor } from "../image/types.ts";
import type { Repository } from "./repository.ts";

export interface FetchOptions {
  /** Reconnections allowed after a broken connection. */
  maxResumes?: number;
  backoffMs?: number;
  /** Start at this byte (a partial blob kept by an earlier pull: content/partial.ts). */
  offset?: number;
  /** Told once where the bytes begin: `offset` when the registry answered 206, 0 when it sent the whole blob. */
  onStart?: (start: number) => void;
}

function rangeStart(res: Response): number | undefined {
  const m = /^bytes (\d+)-/.exec(res.headers.get("content-range") ?? "");
  return m ? Number(m[1]) : undefined;
}

export function fetchBlob(repo: Repository, descriptor: Descriptor, options: FetchOptions = {}): ReadableStream<Uint8Array> {
  const maxResumes = options.maxResumes ?? 5;
  const backoffMs = options.backoffMs ?? repo.transport.backoffMs;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let received = options.offset ?? 0;
  let skip = 0;
  let resumes = 0;
  let cancelled = false;
  let started = false;

  async function open(): Promise<ReadableStreamDefaultReader<Uint8Array>> {
    const res = await repo.transport.request(`/v2/${repo.path}/blobs/${descriptor.digest}`, {
      headers: received > 0 ? { range: `bytes=${received}-` } : {},
      scope: repo.scope,
      expect: [404],
    });
    if (res.status === 404) {
      await res.body?.cancel().catch(() => {});
      throw new ImagetoolError("BLOB_NOT_FOUND", `blob ${descriptor.digest} is missing from ${repo.transport.host}/${repo.path}`);
    }
    const length = Number(res.headers.get("content-length") ?? NaN);
    const start = res.status === 206 ? rangeStart(res) : 0;
    if (start === undefined || start > received) {
      await res.body?.cancel().catch(() => {});
      throw new ImagetoolError("REGISTRY_ERROR", `blob ${descriptor.digest}: registry answered a Range request with '${res.headers.get("content-range")}'`);
    }
    if (start + length > descriptor.size) {
      await res.body?.cancel().catch(() => {});
      throw new ImagetoolError("SIZE_MISMATCH", `blob ${descriptor.digest}: registry offers ${start + length} bytes, the descriptor says ${descriptor.size}; not downloaded`);
    }
    if (!started) {
      started = true;
      // A registry that ignores Range on the first request sends the whole blob: taken whole (the caller starts over).
      if (start === 0) received = 0;
      options.onStart?.(received);
    }
    skip = received - start;
    if (!res.body) throw new ImagetoolError("REGISTRY_ERROR", `blob ${descriptor.digest}: empty response`);
    return res.body.getReader() as ReadableStreamDefaultReader<Uint8Array>;
  }

  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      while (!cancelled) {
        try {
          reader ??= await open();
          const { done, value } = await reader.read();
          if (done) {
            if (received < descriptor.size && resumes < maxResumes) throw new ImagetoolError("CONNECTION_CLOSED", `connection closed after ${received} of ${descriptor.size} bytes`);
            controller.close();
            return;
          }
          let chunk = value;
          if (skip > 0) {
            const drop = Math.min(skip, chunk.length);
            skip -= drop;
            chunk = chunk.subarray(drop);
            if (chunk.length === 0) continue;
          }
          received += chunk.length;
          controller.enqueue(chunk);
          return;
        } catch (err) {
          if (cancelled) return;
          // A connection that closed early is resumed; any other error of ours is final.
          if (ImagetoolError.is(err) && err.code !== "CONNECTION_CLOSED") {
            controller.error(err);
            return;
          }
          reader?.cancel().catch(() => {});
          reader = undefined;
          if (resumes++ >= maxResumes) {
            controller.error(new ImagetoolError("UNREACHABLE", `blob ${descriptor.digest}: connection to ${repo.transport.host} broke ${resumes} times: ${(err as Error).message}`, { cause: err }));
            return;
          }
          await Bun.sleep(backoffMs * 2 ** (resumes - 1));
        }
      }
    },
    async cancel(reason) {
      cancelled = true;
      await reader?.cancel(reason).catch(() => {});
    },
    // No read-ahead: bytes are taken from the socket only when the consumer asks for them.
  }, { highWaterMark: 0 });
}
