/**
 * Whole-buffer gzip decompression with libdeflate (Debian libdeflate0) through bun:ffi, for small
 * layers. libdeflate inflates ~1.5× faster than zlib, and a one-shot call skips node:zlib's stream
 * machinery: for a 1 MiB layer the stream path cost 14–22 ms against 6 ms here (this machine).
 *
 * Bun.gunzipSync(…, { library: "libdeflate" }) would be simpler but cannot be used on registry
 * data: it stops after the first gzip member (concatenated members are valid gzip, and eStargz
 * layers are made of them) and it grows its output without bound (a 1 MiB blob can inflate to
 * 1 GiB). Here the output buffer is the caller's bound, and members are decompressed one after
 * another using libdeflate's count of input bytes consumed.
 *
 * The library is opened on first use; when it is missing the caller streams through zlib instead.
 */

/** enum libdeflate_result (libdeflate.h): anything else is bad data or an output that did not fit. */
const SUCCESS = 0;

function load() {
  const { dlopen, FFIType } = require("bun:ffi") as typeof import("bun:ffi");
  const { ptr, u64, i32 } = FFIType;
  return dlopen("libdeflate.so.0", {
    libdeflate_alloc_decompressor: { args: [], returns: ptr },
    libdeflate_free_decompressor: { args: [ptr], returns: FFIType.void },
    // (decompressor, in, in_nbytes, out, out_nbytes_avail, *actual_in_nbytes, *actual_out_nbytes)
    libdeflate_gzip_decompress_ex: { args: [ptr, ptr, u64, ptr, u64, ptr, ptr], returns: i32 },
  }).symbols;
}

let lib: ReturnType<typeof load> | null | undefined;

function libdeflate(): ReturnType<typeof load> | null {
  if (lib === undefined) {
    try {
      lib = load();
    } catch {
      lib = null; // not installed: streaming zlib is the fallback
    }
  }
  return lib;
}

/**
 * The decompressed bytes of `gz` (one or more gzip members; libdeflate checks each member's CRC-32
 * and length), or undefined when the caller should stream instead: libdeflate is missing, the
 * output would not fit in `maxOutput` bytes, or libdeflate rejects the data. The stream decoder
 * then has the last word, so a corrupt blob fails with the same zlib error either way, and data
 * zlib tolerates (trailing bytes after the last member) is not refused here alone.
 */
export function gunzipWhole(gz: Uint8Array, maxOutput: number): Uint8Array | undefined {
  const l = libdeflate();
  if (l === null || gz.length === 0) return undefined;
  const { ptr } = require("bun:ffi") as typeof import("bun:ffi");
  const d = l.libdeflate_alloc_decompressor();
  if (d === null) return undefined;
  try {
    // Untouched pages of an unsafe allocation cost nothing, so the bound can be generous.
    const out = Buffer.allocUnsafe(maxOutput);
    const counts = new BigUint64Array(2); // actual_in_nbytes, actual_out_nbytes
    const inCount = ptr(counts);
    const outCount = ptr(counts, 8);
    let inPos = 0;
    let outPos = 0;
    while (inPos < gz.length) {
      if (outPos >= maxOutput) return undefined;
      const rc = l.libdeflate_gzip_decompress_ex(d, ptr(gz, inPos), gz.length - inPos, ptr(out, outPos), maxOutput - outPos, inCount, outCount);
      // A member that consumed no input would loop forever; libdeflate never reports that on success.
      if (rc !== SUCCESS || counts[0] === 0n) return undefined;
      inPos += Number(counts[0]);
      outPos += Number(counts[1]);
    }
    return out.subarray(0, outPos);
  } finally {
    l.libdeflate_free_decompressor(d);
  }
}
