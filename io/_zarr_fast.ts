// The hot path of Zarr reads, shared by io/zarr.ts (in its own thread) and
// the decode workers (io/_zarr_worker.ts): for arrays whose chunks are one
// plain compressor over little-endian C-ordered bytes (zarr-python's default
// Blosc, zstd, lz4, zlib, gzip, or none), map the chunk file (ffi/libc.ts;
// else read it into a reused buffer) and decode it with the native library
// (io/_native_codecs.ts) straight from the mapping into the destination when
// the chunk lands there contiguously, else into a reused scratch chunk copied
// from; an uncompressed chunk is read straight into the destination. No
// zarrita, no allocation per chunk. Everything else (filters, F order, big-endian, sharding,
// complex, bool, no native library) goes through zarrita.

import { type AnyTypedArray, type DType, DTYPES, isComplex } from "../core/dtype.ts";
import type { CodecLibraryName } from "../ffi/codecs.ts";
import { mapFile } from "../ffi/libc.ts";
import {
  bloscDecode,
  deflateDecode,
  lz4Decode,
  nativeCodecAvailable,
  zstdDecode,
} from "./_native_codecs.ts";
import type { ArrayMeta } from "./_zarr_meta.ts";
import type { AxisPiece } from "../core/indexer.ts";

/** The stored form of a chunk the fast path decodes. */
export type FastKind = "none" | "blosc" | "zstd" | "lz4" | "zlib" | "gzip";

const LIBRARY: Record<Exclude<FastKind, "none">, CodecLibraryName> = {
  blosc: "blosc",
  zstd: "zstd",
  lz4: "lz4",
  zlib: "deflate",
  gzip: "deflate",
};

const COMPRESSORS: Record<string, Exclude<FastKind, "none">> = {
  "numcodecs.blosc": "blosc",
  "numcodecs.zstd": "zstd",
  "numcodecs.lz4": "lz4",
  "numcodecs.zlib": "zlib",
  "numcodecs.gzip": "gzip",
  blosc: "blosc",
  zstd: "zstd",
  gzip: "gzip",
};

/**
 * The fast path's kind for an array, or null when its chunks need zarrita
 * (or the native library of its compressor is not available here).
 */
export function fastKind(meta: ArrayMeta): FastKind | null {
  if (meta.sharded || isComplex(meta.dtype) || meta.dtype === "bool") return null;
  if (!meta.order.every((a, i) => a === i)) return null;
  if (meta.bigEndian && DTYPES[meta.dtype].bytes > 1) return null;
  const [bytes, comp, ...rest] = meta.codecs;
  if (bytes?.name !== "bytes" || rest.length > 0) return null;
  if (comp === undefined) return "none";
  const kind = COMPRESSORS[comp.name];
  if (kind === undefined || !nativeCodecAvailable(LIBRARY[kind])) return null;
  return kind;
}

/** Where the selected part of one chunk goes (element units; the chunk is C-ordered). */
export interface ChunkPart {
  /** Element counts of the part, per axis. */
  readonly counts: readonly number[];
  /** First selected index in the chunk and the region's step, per axis. */
  readonly local: readonly number[];
  readonly step: readonly number[];
  /** The destination's strides and the part's offset in it (elements). */
  readonly strides: readonly number[];
  readonly offset: number;
}

/** Reused buffers of one thread: the stored chunk and the decoded chunk. */
export class ChunkBuffers {
  #read = new Uint8Array(0);
  #scratch = new ArrayBuffer(0);

  /** A buffer of at least `n` bytes for a stored chunk. */
  read(n: number): Uint8Array {
    if (this.#read.length < n) this.#read = new Uint8Array(Math.max(n, 1));
    return this.#read;
  }

  /** A decoded-chunk buffer of at least `n` bytes. */
  scratch(n: number): ArrayBuffer {
    if (this.#scratch.byteLength < n) this.#scratch = new ArrayBuffer(n);
    return this.#scratch;
  }
}

/**
 * Reads a chunk file whole into `bufs`' read buffer.
 *
 * @returns The bytes, or null when the file does not exist (a missing chunk).
 */
export function readChunkFile(path: string, bufs: ChunkBuffers): Uint8Array | null {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.IsADirectory) return null;
    throw e;
  }
  try {
    const size = file.statSync().size;
    const buf = bufs.read(size + 1);
    let at = 0;
    // one byte more than the size: a file that grew is read to its end
    for (;;) {
      const n = file.readSync(buf.subarray(at));
      if (n === null || n === 0) break;
      at += n;
      if (at === buf.length) break;
    }
    return buf.subarray(0, at);
  } finally {
    file.close();
  }
}

/**
 * Decodes stored chunk bytes of `kind` into `dest` (exactly the chunk's
 * `n` bytes).
 *
 * @throws {CodecError} For corrupt input or a chunk of the wrong size.
 */
export function decodeInto(kind: FastKind, src: Uint8Array, n: number, dest: Uint8Array): void {
  switch (kind) {
    case "none":
      if (src.length !== n) throw new SizeError(src.length);
      dest.set(src);
      return;
    case "blosc":
      bloscDecode(src, n, dest);
      return;
    case "zstd":
      zstdDecode(src, n, dest);
      return;
    case "lz4":
      lz4Decode(src, n, dest);
      return;
    case "zlib":
    case "gzip":
      deflateDecode(kind, src, n, dest);
      return;
  }
}

/** An uncompressed chunk file of the wrong size (`bytes` long). */
export class SizeError extends Error {
  override name = "SizeError";
  constructor(readonly bytes: number) {
    super(`${bytes} bytes`);
  }
}

/** C strides (elements) of a chunk shape. */
export function cStrides(chunks: readonly number[]): number[] {
  const s = new Array<number>(chunks.length);
  let acc = 1;
  for (let i = chunks.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= chunks[i];
  }
  return s;
}

/**
 * Reads and decodes one chunk into the destination `out` (a typed array of
 * `dtype`): straight into it when the part is the whole chunk laid out
 * contiguously there, else through `bufs`' scratch chunk.
 *
 * @returns False when the chunk file is missing (the caller fills it).
 * @throws {CodecError} / {SizeError} For a chunk that cannot be decoded.
 */
export function decodeChunkInto(
  path: string,
  kind: FastKind,
  dtype: DType,
  chunks: readonly number[],
  part: ChunkPart,
  out: AnyTypedArray,
  bufs: ChunkBuffers,
): boolean {
  const item = DTYPES[dtype].bytes;
  const size = chunks.reduce((a, b) => a * b, 1);
  const n = size * item;
  const cs = cStrides(chunks);
  const whole = part.counts.every((c, i) =>
    c === chunks[i] && part.local[i] === 0 && (part.step[i] === 1 || c === 1)
  );
  const direct = whole && part.counts.every((c, i) => c === 1 || part.strides[i] === cs[i]);
  const dest = direct
    ? new Uint8Array(out.buffer, out.byteOffset + part.offset * item, n)
    : new Uint8Array(bufs.scratch(n), 0, n);
  if (kind === "none" && direct) {
    // one copy: the file straight into the destination
    if (!readChunkInto(path, dest)) return false;
  } else {
    // decoded from the file's mapping (no read copy), else from a read of it
    const mapped = mapFile(path);
    try {
      const src = mapped?.bytes ?? readChunkFile(path, bufs);
      if (src === null) return false;
      if (kind === "none" && !direct) {
        if (src.length !== n) throw new SizeError(src.length);
        const Ctor = DTYPES[dtype].array;
        copyPart(
          new Ctor(src.buffer as ArrayBuffer, src.byteOffset, size) as AnyTypedArray,
          cs,
          part,
          out,
        );
        return true;
      }
      decodeInto(kind, src, n, dest);
    } finally {
      mapped?.close();
    }
  }
  if (direct) return true;
  const Ctor = DTYPES[dtype].array;
  copyPart(new Ctor(dest.buffer, 0, size) as AnyTypedArray, cs, part, out);
  return true;
}

/**
 * Reads an uncompressed chunk file straight into `dest` (exactly its length).
 *
 * @returns False when the file does not exist (a missing chunk).
 * @throws {SizeError} When the file is not exactly `dest.length` bytes.
 */
export function readChunkInto(path: string, dest: Uint8Array): boolean {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.IsADirectory) return false;
    throw e;
  }
  try {
    let at = 0;
    while (at < dest.length) {
      const k = file.readSync(dest.subarray(at));
      if (k === null || k === 0) break;
      at += k;
    }
    if (at < dest.length) throw new SizeError(at);
    // a file longer than the chunk: its true size in the error
    const size = file.statSync().size;
    if (size !== dest.length) throw new SizeError(size);
    return true;
  } finally {
    file.close();
  }
}

/** The calling thread's chunk buffers (the fast path there runs one chunk at a time). */
export const THREAD_BUFFERS: ChunkBuffers = new ChunkBuffers();

/**
 * Copies the selected part of a decoded chunk (`data`, of the destination's
 * type, with element strides `stride`) into `out`: whole inner rows at once.
 */
export function copyPart(
  data: AnyTypedArray,
  stride: readonly number[],
  part: ChunkPart,
  out: AnyTypedArray,
): void {
  const nd = part.counts.length;
  if (part.counts.some((c) => c === 0)) return;
  let so = 0;
  for (let i = 0; i < nd; i++) so += part.local[i] * stride[i];
  if (nd === 0) {
    out[part.offset] = data[so];
    return;
  }
  const ss = stride.map((s, i) => s * part.step[i]);
  const ds = part.strides;
  const last = nd - 1;
  const n = part.counts[last];
  const dst = out as Float64Array;
  const src = data as Float64Array;
  const contiguous = ss[last] === 1 && ds[last] === 1;
  const idx = new Array<number>(last).fill(0);
  let d = part.offset;
  let s = so;
  for (;;) {
    if (contiguous) dst.set(src.subarray(s, s + n), d);
    else for (let k = 0; k < n; k++) dst[d + k * ds[last]] = src[s + k * ss[last]];
    let ax = last - 1;
    while (ax >= 0) {
      d += ds[ax];
      s += ss[ax];
      if (++idx[ax] < part.counts[ax]) break;
      d -= ds[ax] * part.counts[ax];
      s -= ss[ax] * part.counts[ax];
      idx[ax] = 0;
      ax--;
    }
    if (ax < 0) return;
  }
}

/**
 * Runs `fn` for every chunk of `pieces` (per axis, the pieces of the region
 * in each chunk), at most `limit` at once, in C order of the chunks; the
 * first failure stops the rest.
 */
export async function eachChunk(
  pieces: readonly AxisPiece[][],
  limit: number,
  fn: (coords: number[], ps: AxisPiece[]) => Promise<void>,
): Promise<void> {
  const nd = pieces.length;
  const idx = new Array<number>(nd).fill(0);
  let done = pieces.some((p) => p.length === 0);
  const next = (): [number[], AxisPiece[]] | null => {
    if (done) return null;
    const ps = idx.map((k, i) => pieces[i][k]);
    let ax = nd - 1;
    while (ax >= 0 && ++idx[ax] === pieces[ax].length) idx[ax--] = 0;
    if (ax < 0) done = true;
    return [ps.map((p) => p.block), ps];
  };
  const run = async (): Promise<void> => {
    try {
      for (let job = next(); job !== null; job = next()) await fn(job[0], job[1]);
    } catch (e) {
      done = true; // the others stop after their current chunk
      throw e;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, limit) }, run));
}
