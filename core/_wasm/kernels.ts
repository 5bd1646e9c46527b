// WebAssembly SIMD reduction kernels over float32/float64 views, emitted at
// run time (see _gen.ts) and run on the shared arena memory (arena.ts).
//
// Summation scheme (sum, sumSqDev): every float64 lane sums at most 256
// values (blocks of 2048 elements over 8 lanes), block sums are combined
// with Neumaier's compensated addition. Error bound, relative to the sum of
// |terms|: about 260 ulp of float64 (~3e-14), independent of the length.
// Row kernels (addRows, sumSqDevRows): per column, groups of 64 rows are
// summed in order in float64, group sums are Neumaier-added into
// (acc, comp): error ~ 70 ulp of float64 relative to the sum of |terms|.
//
// Views already in wasm memory (regions of `wasmArena()`) are used in place;
// any other view is copied in 64 KiB chunks through a scratch region, with
// bit-identical results (chunks are whole blocks / whole row groups).

import { type ArenaSpan, ensureInWasm, type WasmArena, wasmArena } from "./arena.ts";
import { BLOCK, reductionModule, ROW_GROUP, TILE } from "./_gen.ts";

export { compileMap, type MapExpr, type MapKernel } from "./map.ts";

/**
 * The raw exports of the reduction module. Pointers are byte addresses in
 * the arena's memory; `end` is one past the last byte. Sums take and return
 * the Neumaier state (s, comp) so they can be chained and merged; finish
 * with {@link finishSum}.
 */
export interface ReductionExports {
  sumF32(p: number, end: number, s: number, comp: number): [number, number];
  sumF64(p: number, end: number, s: number, comp: number): [number, number];
  ssdF32(p: number, end: number, s: number, comp: number, mean: number): [number, number];
  ssdF64(p: number, end: number, s: number, comp: number, mean: number): [number, number];
  minmaxF32(p: number, end: number): [number, number];
  minmaxF64(p: number, end: number): [number, number];
  rowsF32(a: number, rows: number, cols: number, acc: number, comp: number, scr: number): void;
  rowsF64(a: number, rows: number, cols: number, acc: number, comp: number, scr: number): void;
  ssdRowsF32(
    a: number,
    rows: number,
    cols: number,
    acc: number,
    comp: number,
    scr: number,
    mean: number,
  ): void;
  ssdRowsF64(
    a: number,
    rows: number,
    cols: number,
    acc: number,
    comp: number,
    scr: number,
    mean: number,
  ): void;
}

const INSTANCES = new WeakMap<WasmArena, ReductionExports>();

/**
 * The reduction kernels instantiated on `arena`'s memory (compiled once per
 * arena), for callers that hold pointers into the arena.
 *
 * @param arena The arena (default {@link wasmArena}).
 * @returns The module's exports.
 */
export function reductionKernels(arena: WasmArena = wasmArena()): ReductionExports {
  let k = INSTANCES.get(arena);
  if (!k) {
    const mod = new WebAssembly.Module(reductionModule(arena.maximumPages, arena.shared));
    const inst = new WebAssembly.Instance(mod, { env: { memory: arena.memory } });
    k = inst.exports as unknown as ReductionExports;
    INSTANCES.set(arena, k);
  }
  return k;
}

/**
 * The value of a Neumaier state: `s + comp`, or `s` itself when it is not
 * finite (an infinite or NaN sum makes `comp` NaN).
 *
 * @param s Running sum.
 * @param comp Running compensation.
 * @returns The compensated sum.
 */
export function finishSum(s: number, comp: number): number {
  return Number.isFinite(s) ? s + comp : s;
}

/** Bytes copied per chunk when a view is not in wasm memory. */
const CHUNK_BYTES = 1 << 16;
if (CHUNK_BYTES % (BLOCK * 8) !== 0) throw new Error("CHUNK_BYTES must hold whole blocks");

type FloatArray = Float32Array | Float64Array;

function sumState(
  a: FloatArray,
  kernel: "sum" | "ssd",
  mean: number,
): [number, number] {
  const arena = wasmArena();
  const k = reductionKernels(arena);
  const fn = k[`${kernel}${a instanceof Float32Array ? "F32" : "F64"}`];
  if (arena.contains(a)) return fn(a.byteOffset, a.byteOffset + a.byteLength, 0, 0, mean);
  const region = arena.alloc(CHUNK_BYTES);
  try {
    const step = CHUNK_BYTES / a.BYTES_PER_ELEMENT;
    const view = region.view(a.constructor as typeof Float64Array, step) as FloatArray;
    let s = 0, c = 0;
    for (let i = 0; i < a.length; i += step) {
      const part = a.subarray(i, i + step);
      view.set(part);
      [s, c] = fn(region.ptr, region.ptr + part.byteLength, s, c, mean);
    }
    return [s, c];
  } finally {
    region.free();
  }
}

/**
 * Sum of a float32 array, accumulated in float64 (blocked lanes, compensated
 * block combine; error ~3e-14 of the sum of |x|).
 *
 * @param a The values (any view; copied in chunks when not in wasm memory).
 * @returns The sum; NaN if any NaN, +-Infinity like a plain sum.
 */
export function sumF32(a: Float32Array): number {
  return finishSum(...sumState(a, "sum", 0));
}

/**
 * Sum of a float64 array (blocked lanes, compensated block combine).
 *
 * @param a The values.
 * @returns The sum.
 */
export function sumF64(a: Float64Array): number {
  return finishSum(...sumState(a, "sum", 0));
}

/**
 * Sum of (x - mean)^2 over a float32 array, in float64, same scheme as
 * {@link sumF32}.
 *
 * @param a The values.
 * @param mean The mean to subtract.
 * @returns The sum of squared deviations.
 */
export function sumSqDevF32(a: Float32Array, mean: number): number {
  return finishSum(...sumState(a, "ssd", mean));
}

/**
 * Sum of (x - mean)^2 over a float64 array.
 *
 * @param a The values.
 * @param mean The mean to subtract.
 * @returns The sum of squared deviations.
 */
export function sumSqDevF64(a: Float64Array, mean: number): number {
  return finishSum(...sumState(a, "ssd", mean));
}

function minMax(a: FloatArray): [number, number] {
  const arena = wasmArena();
  const k = reductionKernels(arena);
  const fn = a instanceof Float32Array ? k.minmaxF32 : k.minmaxF64;
  if (arena.contains(a)) return fn(a.byteOffset, a.byteOffset + a.byteLength);
  const region = arena.alloc(CHUNK_BYTES);
  try {
    const step = CHUNK_BYTES / a.BYTES_PER_ELEMENT;
    const view = region.view(a.constructor as typeof Float64Array, step) as FloatArray;
    let mn = Infinity, mx = -Infinity;
    for (let i = 0; i < a.length; i += step) {
      const part = a.subarray(i, i + step);
      view.set(part);
      const [lo, hi] = fn(region.ptr, region.ptr + part.byteLength);
      mn = Math.min(mn, lo);
      mx = Math.max(mx, hi);
    }
    return [mn, mx];
  } finally {
    region.free();
  }
}

/**
 * Minimum and maximum of a float32 array. Any NaN gives [NaN, NaN] (like
 * NumPy); an empty array gives [Infinity, -Infinity] (the identities, so
 * partial results merge with Math.min/Math.max). Which zero is returned when
 * -0 and +0 tie is unspecified.
 *
 * @param a The values.
 * @returns [min, max].
 */
export function minMaxF32(a: Float32Array): [number, number] {
  return minMax(a);
}

/**
 * Minimum and maximum of a float64 array (see {@link minMaxF32}).
 *
 * @param a The values.
 * @returns [min, max].
 */
export function minMaxF64(a: Float64Array): [number, number] {
  return minMax(a);
}

function rows(
  a: FloatArray,
  cols: number,
  acc: Float64Array,
  comp: Float64Array | undefined,
  mean: Float64Array | null,
): void {
  if (!Number.isInteger(cols) || cols <= 0 || a.length % cols !== 0) {
    throw new RangeError(`Invalid column count ${cols} for ${a.length} elements`);
  }
  if (acc.length < cols || (comp && comp.length < cols) || (mean && mean.length < cols)) {
    throw new RangeError(`Accumulator vectors must hold ${cols} elements`);
  }
  const nrows = a.length / cols;
  const arena = wasmArena();
  const k = reductionKernels(arena);
  const d = a instanceof Float32Array ? "F32" : "F64";
  const regions: (ArenaSpan | null)[] = [];
  try {
    const accW = ensureInWasm(acc.subarray(0, cols), arena);
    regions.push(accW.region);
    let compW;
    if (comp) compW = ensureInWasm(comp.subarray(0, cols), arena);
    else {
      const r = arena.alloc(cols * 8);
      compW = { view: r.view(Float64Array, cols), ptr: r.ptr, region: r };
      compW.view.fill(0);
    }
    regions.push(compW.region);
    const meanW = mean ? ensureInWasm(mean.subarray(0, cols), arena) : null;
    regions.push(meanW?.region ?? null);
    const scr = arena.alloc(Math.min(cols, TILE) * 8);
    regions.push(scr);
    const run = (ptr: number, n: number): void => {
      if (meanW) {
        k[`ssdRows${d}`](ptr, n, cols, accW.ptr, compW.ptr, scr.ptr, meanW.ptr);
      } else k[`rows${d}`](ptr, n, cols, accW.ptr, compW.ptr, scr.ptr);
    };
    if (arena.contains(a)) run(a.byteOffset, nrows);
    else {
      const rowBytes = cols * a.BYTES_PER_ELEMENT;
      const groups = Math.max(1, Math.floor((16 * CHUNK_BYTES) / (ROW_GROUP * rowBytes)));
      const step = groups * ROW_GROUP;
      const region = arena.alloc(step * rowBytes);
      regions.push(region);
      const view = region.view(a.constructor as typeof Float64Array, step * cols) as FloatArray;
      for (let r = 0; r < nrows; r += step) {
        const part = a.subarray(r * cols, Math.min(nrows, r + step) * cols);
        view.set(part);
        run(region.ptr, part.length / cols);
      }
    }
    if (comp) {
      if (compW.region) comp.set(compW.view);
      if (accW.region) acc.set(accW.view);
    } else {
      const av = accW.view, cv = compW.view;
      for (let j = 0; j < cols; j++) acc[j] = finishSum(av[j], cv[j]);
    }
  } finally {
    for (const r of regions) r?.free();
  }
}

/**
 * Column sums of a C-contiguous [rows, cols] float32 block, added into a
 * float64 accumulator: acc[j] += sum over r of a[r*cols + j]. Rows are summed
 * in groups of 64 in float64, group sums are Neumaier-added into (acc, comp).
 * Pass the same `comp` (zeros at first) to every call of a long reduction and
 * finish with `finishSum(acc[j], comp[j])`; without `comp`, each call's
 * compensation is folded into `acc` on return.
 *
 * @param a The block, rows * cols values.
 * @param cols Row length.
 * @param acc Running column sums (length >= cols), updated in place.
 * @param comp Running compensations (length >= cols), updated in place.
 */
export function addRowsF32(
  a: Float32Array,
  cols: number,
  acc: Float64Array,
  comp?: Float64Array,
): void {
  rows(a, cols, acc, comp, null);
}

/**
 * Column sums of a C-contiguous [rows, cols] float64 block (see
 * {@link addRowsF32}).
 *
 * @param a The block.
 * @param cols Row length.
 * @param acc Running column sums, updated in place.
 * @param comp Running compensations, updated in place.
 */
export function addRowsF64(
  a: Float64Array,
  cols: number,
  acc: Float64Array,
  comp?: Float64Array,
): void {
  rows(a, cols, acc, comp, null);
}

/**
 * acc[j] += sum over rows of (a[r*cols + j] - mean[j])^2 for a C-contiguous
 * float32 block (var/std over axis 0); same scheme as {@link addRowsF32}.
 *
 * @param a The block.
 * @param cols Row length.
 * @param mean Column means (length >= cols).
 * @param acc Running sums, updated in place.
 * @param comp Running compensations, updated in place.
 */
export function sumSqDevRowsF32(
  a: Float32Array,
  cols: number,
  mean: Float64Array,
  acc: Float64Array,
  comp?: Float64Array,
): void {
  rows(a, cols, acc, comp, mean);
}

/**
 * Float64 version of {@link sumSqDevRowsF32}.
 *
 * @param a The block.
 * @param cols Row length.
 * @param mean Column means.
 * @param acc Running sums, updated in place.
 * @param comp Running compensations, updated in place.
 */
export function sumSqDevRowsF64(
  a: Float64Array,
  cols: number,
  mean: Float64Array,
  acc: Float64Array,
  comp?: Float64Array,
): void {
  rows(a, cols, acc, comp, mean);
}
