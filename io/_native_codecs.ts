// Decode and encode of the Zarr compressors through the native libraries
// numcodecs itself uses (ffi/codecs.ts): blosc (every inner compressor;
// shuffle and bitshuffle undone by c-blosc), zstd, lz4 (numcodecs' framing: a
// 4-byte little-endian decoded size, then one LZ4 block), zlib and gzip
// (libdeflate). io/_zarr_codecs.ts registers them in zarrita's registry when
// the library loads; otherwise (or with `TESSERA_NATIVE_CODECS=0`) the
// TypeScript / WebAssembly codecs stay in place.
//
// Every decode knows its decoded size before it writes (the blosc header, the
// zstd frame, the lz4 prefix, the gzip trailer, or the chunk's size) and
// checks it against the chunk's expected size when known; corrupt or
// truncated input raises `CodecError` (io/zarr.ts reports it as a FormatError
// naming the store and chunk), never returns uninitialised bytes.

import { codecLibrary, type CodecLibraryName } from "../ffi/codecs.ts";
import { granted, optionalEnv } from "../core/permissions.ts";

/** Corrupt or truncated compressed data. */
export class CodecError extends Error {
  override name = "CodecError";
}

/** Whether `TESSERA_NATIVE_CODECS=0` asks for the TypeScript / WebAssembly codecs. */
export function nativeCodecsDisabled(): boolean {
  const v = optionalEnv("TESSERA_NATIVE_CODECS");
  return v === "0" || v?.toLowerCase() === "false";
}

/**
 * Whether the native library of a codec family is used: not disabled, FFI
 * access granted, and the library loads (loading it on the first call).
 */
export function nativeCodecAvailable(name: CodecLibraryName): boolean {
  // without FFI access: the fallback, never a permission prompt
  if (nativeCodecsDisabled() || !granted({ name: "ffi" })) return false;
  try {
    codecLibrary(name);
    return true;
  } catch {
    return false;
  }
}

const BLOSC_HEADER = 16;
const BLOSC_MAX_OVERHEAD = 16;
/** Largest decoded size a chunk may declare (a typed array's limit here). */
const MAX_DECODED = 2 ** 31 - 1;

function sizeError(what: string, declared: number, expected: number): never {
  throw new CodecError(
    `${what} declares ${declared} decoded bytes, the chunk holds ${expected}`,
  );
}

/**
 * Decoded chunks handed back by {@link releaseDecoded}, for the next decode
 * of the same size: a fresh 4 MiB buffer per chunk cost 10x the decode
 * itself (allocation and the garbage collections it triggers).
 */
const spare: ArrayBuffer[] = [];
const MAX_SPARE = 3;
/** Buffers this module handed out and not yet got back. */
const lent = new WeakSet<ArrayBuffer>();

/**
 * Hands the buffer of a chunk decoded here back for reuse (when it came from
 * a native decode): the caller must not touch `view` or any other view of
 * its buffer afterwards. Anything else is ignored.
 */
export function releaseDecoded(view: ArrayBufferView): void {
  const b = view.buffer;
  if (!(b instanceof ArrayBuffer) || !lent.has(b)) return;
  lent.delete(b);
  if (spare.length >= MAX_SPARE) spare.shift();
  spare.push(b);
}

function borrow(n: number): Uint8Array {
  for (let i = spare.length - 1; i >= 0; i--) {
    if (spare[i].byteLength === n) {
      const b = spare.splice(i, 1)[0];
      lent.add(b);
      return new Uint8Array(b);
    }
  }
  const b = new ArrayBuffer(n);
  lent.add(b);
  return new Uint8Array(b);
}

/** The destination: `dest` (exactly `n` bytes of it) or a buffer of exactly `n` bytes. */
function target(n: number, dest: Uint8Array | undefined): Uint8Array {
  if (dest === undefined) return borrow(n);
  if (dest.length < n) {
    throw new RangeError(`Destination too small: ${dest.length} bytes for ${n}`);
  }
  return dest.length === n ? dest : dest.subarray(0, n);
}

function u32le(b: Uint8Array, p: number): number {
  return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
}

const sizeOut = new BigUint64Array(1);

/**
 * Decodes a Blosc1 frame with c-blosc (after `blosc_cbuffer_validate`).
 *
 * @param src The frame.
 * @param expected The decoded size the chunk must have, when known.
 * @param dest Where to decode (at least the decoded size); a new buffer when left out.
 * @returns The decoded bytes.
 * @throws {CodecError} For a truncated or corrupt frame, or one of the wrong size.
 */
export function bloscDecode(src: Uint8Array, expected?: number, dest?: Uint8Array): Uint8Array {
  const b = codecLibrary("blosc");
  if (src.length < BLOSC_HEADER) {
    throw new CodecError(`Truncated Blosc frame: ${src.length} bytes, the header alone is 16`);
  }
  const nbytes = u32le(src, 4);
  const cbytes = u32le(src, 12);
  if (cbytes > src.length) {
    throw new CodecError(`Truncated Blosc frame: ${src.length} bytes of ${cbytes}`);
  }
  if (
    b.blosc_cbuffer_validate(src, BigInt(src.length), sizeOut) < 0 || Number(sizeOut[0]) !== nbytes
  ) {
    throw new CodecError(
      `Corrupt Blosc frame: header (version ${
        src[0]
      }, ${nbytes} bytes from ${cbytes}) rejected by c-blosc`,
    );
  }
  if (expected !== undefined && nbytes !== expected) sizeError("Blosc frame", nbytes, expected);
  if (nbytes > MAX_DECODED) sizeError("Blosc frame", nbytes, expected ?? MAX_DECODED);
  const out = target(nbytes, dest);
  if (nbytes === 0) return out;
  const rc = b.blosc_decompress_ctx(src, out, BigInt(nbytes), 1);
  if (rc !== nbytes) {
    throw new CodecError(
      `Corrupt Blosc frame: c-blosc ${
        rc < 0 ? `failed (code ${rc})` : `decoded ${rc} bytes of ${nbytes}`
      }`,
    );
  }
  return out;
}

/** numcodecs' Blosc shuffle numbers. */
export const BLOSC_SHUFFLE_CODES = { noshuffle: 0, shuffle: 1, bitshuffle: 2 } as const;

/** Blosc compression settings (numcodecs' `Blosc` configuration). */
export interface BloscSettings {
  readonly cname: string;
  readonly clevel: number;
  /** 0 none, 1 byte, 2 bit, -1 auto (bit for 1-byte elements, else byte). */
  readonly shuffle: number;
  readonly typesize: number;
  /** 0: c-blosc chooses. */
  readonly blocksize: number;
}

const cnames = new Map<string, Uint8Array>();

/** The output buffer of {@link bloscEncode} (this thread's; grown to the largest chunk). */
let compressScratch = new Uint8Array(0);

/**
 * Encodes a Blosc1 frame with c-blosc.
 *
 * @throws {TypeError} When c-blosc rejects the settings (an unknown compressor).
 */
export function bloscEncode(src: Uint8Array, s: BloscSettings): Uint8Array {
  const b = codecLibrary("blosc");
  const typesize = Math.max(1, Math.min(255, s.typesize | 0));
  const shuffle = s.shuffle === -1 ? (typesize === 1 ? 2 : 1) : s.shuffle;
  let cname = cnames.get(s.cname);
  if (cname === undefined) {
    cname = new TextEncoder().encode(`${s.cname}\0`);
    cnames.set(s.cname, cname);
  }
  // one output buffer per thread, reused: a fresh one per chunk is zeroed and faulted in by the
  // kernel page by page (perf: clear_page, 6-12% of a convert's CPU), then copied out anyway
  if (compressScratch.length < src.length + BLOSC_MAX_OVERHEAD) {
    compressScratch = new Uint8Array(src.length + BLOSC_MAX_OVERHEAD);
  }
  const out = compressScratch.subarray(0, src.length + BLOSC_MAX_OVERHEAD);
  const rc = b.blosc_compress_ctx(
    s.clevel,
    shuffle,
    BigInt(typesize),
    BigInt(src.length),
    src,
    out,
    BigInt(out.length),
    cname,
    BigInt(s.blocksize),
    1,
  );
  if (rc <= 0) {
    throw new TypeError(`Cannot compress with blosc "${s.cname}": c-blosc returned ${rc}`);
  }
  return out.slice(0, rc);
}

const ZSTD_CONTENTSIZE_UNKNOWN = 2n ** 64n - 1n;
const ZSTD_CONTENTSIZE_ERROR = 2n ** 64n - 2n;

function zstdMessage(code: number | bigint): string {
  code = BigInt(code);
  const z = codecLibrary("zstd");
  const p = z.ZSTD_getErrorName(code);
  return p === null ? `code ${code}` : Deno.UnsafePointerView.getCString(p);
}

/**
 * Decodes zstd frames with libzstd.
 *
 * @param src The frame(s).
 * @param expected The decoded size the chunk must have, when known.
 * @param dest Where to decode; a new buffer when left out.
 * @throws {CodecError} For a corrupt or truncated frame, or one of the wrong size.
 */
export function zstdDecode(src: Uint8Array, expected?: number, dest?: Uint8Array): Uint8Array {
  const z = codecLibrary("zstd");
  const declared = src.length === 0
    ? ZSTD_CONTENTSIZE_ERROR
    : BigInt(z.ZSTD_getFrameContentSize(src, BigInt(src.length)));
  if (declared === ZSTD_CONTENTSIZE_ERROR) {
    throw new CodecError(`Corrupt zstd frame: not a zstd frame header (${src.length} bytes)`);
  }
  let n: number;
  if (declared === ZSTD_CONTENTSIZE_UNKNOWN) {
    if (expected === undefined) {
      throw new CodecError("zstd frame without a content size, and the chunk size is unknown");
    }
    n = expected;
  } else {
    if (declared > BigInt(MAX_DECODED)) {
      sizeError("zstd frame", Number(declared), expected ?? MAX_DECODED);
    }
    n = Number(declared);
    if (expected !== undefined && n !== expected) sizeError("zstd frame", n, expected);
  }
  const out = target(n, dest);
  if (n === 0) return out;
  const rc = z.ZSTD_decompress(out, BigInt(n), src, BigInt(src.length));
  if (z.ZSTD_isError(BigInt(rc)) !== 0) {
    throw new CodecError(`Corrupt zstd frame: ${zstdMessage(rc)}`);
  }
  if (Number(rc) !== n) {
    throw new CodecError(`Corrupt zstd frame: decoded ${rc} bytes, expected ${n}`);
  }
  return out;
}

/** Encodes one zstd frame (with its content size) with libzstd. */
export function zstdEncode(src: Uint8Array, level: number): Uint8Array {
  const z = codecLibrary("zstd");
  const bound = Number(z.ZSTD_compressBound(BigInt(src.length)));
  const out = new Uint8Array(bound);
  const rc = z.ZSTD_compress(out, BigInt(bound), src, BigInt(src.length), level);
  if (z.ZSTD_isError(BigInt(rc)) !== 0) {
    throw new TypeError(`Cannot compress with zstd level ${level}: ${zstdMessage(rc)}`);
  }
  return out.slice(0, Number(rc));
}

/**
 * Decodes numcodecs' LZ4 framing (a 4-byte little-endian decoded size, then
 * one LZ4 block) with liblz4.
 *
 * @throws {CodecError} For corrupt or truncated input, or a size that is not the chunk's.
 */
export function lz4Decode(src: Uint8Array, expected?: number, dest?: Uint8Array): Uint8Array {
  const l = codecLibrary("lz4");
  if (src.length < 4) throw new CodecError(`Truncated LZ4 chunk: ${src.length} bytes`);
  const n = u32le(src, 0);
  if (expected !== undefined && n !== expected) sizeError("LZ4 chunk", n, expected);
  if (n > MAX_DECODED) sizeError("LZ4 chunk", n, expected ?? MAX_DECODED);
  const out = target(n, dest);
  if (n === 0) return out;
  const body = src.subarray(4);
  const rc = body.length === 0 ? -1 : l.LZ4_decompress_safe(body, out, body.length, n);
  if (rc !== n) {
    throw new CodecError(
      `Corrupt LZ4 chunk: ${rc < 0 ? "liblz4 rejected the block" : `decoded ${rc} bytes of ${n}`}`,
    );
  }
  return out;
}

/** Encodes numcodecs' LZ4 framing with liblz4. */
export function lz4Encode(src: Uint8Array, acceleration: number): Uint8Array {
  const l = codecLibrary("lz4");
  if (src.length > 0x7e000000) throw new RangeError(`LZ4 input too large: ${src.length} bytes`);
  const bound = l.LZ4_compressBound(src.length);
  const out = new Uint8Array(4 + bound);
  new DataView(out.buffer).setUint32(0, src.length, true);
  const rc = src.length === 0
    ? 0
    : l.LZ4_compress_fast(src, out.subarray(4), src.length, bound, Math.max(1, acceleration | 0));
  if (rc < 0 || (rc === 0 && src.length > 0)) {
    throw new TypeError(`Cannot compress with LZ4: liblz4 returned ${rc}`);
  }
  return out.slice(0, 4 + rc);
}

/** The deflate container formats. */
export type DeflateFormat = "zlib" | "gzip";

let decompressor: Deno.PointerValue = null;
const compressors = new Map<number, Deno.PointerValue>();
const LIBDEFLATE_RESULTS = ["success", "bad data", "short output", "insufficient space"];

/**
 * Decodes a zlib (RFC 1950) or gzip (RFC 1952, one member) stream with
 * libdeflate. The decoded size is the chunk's `expected` size, or for gzip
 * the size in its trailer; a stream that decodes to any other size is an error.
 *
 * @returns The decoded bytes, or null when the size cannot be known (zlib
 *   without an expected size): decode it another way.
 * @throws {CodecError} For corrupt or truncated input, or one of the wrong size.
 */
export function deflateDecode(
  format: DeflateFormat,
  src: Uint8Array,
  expected?: number,
  dest?: Uint8Array,
): Uint8Array | null {
  const d = codecLibrary("deflate");
  let n = expected;
  if (format === "gzip" && n === undefined) {
    if (src.length < 18) throw new CodecError(`Truncated gzip stream: ${src.length} bytes`);
    n = u32le(src, src.length - 4);
  }
  if (n === undefined) return null;
  if (n > MAX_DECODED) sizeError(`${format} stream`, n, MAX_DECODED);
  const dec = theDecompressor();
  const out = target(n, dest);
  if (src.length === 0) throw new CodecError(`Truncated ${format} stream: 0 bytes`);
  // a 1-byte scratch stands in for an empty output (a null pointer otherwise)
  const rc = format === "zlib"
    ? d.libdeflate_zlib_decompress(
      dec,
      src,
      BigInt(src.length),
      n === 0 ? new Uint8Array(1) : out,
      BigInt(n),
      sizeOut,
    )
    : d.libdeflate_gzip_decompress(
      dec,
      src,
      BigInt(src.length),
      n === 0 ? new Uint8Array(1) : out,
      BigInt(n),
      sizeOut,
    );
  if (rc !== 0) {
    throw new CodecError(
      `Corrupt ${format} stream: libdeflate: ${LIBDEFLATE_RESULTS[rc] ?? `code ${rc}`}${
        rc === 3 ? ` (more than the chunk's ${n} bytes)` : ""
      }`,
    );
  }
  if (Number(sizeOut[0]) !== n) {
    throw new CodecError(
      `Corrupt ${format} stream: decoded ${sizeOut[0]} bytes, the chunk holds ${n}`,
    );
  }
  return out;
}

/** This thread's libdeflate decompressor, made on first use. */
function theDecompressor(): Deno.PointerValue {
  decompressor ??= codecLibrary("deflate").libdeflate_alloc_decompressor();
  if (decompressor === null) throw new Error("libdeflate_alloc_decompressor: out of memory");
  return decompressor;
}

/** This thread's libdeflate compressor for `level` (clamped to 0-12), made on first use. */
function compressor(format: DeflateFormat, level: number): Deno.PointerValue {
  const lvl = Math.max(0, Math.min(12, level | 0));
  let c = compressors.get(lvl);
  if (c === undefined) {
    c = codecLibrary("deflate").libdeflate_alloc_compressor(lvl);
    if (c === null) throw new TypeError(`Cannot compress with ${format} level ${level}`);
    compressors.set(lvl, c);
  }
  return c;
}

/** The most bytes {@link zlibCompressInto} writes for `n` bytes at `level`. */
export function zlibCompressBound(level: number, n: number): number {
  const d = codecLibrary("deflate");
  return Number(d.libdeflate_zlib_compress_bound(compressor("zlib", level), BigInt(n)));
}

/**
 * Compresses `src` (not empty) into one zlib stream in `dest` (at least
 * {@link zlibCompressBound} bytes: memory of any origin, e.g. a view of a C
 * buffer) with libdeflate.
 *
 * @returns The stream's size, 0 when it did not fit.
 */
export function zlibCompressInto(level: number, src: Uint8Array, dest: Uint8Array): number {
  const d = codecLibrary("deflate");
  const c = compressor("zlib", level);
  return Number(
    d.libdeflate_zlib_compress(c, src, BigInt(src.length), dest, BigInt(dest.length)),
  );
}

/**
 * Decompresses one zlib stream from `src` into `dest` with libdeflate,
 * whatever its decoded size (up to `dest.length`).
 *
 * @returns libdeflate's result (0 success, 1 bad data, 3 `dest` too small)
 *   and, on success, the decoded size.
 */
export function zlibDecompressInto(
  src: Uint8Array,
  dest: Uint8Array,
): { readonly result: number; readonly size: number } {
  const d = codecLibrary("deflate");
  const rc = d.libdeflate_zlib_decompress(
    theDecompressor(),
    src,
    BigInt(src.length),
    dest,
    BigInt(dest.length),
    sizeOut,
  );
  return { result: rc, size: rc === 0 ? Number(sizeOut[0]) : 0 };
}

/** libdeflate's name of a result code of {@link zlibDecompressInto}. */
export function libdeflateResult(rc: number): string {
  return LIBDEFLATE_RESULTS[rc] ?? `code ${rc}`;
}

/** Encodes a zlib or gzip stream with libdeflate (levels 0-12; zlib's 0-9 mean the same). */
export function deflateEncode(format: DeflateFormat, src: Uint8Array, level: number): Uint8Array {
  const d = codecLibrary("deflate");
  const c = compressor(format, level);
  const gzip = format === "gzip";
  const bound = Number(
    gzip
      ? d.libdeflate_gzip_compress_bound(c, BigInt(src.length))
      : d.libdeflate_zlib_compress_bound(c, BigInt(src.length)),
  );
  const out = new Uint8Array(bound);
  const input = src.length === 0 ? new Uint8Array(1) : src;
  const n = Number(
    gzip
      ? d.libdeflate_gzip_compress(c, input, BigInt(src.length), out, BigInt(bound))
      : d.libdeflate_zlib_compress(c, input, BigInt(src.length), out, BigInt(bound)),
  );
  if (n === 0) throw new Error(`libdeflate: ${format} output does not fit its bound`);
  return out.slice(0, n);
}
