// bz2 and lzma (.xz) chunks, as numcodecs' BZ2 and LZMA codecs write them,
// through Debian's libbz2 and liblzma (ffi/codecs.ts). There is no
// TypeScript fallback: without the library, an array using them is refused
// with the codec named (io/_zarr_codecs.ts).

import { codecLibrary } from "../ffi/codecs.ts";
import { CodecError } from "./_native_codecs.ts";

/** Largest decoded size tried when the chunk's size is not known in advance. */
const MAX_DECODED = 2 ** 31 - 1;

/** The sizes to try for a decode: the known size, else growing from 4x the input. */
function* sizes(src: Uint8Array, expected: number | undefined): Generator<number> {
  if (expected !== undefined) {
    yield expected;
    return;
  }
  for (let n = Math.max(1024, src.length * 4);; n *= 2) {
    yield Math.min(n, MAX_DECODED);
    if (n >= MAX_DECODED) return;
  }
}

const BZ_OUTBUFF_FULL = -8;
const BZ_MESSAGES: Record<number, string> = {
  [-2]: "bad parameters",
  [-3]: "out of memory",
  [-4]: "corrupt data (CRC mismatch)",
  [-5]: "not bzip2 data (bad magic)",
  [-7]: "truncated stream",
  [BZ_OUTBUFF_FULL]: "decoded data larger than the chunk",
};

/**
 * Decodes a bzip2 stream (numcodecs.bz2). `expected` is the chunk's decoded
 * size when known (no filters); else the output grows until it fits.
 *
 * @throws {CodecError} On corrupt, truncated or oversized data.
 */
export function bz2Decode(src: Uint8Array, expected?: number): Uint8Array {
  const lib = codecLibrary("bz2");
  const len = new Uint32Array(1);
  for (const n of sizes(src, expected)) {
    const out = new Uint8Array(n);
    len[0] = n;
    const rc = lib.BZ2_bzBuffToBuffDecompress(out, len, src, src.length, 0, 0);
    if (rc === 0) {
      if (expected !== undefined && len[0] !== expected) {
        throw new CodecError(`bz2 stream decodes to ${len[0]} bytes, the chunk holds ${expected}`);
      }
      return len[0] === n ? out : out.slice(0, len[0]);
    }
    if (rc !== BZ_OUTBUFF_FULL || expected !== undefined) {
      throw new CodecError(`bz2: ${BZ_MESSAGES[rc] ?? `error ${rc}`}`);
    }
  }
  throw new CodecError(`bz2: decoded data larger than ${MAX_DECODED} bytes`);
}

/**
 * Encodes bytes as a bzip2 stream (numcodecs.bz2 with `level` 1-9).
 *
 * @throws {RangeError} When the level is not an integer from 1 to 9.
 */
export function bz2Encode(src: Uint8Array, level: number): Uint8Array {
  if (!Number.isInteger(level) || level < 1 || level > 9) {
    throw new RangeError(`bz2 level must be an integer from 1 to 9, got ${level}`);
  }
  const lib = codecLibrary("bz2");
  // bzlib.h: the output is at most 1% larger than the input plus 600 bytes
  const cap = Math.ceil(src.length * 1.01) + 600;
  const out = new Uint8Array(cap);
  const len = new Uint32Array([cap]);
  const rc = lib.BZ2_bzBuffToBuffCompress(out, len, src, src.length, level, 0, 0);
  if (rc !== 0) throw new CodecError(`bz2: ${BZ_MESSAGES[rc] ?? `error ${rc}`}`);
  return out.slice(0, len[0]);
}

const LZMA_STREAM_END = 1;
const LZMA_BUF_ERROR = 10;
const LZMA_MESSAGES: Record<number, string> = {
  5: "out of memory",
  6: "memory limit reached",
  7: "not .xz data (numcodecs' LZMA format 1)",
  8: "unsupported options",
  9: "corrupt data",
  [LZMA_BUF_ERROR]: "truncated stream or decoded data larger than the chunk",
  11: "programming error",
};
/** The first bytes of an .xz stream (the footer ends with "YZ"). */
const XZ_MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
/** lzma.h: LZMA_CHECK_CRC64, the check numcodecs' default (`check=-1`) picks for .xz. */
const LZMA_CHECK_CRC64 = 4;

/**
 * Decodes an .xz stream (numcodecs.lzma, format 1, the default).
 *
 * @throws {CodecError} On corrupt, truncated or oversized data.
 */
export function lzmaDecode(src: Uint8Array, expected?: number): Uint8Array {
  // liblzma reports a short output buffer and a truncated input alike: check the stream's
  // header magic and footer magic first, so that growing the output is for real data only
  if (src.length < 24 || !XZ_MAGIC.every((b, i) => src[i] === b)) {
    throw new CodecError(`lzma: ${LZMA_MESSAGES[7]}`);
  }
  if (src[src.length - 2] !== 0x59 || src[src.length - 1] !== 0x5a) {
    throw new CodecError("lzma: truncated .xz stream (no stream footer)");
  }
  const lib = codecLibrary("lzma");
  const memlimit = new BigUint64Array([2n ** 64n - 1n]);
  const inPos = new BigUint64Array(1);
  const outPos = new BigUint64Array(1);
  for (const n of sizes(src, expected)) {
    const out = new Uint8Array(n);
    inPos[0] = 0n;
    outPos[0] = 0n;
    const rc = lib.lzma_stream_buffer_decode(
      memlimit,
      0,
      null,
      src,
      inPos,
      BigInt(src.length),
      out,
      outPos,
      BigInt(n),
    );
    const got = Number(outPos[0]);
    if (rc === 0 || rc === LZMA_STREAM_END) {
      if (expected !== undefined && got !== expected) {
        throw new CodecError(`lzma stream decodes to ${got} bytes, the chunk holds ${expected}`);
      }
      return got === n ? out : out.slice(0, got);
    }
    // a full output buffer (liblzma leaves the positions as they were): larger, unless the
    // size was known (then the chunk is too long or truncated)
    if (rc !== LZMA_BUF_ERROR || expected !== undefined) {
      throw new CodecError(`lzma: ${LZMA_MESSAGES[rc] ?? `error ${rc}`}`);
    }
  }
  throw new CodecError(`lzma: decoded data larger than ${MAX_DECODED} bytes`);
}

/**
 * Encodes bytes as an .xz stream with CRC64 (numcodecs.lzma's defaults;
 * `preset` 0-9, default 6).
 *
 * @throws {RangeError} When the preset is not an integer from 0 to 9.
 */
export function lzmaEncode(src: Uint8Array, preset = 6): Uint8Array {
  if (!Number.isInteger(preset) || preset < 0 || preset > 9) {
    throw new RangeError(`lzma preset must be an integer from 0 to 9, got ${preset}`);
  }
  const lib = codecLibrary("lzma");
  const cap = Number(lib.lzma_stream_buffer_bound(BigInt(src.length)));
  const out = new Uint8Array(cap);
  const outPos = new BigUint64Array(1);
  const rc = lib.lzma_easy_buffer_encode(
    preset,
    LZMA_CHECK_CRC64,
    null,
    src,
    BigInt(src.length),
    out,
    outPos,
    BigInt(cap),
  );
  if (rc !== 0) throw new CodecError(`lzma: ${LZMA_MESSAGES[rc] ?? `error ${rc}`}`);
  return out.slice(0, Number(outPos[0]));
}
