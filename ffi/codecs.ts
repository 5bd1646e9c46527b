// Raw bindings to the compression libraries the Python ecosystem uses
// (numcodecs, h5py): c-blosc 1.x, zstd, lz4, libdeflate, libbz2 and liblzma,
// from Debian's runtime packages (libblosc1, libzstd1, liblz4-1, libdeflate0,
// libbz2-1.0, liblzma5). Each library
// loads on first use, never at import, and is pinned (RTLD_NODELETE) like
// libhdf5. Discovery: the override variable (`TESSERA_BLOSC_LIB`,
// `TESSERA_ZSTD_LIB`, `TESSERA_LZ4_LIB`, `TESSERA_DEFLATE_LIB`, `TESSERA_BZ2_LIB`,
// `TESSERA_LZMA_LIB`), else the
// runtime sonames (Debian's runtime packages have no `.so` dev symlink), then
// the unversioned names. Used by io/_native_codecs.ts and io/_bz2_lzma.ts.
//
// size_t is 64-bit on every supported target ("usize"); `const void *` and
// `void *` data are "buffer"s; `size_t *` out-parameters are 8-byte buffers.

import { openLibrary, pinLibrary } from "./_library.ts";

/** c-blosc 1.x (blosc.h). */
export const BLOSC_SYMBOLS = {
  // void blosc_init(void)
  blosc_init: { parameters: [], result: "void" },
  // int blosc_set_nthreads(int nthreads)
  blosc_set_nthreads: { parameters: ["i32"], result: "i32" },
  // int blosc_decompress_ctx(const void *src, void *dest, size_t destsize, int numinternalthreads)
  blosc_decompress_ctx: { parameters: ["buffer", "buffer", "usize", "i32"], result: "i32" },
  // int blosc_compress_ctx(int clevel, int doshuffle, size_t typesize, size_t nbytes,
  //   const void *src, void *dest, size_t destsize, const char *compressor,
  //   size_t blocksize, int numinternalthreads)
  blosc_compress_ctx: {
    parameters: [
      "i32",
      "i32",
      "usize",
      "usize",
      "buffer",
      "buffer",
      "usize",
      "buffer",
      "usize",
      "i32",
    ],
    result: "i32",
  },
  // void blosc_cbuffer_sizes(const void *cbuffer, size_t *nbytes, size_t *cbytes, size_t *blocksize)
  blosc_cbuffer_sizes: { parameters: ["buffer", "buffer", "buffer", "buffer"], result: "void" },
  // int blosc_cbuffer_validate(const void *cbuffer, size_t cbytes, size_t *nbytes)
  blosc_cbuffer_validate: { parameters: ["buffer", "usize", "buffer"], result: "i32" },
  // const char *blosc_get_version_string(void)
  blosc_get_version_string: { parameters: [], result: "pointer" },
} as const satisfies Deno.ForeignLibraryInterface;

/** zstd (zstd.h, stable API). */
export const ZSTD_SYMBOLS = {
  // size_t ZSTD_decompress(void *dst, size_t dstCapacity, const void *src, size_t compressedSize)
  ZSTD_decompress: { parameters: ["buffer", "usize", "buffer", "usize"], result: "usize" },
  // unsigned long long ZSTD_getFrameContentSize(const void *src, size_t srcSize)
  ZSTD_getFrameContentSize: { parameters: ["buffer", "usize"], result: "u64" },
  // size_t ZSTD_compress(void *dst, size_t dstCapacity, const void *src, size_t srcSize,
  //   int compressionLevel)
  ZSTD_compress: { parameters: ["buffer", "usize", "buffer", "usize", "i32"], result: "usize" },
  // size_t ZSTD_compressBound(size_t srcSize)
  ZSTD_compressBound: { parameters: ["usize"], result: "usize" },
  // unsigned ZSTD_isError(size_t code)
  ZSTD_isError: { parameters: ["usize"], result: "u32" },
  // const char *ZSTD_getErrorName(size_t code)
  ZSTD_getErrorName: { parameters: ["usize"], result: "pointer" },
} as const satisfies Deno.ForeignLibraryInterface;

/** lz4 (lz4.h, block API). */
export const LZ4_SYMBOLS = {
  // int LZ4_decompress_safe(const char *src, char *dst, int compressedSize, int dstCapacity)
  LZ4_decompress_safe: { parameters: ["buffer", "buffer", "i32", "i32"], result: "i32" },
  // int LZ4_compress_fast(const char *src, char *dst, int srcSize, int dstCapacity,
  //   int acceleration)
  LZ4_compress_fast: { parameters: ["buffer", "buffer", "i32", "i32", "i32"], result: "i32" },
  // int LZ4_compress_default(const char *src, char *dst, int srcSize, int dstCapacity)
  LZ4_compress_default: { parameters: ["buffer", "buffer", "i32", "i32"], result: "i32" },
  // int LZ4_compressBound(int inputSize)
  LZ4_compressBound: { parameters: ["i32"], result: "i32" },
} as const satisfies Deno.ForeignLibraryInterface;

/** libdeflate (libdeflate.h); `enum libdeflate_result` is an int, 0 on success. */
export const DEFLATE_SYMBOLS = {
  // struct libdeflate_decompressor *libdeflate_alloc_decompressor(void)
  libdeflate_alloc_decompressor: { parameters: [], result: "pointer" },
  // void libdeflate_free_decompressor(struct libdeflate_decompressor *d)
  libdeflate_free_decompressor: { parameters: ["pointer"], result: "void" },
  // enum libdeflate_result libdeflate_zlib_decompress(struct libdeflate_decompressor *d,
  //   const void *in, size_t in_nbytes, void *out, size_t out_nbytes_avail,
  //   size_t *actual_out_nbytes_ret)
  libdeflate_zlib_decompress: {
    parameters: ["pointer", "buffer", "usize", "buffer", "usize", "buffer"],
    result: "i32",
  },
  // enum libdeflate_result libdeflate_gzip_decompress(... same parameters as zlib)
  libdeflate_gzip_decompress: {
    parameters: ["pointer", "buffer", "usize", "buffer", "usize", "buffer"],
    result: "i32",
  },
  // enum libdeflate_result libdeflate_deflate_decompress(... same parameters as zlib)
  libdeflate_deflate_decompress: {
    parameters: ["pointer", "buffer", "usize", "buffer", "usize", "buffer"],
    result: "i32",
  },
  // struct libdeflate_compressor *libdeflate_alloc_compressor(int compression_level)
  libdeflate_alloc_compressor: { parameters: ["i32"], result: "pointer" },
  // void libdeflate_free_compressor(struct libdeflate_compressor *c)
  libdeflate_free_compressor: { parameters: ["pointer"], result: "void" },
  // size_t libdeflate_zlib_compress(struct libdeflate_compressor *c, const void *in,
  //   size_t in_nbytes, void *out, size_t out_nbytes_avail)   (0 when it does not fit)
  libdeflate_zlib_compress: {
    parameters: ["pointer", "buffer", "usize", "buffer", "usize"],
    result: "usize",
  },
  // size_t libdeflate_zlib_compress_bound(struct libdeflate_compressor *c, size_t in_nbytes)
  libdeflate_zlib_compress_bound: { parameters: ["pointer", "usize"], result: "usize" },
  // size_t libdeflate_gzip_compress(... same parameters as zlib)
  libdeflate_gzip_compress: {
    parameters: ["pointer", "buffer", "usize", "buffer", "usize"],
    result: "usize",
  },
  // size_t libdeflate_gzip_compress_bound(struct libdeflate_compressor *c, size_t in_nbytes)
  libdeflate_gzip_compress_bound: { parameters: ["pointer", "usize"], result: "usize" },
} as const satisfies Deno.ForeignLibraryInterface;

/** libbz2 (bzlib.h, the buffer-to-buffer API); `unsigned int *` lengths are 4-byte buffers. */
export const BZ2_SYMBOLS = {
  // int BZ2_bzBuffToBuffDecompress(char *dest, unsigned int *destLen, char *source,
  //   unsigned int sourceLen, int small, int verbosity)
  BZ2_bzBuffToBuffDecompress: {
    parameters: ["buffer", "buffer", "buffer", "u32", "i32", "i32"],
    result: "i32",
  },
  // int BZ2_bzBuffToBuffCompress(char *dest, unsigned int *destLen, char *source,
  //   unsigned int sourceLen, int blockSize100k, int verbosity, int workFactor)
  BZ2_bzBuffToBuffCompress: {
    parameters: ["buffer", "buffer", "buffer", "u32", "i32", "i32", "i32"],
    result: "i32",
  },
} as const satisfies Deno.ForeignLibraryInterface;

/** liblzma (lzma.h, the single-call buffer API of .xz streams); `lzma_ret` is an int. */
export const LZMA_SYMBOLS = {
  // lzma_ret lzma_stream_buffer_decode(uint64_t *memlimit, uint32_t flags,
  //   const lzma_allocator *allocator, const uint8_t *in, size_t *in_pos, size_t in_size,
  //   uint8_t *out, size_t *out_pos, size_t out_size)
  lzma_stream_buffer_decode: {
    parameters: [
      "buffer",
      "u32",
      "pointer",
      "buffer",
      "buffer",
      "usize",
      "buffer",
      "buffer",
      "usize",
    ],
    result: "i32",
  },
  // lzma_ret lzma_easy_buffer_encode(uint32_t preset, lzma_check check,
  //   const lzma_allocator *allocator, const uint8_t *in, size_t in_size,
  //   uint8_t *out, size_t *out_pos, size_t out_size)
  lzma_easy_buffer_encode: {
    parameters: ["u32", "i32", "pointer", "buffer", "usize", "buffer", "buffer", "usize"],
    result: "i32",
  },
  // size_t lzma_stream_buffer_bound(size_t uncompressed_size)
  lzma_stream_buffer_bound: { parameters: ["usize"], result: "usize" },
} as const satisfies Deno.ForeignLibraryInterface;

/** The library of one codec family. */
export type CodecLibraryName = "blosc" | "zstd" | "lz4" | "deflate" | "bz2" | "lzma";

const SPECS = {
  blosc: {
    library: "libblosc",
    env: "TESSERA_BLOSC_LIB",
    candidates: ["libblosc.so.1", "libblosc.so", "libblosc.1.dylib", "libblosc.dylib"],
    symbols: BLOSC_SYMBOLS,
  },
  zstd: {
    library: "libzstd",
    env: "TESSERA_ZSTD_LIB",
    candidates: ["libzstd.so.1", "libzstd.so", "libzstd.1.dylib", "libzstd.dylib"],
    symbols: ZSTD_SYMBOLS,
  },
  lz4: {
    library: "liblz4",
    env: "TESSERA_LZ4_LIB",
    candidates: ["liblz4.so.1", "liblz4.so", "liblz4.1.dylib", "liblz4.dylib"],
    symbols: LZ4_SYMBOLS,
  },
  deflate: {
    library: "libdeflate",
    env: "TESSERA_DEFLATE_LIB",
    candidates: ["libdeflate.so.0", "libdeflate.so", "libdeflate.0.dylib", "libdeflate.dylib"],
    symbols: DEFLATE_SYMBOLS,
  },
  bz2: {
    library: "libbz2",
    env: "TESSERA_BZ2_LIB",
    candidates: ["libbz2.so.1.0", "libbz2.so.1", "libbz2.so", "libbz2.1.0.dylib", "libbz2.dylib"],
    symbols: BZ2_SYMBOLS,
  },
  lzma: {
    library: "liblzma",
    env: "TESSERA_LZMA_LIB",
    candidates: ["liblzma.so.5", "liblzma.so", "liblzma.5.dylib", "liblzma.dylib"],
    symbols: LZMA_SYMBOLS,
  },
} as const;

/** The symbols of each codec library. */
export interface CodecLibraries {
  blosc: Deno.DynamicLibrary<typeof BLOSC_SYMBOLS>["symbols"];
  zstd: Deno.DynamicLibrary<typeof ZSTD_SYMBOLS>["symbols"];
  lz4: Deno.DynamicLibrary<typeof LZ4_SYMBOLS>["symbols"];
  deflate: Deno.DynamicLibrary<typeof DEFLATE_SYMBOLS>["symbols"];
  bz2: Deno.DynamicLibrary<typeof BZ2_SYMBOLS>["symbols"];
  lzma: Deno.DynamicLibrary<typeof LZMA_SYMBOLS>["symbols"];
}

const loaded = new Map<CodecLibraryName, { symbols: unknown; path: string } | Error>();

/**
 * Loads one codec library on the first call (this thread; every Worker loads
 * its own handle to the same pinned library) and returns its symbols.
 *
 * @throws {LibraryNotFoundError} When no candidate loads (the same error on every later call).
 */
export function codecLibrary<K extends CodecLibraryName>(name: K): CodecLibraries[K] {
  let entry = loaded.get(name);
  if (entry === undefined) {
    const spec = SPECS[name];
    try {
      const { lib, path } = openLibrary(
        spec.library,
        spec.env,
        spec.candidates,
        spec.symbols as Deno.ForeignLibraryInterface,
      );
      // never unmapped while a thread may still call into it (see pinLibrary)
      pinLibrary(path);
      entry = { symbols: lib.symbols, path };
    } catch (e) {
      entry = e instanceof Error ? e : new Error(String(e));
    }
    loaded.set(name, entry);
  }
  if (entry instanceof Error) throw entry;
  return entry.symbols as CodecLibraries[K];
}

/** The path a codec library was loaded from, or null when it is not (or cannot be) loaded. */
export function codecLibraryPath(name: CodecLibraryName): string | null {
  const entry = loaded.get(name);
  return entry === undefined || entry instanceof Error ? null : entry.path;
}
