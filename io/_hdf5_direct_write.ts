// Direct chunk writes of compressed HDF5 datasets, the mirror image of
// io/_hdf5_direct.ts: for a chunked dataset whose filter pipeline is deflate,
// with or without shuffle before it, every chunk a write covers whole (up to
// the dataset's edge) is copied into a shared buffer of the full chunk size
// (an edge chunk padded with the fill value, as libhdf5 pads it), shuffled and
// deflated (zlib streams, libdeflate) on the encode workers
// (io/_encode_pool.ts), and written as stored with H5Dwrite_chunk (HDF5 >=
// 1.10.3) and filter mask 0: the file holds the same filters and values as
// libhdf5's own pipeline would write. Chunks covered in part go through
// H5Dwrite (read-modify-write inside libhdf5), after the chunks in flight.
// Anything else (fletcher32 or another filter, a converted type, a strided
// region, parallel transfers, no libdeflate or no H5Dwrite_chunk, or
// `TESSERA_HDF5_DIRECT=0`) keeps the H5Dwrite path (io/hdf5_dataset.ts).
//
// Under MPI the dataset is written through the collective path of
// io/_hdf5_mpi.ts: chunk allocation there is a collective metadata operation
// that H5Dwrite_chunk (independent, one rank) does not take part in.

import { type DType, DTYPES, isComplex, type Scalar } from "../core/dtype.ts";
import { copyInto, full, NDArray } from "../core/ndarray.ts";
import { optionalEnv } from "../core/permissions.ts";
import { check, H5P_DEFAULT, hdf5, type Hid, hsize } from "../ffi/hdf5.ts";
import type { Region, RegionLike } from "./region.ts";
import { chunkParts, storedAs } from "./_hdf5_direct.ts";
import {
  ChunkSlots,
  encodeH5Chunk,
  type EncodeQueue,
  ENCODES_PER_THREAD,
  runEncode,
} from "./_encode_pool.ts";
import { threadCount } from "../core/threads.ts";
import { nativeCodecAvailable } from "./_native_codecs.ts";

const DEFLATE = 1;
const SHUFFLE = 2;
/** libhdf5's default deflate level when a filter records none (H5Pset_deflate always does). */
const DEFAULT_LEVEL = 6;

/** @internal Test hook: chunks written directly (H5Dwrite_chunk) since the process started. */
export const _directWriteStats: { chunks: number } = { chunks: 0 };

/** How to write one dataset's chunks directly. */
export interface WritePlan {
  readonly dtype: DType;
  readonly chunks: readonly number[];
  /** Filter ids in pipeline order (shuffle 2, deflate 1). */
  readonly pipeline: readonly number[];
  readonly typesize: number;
  readonly level: number;
  readonly chunkBytes: number;
  /** What the part of an edge chunk outside the dataset holds. */
  readonly fill: Scalar;
  readonly slots: ChunkSlots;
}

/** The dataset facts {@link directWritePlan} needs (a subset of H5DatasetInfo). */
export interface DirectWriteInfo {
  readonly dtype: DType;
  readonly layout: string;
  readonly chunks: readonly number[] | null;
  readonly filters: readonly { readonly id: number; readonly values: readonly number[] }[];
  readonly fillValue: Scalar | null;
}

/**
 * The plan of direct chunk writes for a dataset, or null when it writes
 * through H5Dwrite (see the module's comment for when).
 */
export function directWritePlan(
  id: Hid,
  info: DirectWriteInfo,
  memType: Hid,
  dxpl: Hid | null,
): WritePlan | null {
  const v = optionalEnv("TESSERA_HDF5_DIRECT");
  if (v === "0" || v?.toLowerCase() === "false") return null;
  if (dxpl !== null || info.layout !== "chunked" || info.chunks === null) return null;
  if (info.dtype === "bool" || isComplex(info.dtype)) return null;
  const ids = info.filters.map((f) => f.id);
  if (!ids.includes(DEFLATE) || ids.some((f) => f !== DEFLATE && f !== SHUFFLE)) return null;
  const fn = hdf5().fn;
  if (fn.H5Dwrite_chunk === null) return null;
  if (!nativeCodecAvailable("deflate")) return null;
  if (!storedAs(id, memType)) return null; // stored big-endian, converted, ...
  const bytes = DTYPES[info.dtype].bytes;
  const chunkBytes = info.chunks.reduce((a, b) => a * b, bytes);
  if (chunkBytes > 2 ** 31 - 1 || chunkBytes === 0) return null;
  const shuffle = info.filters.find((f) => f.id === SHUFFLE);
  const deflate = info.filters.find((f) => f.id === DEFLATE)!;
  return {
    dtype: info.dtype,
    chunks: [...info.chunks],
    pipeline: ids,
    typesize: shuffle?.values[0] ?? bytes,
    level: deflate.values[0] ?? DEFAULT_LEVEL,
    chunkBytes,
    fill: info.fillValue ?? 0,
    slots: new ChunkSlots(chunkBytes, ENCODES_PER_THREAD * threadCount() + 1),
  };
}

/** C strides (elements) of a chunk. */
function cStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let step = 1;
  for (let k = shape.length - 1; k >= 0; k--) {
    s[k] = step;
    step *= shape[k];
  }
  return s;
}

/** The view of `a` (the region's array) a chunk part covers. */
function partOf(a: NDArray, at: readonly number[], counts: readonly number[]): NDArray {
  let off = a.offset;
  for (let k = 0; k < at.length; k++) off += at[k] * a.strides[k];
  return new NDArray(a.dtype, a.data as never, [...counts], a.strides, off);
}

/**
 * Writes `array` (the dataset's dtype, shape `r.count`, unit steps) at region
 * `r` of a dataset of shape `shape`: whole chunks encoded and written
 * directly through `queue` (in flight when this returns; `queue.flush()`
 * waits), partial ones by `fallback` (H5Dwrite) once the queue is drained.
 */
export async function writeDirect(
  id: Hid,
  plan: WritePlan,
  shape: readonly number[],
  r: Region,
  array: NDArray,
  queue: EncodeQueue,
  fallback: (region: Region, part: NDArray) => void,
  ctx: { file: string; object: string },
): Promise<void> {
  const cs = plan.chunks;
  const strides = cStrides(cs);
  const Ctor = DTYPES[plan.dtype].array;
  const fn = hdf5().fn;
  for (const p of chunkParts(r, cs)) {
    const src = partOf(array, p.at, p.counts);
    const edge = p.counts.map((_c, k) => Math.min(cs[k], shape[k] - p.origin[k]));
    const whole = p.local.every((l) => l === 0) && p.counts.every((c, k) => c === edge[k]);
    if (!whole) {
      await queue.flush();
      fallback(
        { start: p.origin.map((o, k) => o + p.local[k]), step: p.step, count: p.counts },
        src,
      );
      continue;
    }
    const slot = plan.slots.take();
    const data = new Ctor(
      slot.buffer as ArrayBuffer,
      0,
      plan.chunkBytes / DTYPES[plan.dtype].bytes,
    );
    const chunk = new NDArray(plan.dtype, data as never, [...cs], strides, 0);
    if (p.counts.some((c, k) => c < cs[k])) {
      copyInto(chunk, full([], plan.fill as never, plan.dtype)); // padded as libhdf5 pads
    }
    copyInto(new NDArray(plan.dtype, data as never, p.counts, strides, 0), src);
    const origin = hsize(p.origin);
    await queue.submit(
      p.origin.join(","),
      () =>
        runEncode(
          {
            kind: "h5",
            data: slot,
            pipeline: plan.pipeline,
            typesize: plan.typesize,
            level: plan.level,
          },
          true,
          () => encodeH5Chunk(slot, plan.pipeline, plan.typesize, plan.level),
        ),
      (bytes) => {
        check(
          fn.H5Dwrite_chunk!(id, H5P_DEFAULT, 0, origin, BigInt(bytes.length), bytes),
          "H5Dwrite_chunk",
          ctx,
        );
        _directWriteStats.chunks++;
      },
      () => plan.slots.give(slot),
    );
  }
}

/** What {@link writeQueued} needs of a dataset (io/hdf5_dataset.ts). */
export interface DirectSink {
  readonly id: Hid;
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly ctx: { file: string; object: string };
  /** The region of a write (validated). */
  region(r: RegionLike): Region;
  /** A write through H5Dwrite. */
  writeSync(r: RegionLike, a: NDArray): void;
}

/** Whether an array fits a region's shape (axes of length 1 may be left out). */
function fitsRegion(shape: readonly number[], count: readonly number[]): boolean {
  const a = shape.filter((n) => n !== 1), b = count.filter((n) => n !== 1);
  return a.length === b.length && a.every((n, k) => n === b[k]);
}

/**
 * A dataset write: directly (`plan`, the array of the dataset's dtype, unit
 * steps) or through H5Dwrite once the chunks in flight are written. Queued:
 * returns with chunks in flight (`queue.flush()` waits); else once written.
 */
export async function writeQueued(
  plan: WritePlan | null,
  queue: EncodeQueue,
  sink: DirectSink,
  region: RegionLike,
  array: NDArray,
  queued: boolean,
): Promise<void> {
  const ok = plan !== null && array instanceof NDArray && array.dtype === sink.dtype;
  const r = ok ? sink.region(region) : null;
  if (!ok || r === null || r.step.some((s) => s !== 1) || !fitsRegion(array.shape, r.count)) {
    await queue.flush(); // nothing in flight may land after this write (the same chunk)
    sink.writeSync(region, array);
    return;
  }
  if (array.size === 0) return;
  const a = array.shape.length === r.count.length ? array : array.reshape(r.count);
  try {
    await writeDirect(sink.id, plan, sink.shape, r, a, queue, sink.writeSync, sink.ctx);
  } finally {
    if (!queued) await queue.flush();
  }
}
