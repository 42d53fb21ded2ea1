/**
 * A bound on garbage the collector does not see coming. The body chunks fetch hands over live
 * outside the JS heap, so JSC counts them as no pressure and frees them late: a 34 MB download
 * grew the process by ~30 MiB of chunks already written to disk, and a download beside an unpack
 * more. A full collection after every COLLECT_EVERY bytes of streamed data keeps that to a few MiB
 * (pull of a 110 MiB single-layer image: 30 → 22 MiB of anonymous memory; each collection takes
 * about a millisecond here, ~60 of them for that image). Shared by every stream of the process,
 * since what matters is the garbage in all of them together.
 */
const COLLECT_EVERY = 2 << 20;
let since = 0;

/** `n` bytes of a stream went through (and its chunk is garbage now or soon). */
export function streamed(n: number): void {
  since += n;
  if (since < COLLECT_EVERY) return;
  since = 0;
  Bun.gc(true);
}
