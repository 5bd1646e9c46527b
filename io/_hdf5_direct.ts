// Direct chunk reads of compressed HDF5 datasets: for a chunked dataset whose
// filter pipeline is deflate and/or shuffle only, whole chunks are read as
// stored (H5Dread_chunk, HDF5 >= 1.10.2) and decoded here, with libdeflate
// (zlib streams: HDF5's deflate filter) and the byte unshuffle of io/_blosc.ts,
// then copied into the destination; chunks never written read as the fill
// value. `readDirect` decodes in the calling thread; `readDirectAsync` hands
// chunks to threadCount() decode workers (core/threads.ts; one thread: none,
// decoded here) (Deno Web Workers running io/_hdf5_worker.ts;
// reads in flight overlap, even of one chunk each), so that libhdf5's single
// thread no longer bounds a gzip read. Anything else (other filters,
// fletcher32, a converted type, parallel transfers, no libdeflate) keeps the
// H5Dread path (io/hdf5_dataset.ts).

import { type AnyTypedArray, type DType, DTYPES, isComplex, type Scalar } from "../core/dtype.ts";
import { FormatError } from "../core/errors.ts";
import { copyInto, full, NDArray } from "../core/ndarray.ts";
import { optionalEnv } from "../core/permissions.ts";
import { threadCount, UNAVAILABLE, WorkerPool } from "../core/threads.ts";
import { check, hdf5, type Hid, hsize } from "../ffi/hdf5.ts";
import type { Region } from "./region.ts";
import { unshuffle } from "./_blosc.ts";
import { deflateDecode, nativeCodecAvailable } from "./_native_codecs.ts";

/**
 * Whether dataset `id` stores its elements as memory type `type` (no
 * conversion on read or write: the raw bytes are the values).
 *
 * @param id An open dataset.
 * @param type A memory type id.
 * @returns False when they differ or the type cannot be read.
 *
 * @example
 * ```ts ignore
 * if (!storedAs(dset, H5T_NATIVE_FLOAT)) return null;
 * ```
 */
export function storedAs(id: Hid, type: Hid): boolean {
  const fn = hdf5().fn;
  const tid = fn.H5Dget_type(id);
  if (tid < 0) return false;
  try {
    return fn.H5Tequal(tid, type) > 0;
  } finally {
    fn.H5Tclose(tid);
  }
}

const DEFLATE = 1;
const SHUFFLE = 2;

/** How to read one dataset's chunks directly. */
export interface DirectPlan {
  readonly dtype: DType;
  readonly chunks: readonly number[];
  /** Filter ids in pipeline order (deflate 1, shuffle 2). */
  readonly pipeline: readonly number[];
  /** The shuffle filter's element size. */
  readonly typesize: number;
  /** Bytes of one decoded chunk (edge chunks are stored whole). */
  readonly chunkBytes: number;
  readonly fill: Scalar;
}

/** The dataset facts `directPlan` needs (a subset of H5DatasetInfo). */
export interface DirectInfo {
  readonly dtype: DType;
  readonly layout: string;
  readonly chunks: readonly number[] | null;
  readonly filters: readonly { readonly id: number; readonly values: readonly number[] }[];
  readonly fillValue: Scalar | null;
}

/**
 * The plan of direct chunk reads for a dataset, or null when it reads
 * through H5Dread: not chunked, no deflate, a filter other than deflate and
 * shuffle, a stored type other than the memory type, bool, complex, an undefined fill
 * value, libdeflate or H5Dread_chunk missing, or `TESSERA_HDF5_DIRECT=0`.
 */
export function directPlan(
  id: Hid,
  info: DirectInfo,
  readType: Hid,
  dxpl: Hid | null,
): DirectPlan | null {
  const v = optionalEnv("TESSERA_HDF5_DIRECT");
  if (v === "0" || v?.toLowerCase() === "false") return null;
  if (dxpl !== null || info.layout !== "chunked" || info.chunks === null) return null;
  // complex (a compound of two floats) keeps H5Dread, which converts h5py's {r, i} for us
  if (info.dtype === "bool" || isComplex(info.dtype) || info.fillValue === null) return null;
  const ids = info.filters.map((f) => f.id);
  if (!ids.includes(DEFLATE) || ids.some((f) => f !== DEFLATE && f !== SHUFFLE)) return null;
  const fn = hdf5().fn;
  if (fn.H5Dread_chunk === null || fn.H5Dget_chunk_info_by_coord === null) return null;
  if (!nativeCodecAvailable("deflate")) return null;
  if (!storedAs(id, readType)) return null; // stored big-endian, converted, ...
  const bytes = DTYPES[info.dtype].bytes;
  const shuffle = info.filters.find((f) => f.id === SHUFFLE);
  const chunkBytes = info.chunks.reduce((a, b) => a * b, bytes);
  if (chunkBytes > 2 ** 31 - 1) return null;
  return {
    dtype: info.dtype,
    chunks: [...info.chunks],
    pipeline: ids,
    typesize: shuffle?.values[0] ?? bytes,
    chunkBytes,
    fill: info.fillValue,
  };
}

/** The part of one chunk a region selects. */
export interface ChunkPart {
  /** The chunk's first element (the offset H5Dread_chunk takes). */
  readonly origin: number[];
  /** Selected elements per axis. */
  readonly counts: number[];
  /** First selected index inside the chunk. */
  readonly local: number[];
  /** Where the part starts in the region's array. */
  readonly at: number[];
  /** The region's step per axis. */
  readonly step: readonly number[];
}

/** The chunks a region touches (with its step: chunks it steps over are left out), in C order. */
export function chunkParts(r: Region, chunks: readonly number[]): ChunkPart[] {
  const axes: { c: number; i0: number; i1: number }[][] = r.count.map((n, k) => {
    const out: { c: number; i0: number; i1: number }[] = [];
    if (n === 0) return out;
    const c = chunks[k], s = r.start[k], st = r.step[k];
    const last = s + (n - 1) * st;
    for (let ci = Math.floor(s / c); ci <= Math.floor(last / c); ci++) {
      const lo = ci * c;
      const i0 = Math.max(0, Math.ceil((lo - s) / st));
      const i1 = Math.min(n - 1, Math.floor((lo + c - 1 - s) / st));
      if (i0 <= i1) out.push({ c: ci, i0, i1 });
    }
    return out;
  });
  const parts: ChunkPart[] = [];
  if (axes.some((a) => a.length === 0)) return parts;
  const idx = new Array(axes.length).fill(0);
  for (;;) {
    const sel = axes.map((a, k) => a[idx[k]]);
    parts.push({
      origin: sel.map((p, k) => p.c * chunks[k]),
      counts: sel.map((p) => p.i1 - p.i0 + 1),
      local: sel.map((p, k) => r.start[k] + p.i0 * r.step[k] - p.c * chunks[k]),
      at: sel.map((p) => p.i0),
      step: r.step,
    });
    let k = axes.length - 1;
    while (k >= 0 && ++idx[k] === axes[k].length) idx[k--] = 0;
    if (k < 0) return parts;
  }
}

/**
 * Undoes the filters of one stored chunk into `out` (the decoded chunk's
 * bytes), in reverse pipeline order, skipping the filters `mask` marks as
 * not applied.
 *
 * @throws {Error} (CodecError) For a corrupt stream; a plain Error for a stored size that does not fit.
 */
export function decodeChunk(
  raw: Uint8Array,
  mask: number,
  pipeline: readonly number[],
  typesize: number,
  out: Uint8Array,
  scratch: () => Uint8Array,
): void {
  const steps: number[] = [];
  for (let i = pipeline.length - 1; i >= 0; i--) if (!(mask & (1 << i))) steps.push(pipeline[i]);
  const n = out.length;
  let cur = raw;
  for (let k = 0; k < steps.length; k++) {
    const dst = k === steps.length - 1 ? out : (cur === raw || cur === out ? scratch() : out);
    if (steps[k] === DEFLATE) {
      deflateDecode("zlib", cur, n, dst.subarray(0, n));
    } else {
      if (cur.length !== n) {
        throw new Error(`a shuffled chunk of ${cur.length} bytes, expected ${n}`);
      }
      unshuffle(typesize, n, cur, dst, 0);
    }
    cur = dst.subarray(0, n);
  }
  if (steps.length === 0) {
    if (raw.length !== n) {
      throw new Error(`an unfiltered chunk of ${raw.length} bytes, expected ${n}`);
    }
    out.set(raw);
  }
}

/** The destination view of a part of the region's array `out`. */
function destOf(out: NDArray, p: ChunkPart): NDArray {
  const strides = out.strides;
  let off = out.offset;
  for (let k = 0; k < p.at.length; k++) off += p.at[k] * strides[k];
  return new NDArray(out.dtype, out.data as never, p.counts, strides, off);
}

/** Copies a part of a decoded chunk (`data`: the chunk's elements) into `out`. */
export function copyPart(plan: DirectPlan, data: AnyTypedArray, p: ChunkPart, out: NDArray): void {
  const cs = plan.chunks;
  const cstr = new Array<number>(cs.length);
  let s = 1;
  for (let k = cs.length - 1; k >= 0; k--) {
    cstr[k] = s;
    s *= cs[k];
  }
  let off = 0;
  for (let k = 0; k < cs.length; k++) off += p.local[k] * cstr[k];
  const strides = cstr.map((c, k) => c * p.step[k]);
  copyInto(destOf(out, p), new NDArray(plan.dtype, data as never, p.counts, strides, off));
}

/** Fills a part of `out` with the fill value (a chunk never written). */
function fillPart(plan: DirectPlan, p: ChunkPart, out: NDArray): void {
  copyInto(destOf(out, p), full([], plan.fill as never, plan.dtype));
}

const sizeBuf = new BigUint64Array(1);
const maskBuf = new Uint32Array(1);
const addrBuf = new BigUint64Array(1);

/** Stored size of a chunk (0: never written). */
function storedSize(id: Hid, origin: number[], ctx: { file: string; object: string }): number {
  const fn = hdf5().fn;
  sizeBuf[0] = 0n;
  check(
    fn.H5Dget_chunk_info_by_coord!(id, hsize(origin), maskBuf, addrBuf, sizeBuf),
    "H5Dget_chunk_info_by_coord",
    ctx,
  );
  return Number(sizeBuf[0]);
}

/** Reads a stored chunk into `buf` (at least `size` bytes), giving its filter mask. */
function readRaw(
  id: Hid,
  origin: number[],
  buf: Uint8Array,
  ctx: { file: string; object: string },
): number {
  check(hdf5().fn.H5Dread_chunk!(id, 0n, hsize(origin), maskBuf, buf), "H5Dread_chunk", ctx);
  return maskBuf[0];
}

function corrupt(ctx: { file: string; object: string }, p: ChunkPart, e: unknown): FormatError {
  return new FormatError(
    ctx.file,
    `dataset "${ctx.object}": chunk at [${p.origin.join(",")}] cannot be decoded: ${
      (e as Error)?.message ?? String(e)
    }`,
  );
}

function regionShaped(out: NDArray, r: Region): NDArray {
  return out.shape.length === r.count.length && out.shape.every((d, k) => d === r.count[k])
    ? out
    : out.reshape(r.count);
}

let rawSpare: Uint8Array = new Uint8Array(0);
let scratchSpare: Uint8Array = new Uint8Array(0);
let decodedSpare: Uint8Array = new Uint8Array(0);
function grow(b: Uint8Array, n: number): Uint8Array {
  return b.length >= n ? b : new Uint8Array(n);
}

/** Reads region `r` of a dataset into `out` (C-contiguous, the region's shape) in this thread. */
export function readDirect(
  id: Hid,
  plan: DirectPlan,
  r: Region,
  out: NDArray,
  ctx: { file: string; object: string },
): void {
  out = regionShaped(out, r);
  const n = plan.chunkBytes;
  decodedSpare = grow(decodedSpare, n);
  const decoded = decodedSpare.subarray(0, n);
  const Ctor = DTYPES[plan.dtype].array;
  const data = new Ctor(
    decoded.buffer as ArrayBuffer,
    0,
    n / DTYPES[plan.dtype].bytes,
  ) as AnyTypedArray;
  for (const p of chunkParts(r, plan.chunks)) {
    const size = storedSize(id, p.origin, ctx);
    if (size === 0) {
      fillPart(plan, p, out);
      continue;
    }
    rawSpare = grow(rawSpare, size);
    const raw = rawSpare.subarray(0, size);
    const mask = readRaw(id, p.origin, raw, ctx);
    try {
      decodeChunk(raw, mask, plan.pipeline, plan.typesize, decoded, () => {
        scratchSpare = grow(scratchSpare, n);
        return scratchSpare;
      });
    } catch (e) {
      throw corrupt(ctx, p, e);
    }
    copyPart(plan, data, p, out);
  }
}

/** A job of io/_hdf5_worker.ts: decode `raw` (shared) into `out` (shared). */
export interface H5DecodeJob {
  readonly h5: true;
  readonly raw: Uint8Array;
  readonly mask: number;
  readonly pipeline: readonly number[];
  readonly typesize: number;
  readonly out: Uint8Array;
}

const WORKER_URL = new URL("./_hdf5_worker.ts", import.meta.url);
let pool: WorkerPool | undefined;

/** The decode workers of direct HDF5 reads: the thread count (1: none). */
export function workerCount(): number {
  const n = threadCount();
  return n <= 1 ? 0 : n;
}

/**
 * The decode workers of direct HDF5 reads (core/threads.ts; null with one
 * thread). Not started here: a pool started with no job never stops (its idle
 * timer starts with a job), and a live worker keeps the process from
 * exiting (a read whose chunks were all never written hung at exit); a job
 * no worker can take comes back UNAVAILABLE and is done in this thread.
 */
export function workers(): WorkerPool | null {
  const n = workerCount();
  if (n === 0) return null;
  if (pool !== undefined && pool.size !== n) {
    pool.close();
    pool = undefined;
  }
  pool ??= new WorkerPool(WORKER_URL, n);
  return pool;
}

/** Reads use the decode workers only for chunks at least this large (as io/zarr.ts). */
export const DIRECT_WORKER_MIN_CHUNK = 256 << 10;

/** Bytes direct reads of a dataset hold in this thread: the stored, scratch and decoded chunk. */
export function directDecoderBytes(plan: DirectPlan): number {
  return 3 * plan.chunkBytes;
}

/**
 * Bytes the decode workers hold, for the planner: per worker its heap and
 * scratch chunk (measured: two workers raised a 16 MiB-budget reduce over
 * 648 KB chunks from 116 to 149 MiB peak RSS), and the stored and decoded
 * chunk of each read in flight (2 per worker).
 */
export function directWorkerBytes(plan: DirectPlan): number {
  const c = plan.chunkBytes;
  const w = workerCount();
  return w * ((12 << 20) + c) + 2 * w * 2 * c;
}

interface Slot {
  raw: Uint8Array;
  out: Uint8Array;
}

/** Shared chunk buffers kept from one read to the next (fresh ones per read were garbage). */
const slotSpare: Slot[] = [];

/**
 * Reads region `r` into `out`, decoding chunks on the decode workers while
 * this thread reads the next stored chunks and copies decoded ones out
 * (without a worker: decodes here).
 */
export async function readDirectAsync(
  id: Hid,
  plan: DirectPlan,
  r: Region,
  out: NDArray,
  ctx: { file: string; object: string },
  threads = true,
): Promise<void> {
  out = regionShaped(out, r);
  const parts = chunkParts(r, plan.chunks);
  const pool = threads && parts.length >= 1 ? workers() : null;
  if (pool === null) return readDirect(id, plan, r, out, ctx);
  await readParts(id, plan, parts, out, ctx, pool);
}

async function readParts(
  id: Hid,
  plan: DirectPlan,
  parts: ChunkPart[],
  out: NDArray,
  ctx: { file: string; object: string },
  pool: WorkerPool,
): Promise<void> {
  const n = plan.chunkBytes;
  const Ctor = DTYPES[plan.dtype].array;
  const free = slotSpare;
  const window = 2 * pool.size;
  const inflight = new Set<Promise<void>>();
  let failed: unknown = null;
  for (const p of parts) {
    const size = storedSize(id, p.origin, ctx);
    if (size === 0) {
      fillPart(plan, p, out);
      continue;
    }
    while (inflight.size >= window) await Promise.race(inflight);
    if (failed !== null) break;
    let slot = free.pop();
    if (slot !== undefined && slot.out.length !== n) slot = undefined;
    if (slot === undefined) {
      slot = {
        raw: new Uint8Array(new SharedArrayBuffer(size)),
        out: new Uint8Array(new SharedArrayBuffer(n)),
      };
    } else if (slot.raw.length < size) slot.raw = new Uint8Array(new SharedArrayBuffer(size));
    const s = slot;
    const raw = s.raw.subarray(0, size);
    const mask = readRaw(id, p.origin, raw, ctx);
    const job: H5DecodeJob = {
      h5: true,
      raw,
      mask,
      pipeline: plan.pipeline,
      typesize: plan.typesize,
      out: s.out,
    };
    const task = pool.run({ ...job }).then((reply) => {
      if (reply.error === UNAVAILABLE) {
        // the worker died: decode here
        try {
          decodeChunk(raw, mask, plan.pipeline, plan.typesize, s.out, () => new Uint8Array(n));
        } catch (e2) {
          throw corrupt(ctx, p, e2);
        }
      } else if (reply.error !== undefined) throw corrupt(ctx, p, new Error(reply.error));
    }).then(() => {
      copyPart(
        plan,
        new Ctor(s.out.buffer as ArrayBuffer, 0, n / DTYPES[plan.dtype].bytes) as AnyTypedArray,
        p,
        out,
      );
    }).catch((e) => {
      failed ??= e;
    }).finally(() => {
      if (free.length < window) free.push(s); // the reads in flight: as directWorkerBytes counts
      inflight.delete(task);
    });
    inflight.add(task);
  }
  await Promise.all(inflight);
  if (failed !== null) throw failed;
}
