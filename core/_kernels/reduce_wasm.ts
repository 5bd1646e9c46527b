// The summation schemes of the float32/float64 reductions (sum, mean, var,
// std, min, max), run by the WebAssembly SIMD kernels of ../_wasm/ when the
// data lies in wasm arena memory, and by plain-JS replicas of the same
// arithmetic otherwise. The replicas give the kernels' bits exactly (same
// additions in the same order, in float64), so a state never depends on
// where a block's buffer lives, and the path is chosen by speed alone:
//
// - arena data: the wasm kernels in place (sum ~25 GB/s, sumSqDev ~18 GB/s).
// - other data: copying into wasm memory first costs more than it saves for
//   the 1-D sums (measured: copy + wasm 7.2 GB/s, JS replica 8.9 GB/s for
//   float32), so the replicas run; row sums copy into the arena when that is
//   faster (ROWS_COPY).
//
// Schemes (documented in ../_wasm/kernels.ts):
// - runs (the reduced axis is innermost): blocks of BLOCK elements over 8
//   float64 lanes (element i to lane i % 8), lanes combined as
//   ((l0+l2)+(l4+l6))+((l1+l3)+(l5+l7)) and Neumaier-added into (s, c); the
//   last n % 8 elements summed in order and Neumaier-added last.
// - rows (a kept axis is innermost): per slot, groups of ROW_GROUP rows summed
//   in row order in float64, group sums Neumaier-added into (s, c).
// - var/std: two passes (sum, then squared deviations from the tile's mean)
//   over tiles of VAR_TILE elements of a run, or VAR_ROWS rows of a vector,
//   merged with Chan et al.'s formula.

import { type ArenaSpan, wasmArena } from "../_wasm/arena.ts";
import { reductionKernels } from "../_wasm/kernels.ts";
import { BLOCK, ROW_GROUP } from "../_wasm/_gen.ts";

/** The element arrays the wasm kernels handle. */
export type FloatData = Float32Array | Float64Array;

/** Whether the walker's data array is float32/float64 (the wasm schemes apply). */
export function isFloatData(d: unknown): d is FloatData {
  return d instanceof Float32Array || d instanceof Float64Array;
}

/** Elements of a run per two-pass variance tile (L2-resident: 128/256 KiB). */
export const VAR_TILE = 32768;
/** Rows per two-pass variance chunk of an outer reduction (a multiple of ROW_GROUP). */
export const VAR_ROWS = 4 * ROW_GROUP;
/** Runs shorter than this use the JS replica even in arena memory (call overhead). */
const WASM_MIN = 256;
/**
 * Which helpers copy non-arena data into arena scratch for the wasm kernels
 * (otherwise the JS replicas run). The bits are the same either way; the
 * choice is by speed (bench/reduce_bench.ts). Mutable for measurement only.
 */
export const WASM_COPY = { sum: false, moments: true, minmax: true, rows: true };
/** Elements per scratch copy of min/max. */
const MINMAX_CHUNK = 1 << 15;
/** Bytes of data copied into the arena per rows-kernel call. */
const ROWS_CHUNK = 1 << 20;

// ---- Neumaier state shared by the helpers (single-threaded, no re-entrancy)

let S = 0;
let C = 0;

function nm(x: number): void {
  const t = S + x;
  C += Math.abs(S) >= Math.abs(x) ? (S - t) + x : (x - t) + S;
  S = t;
}

/** Result of the last {@link blockedSum}: the Neumaier pair (s, c). */
export const SUM_OUT = new Float64Array(2);

// ---- scratch in the arena

let scr: ArenaSpan | null = null;
/** A scratch region of at least `bytes` (reused; contents undefined). */
function scratchRegion(bytes: number): ArenaSpan {
  if (scr === null || scr.bytes < bytes) {
    scr?.free();
    scr = wasmArena().alloc(Math.max(bytes, 1 << 16));
  }
  return scr;
}

function f64At(ptr: number, n: number): Float64Array {
  return new Float64Array(wasmArena().memory.buffer, ptr, n);
}

// ---- runs: blocked sums

function jsSumContig(t: FloatData): void {
  const n = t.length;
  const full = n - (n % 8);
  for (let b0 = 0; b0 < full; b0 += BLOCK) {
    const u = t.subarray(b0, Math.min(b0 + BLOCK, full));
    let l0 = 0, l1 = 0, l2 = 0, l3 = 0, l4 = 0, l5 = 0, l6 = 0, l7 = 0;
    for (let i = 0; i < u.length; i += 8) {
      l0 += u[i];
      l1 += u[i + 1];
      l2 += u[i + 2];
      l3 += u[i + 3];
      l4 += u[i + 4];
      l5 += u[i + 5];
      l6 += u[i + 6];
      l7 += u[i + 7];
    }
    nm(((l0 + l2) + (l4 + l6)) + ((l1 + l3) + (l5 + l7)));
  }
  let x = 0;
  for (let i = full; i < n; i++) x += t[i];
  nm(x);
}

function jsSsdContig(t: FloatData, m: number): void {
  const n = t.length;
  const full = n - (n % 8);
  for (let b0 = 0; b0 < full; b0 += BLOCK) {
    const u = t.subarray(b0, Math.min(b0 + BLOCK, full));
    let l0 = 0, l1 = 0, l2 = 0, l3 = 0, l4 = 0, l5 = 0, l6 = 0, l7 = 0;
    for (let i = 0; i < u.length; i += 8) {
      const y0 = u[i] - m, y1 = u[i + 1] - m, y2 = u[i + 2] - m, y3 = u[i + 3] - m;
      const y4 = u[i + 4] - m, y5 = u[i + 5] - m, y6 = u[i + 6] - m, y7 = u[i + 7] - m;
      l0 += y0 * y0;
      l1 += y1 * y1;
      l2 += y2 * y2;
      l3 += y3 * y3;
      l4 += y4 * y4;
      l5 += y5 * y5;
      l6 += y6 * y6;
      l7 += y7 * y7;
    }
    nm(((l0 + l2) + (l4 + l6)) + ((l1 + l3) + (l5 + l7)));
  }
  let x = 0;
  for (let i = full; i < n; i++) {
    const y = t[i] - m;
    x += y * y;
  }
  nm(x);
}

function jsStrided(d: FloatData, off: number, n: number, ds: number, sq: boolean, m: number): void {
  const full = n - (n % 8);
  const l = [0, 0, 0, 0, 0, 0, 0, 0];
  let o = off;
  for (let b0 = 0; b0 < full; b0 += BLOCK) {
    const b1 = Math.min(b0 + BLOCK, full);
    l.fill(0);
    for (let i = b0; i < b1; i++, o += ds) {
      const y = sq ? (d[o] - m) * (d[o] - m) : d[o];
      l[i & 7] += y;
    }
    nm(((l[0] + l[2]) + (l[4] + l[6])) + ((l[1] + l[3]) + (l[5] + l[7])));
  }
  let x = 0;
  for (let i = full; i < n; i++, o += ds) x += sq ? (d[o] - m) * (d[o] - m) : d[o];
  nm(x);
}

/**
 * Adds the run `d[off + i * ds]` (i < n), or its squared deviations from
 * `mean` when `sq`, into the Neumaier pair (s, c) with the blocked scheme.
 * The result is left in {@link SUM_OUT}.
 */
export function blockedSum(
  d: FloatData,
  off: number,
  n: number,
  ds: number,
  s: number,
  c: number,
  sq: boolean,
  mean: number,
): void {
  if (ds === 1 && n >= WASM_MIN) {
    const arena = wasmArena();
    if (arena.contains(d)) {
      const k = reductionKernels(arena);
      const p = d.byteOffset + off * d.BYTES_PER_ELEMENT;
      const e = p + n * d.BYTES_PER_ELEMENT;
      const r = d instanceof Float32Array
        ? (sq ? k.ssdF32(p, e, s, c, mean) : k.sumF32(p, e, s, c))
        : (sq ? k.ssdF64(p, e, s, c, mean) : k.sumF64(p, e, s, c));
      SUM_OUT[0] = r[0];
      SUM_OUT[1] = r[1];
      return;
    }
    if (WASM_COPY.sum) {
      copySum(d, off, n, s, c, sq, mean);
      return;
    }
  }
  S = s;
  C = c;
  if (ds === 1) {
    const t = d.subarray(off, off + n);
    if (sq) jsSsdContig(t, mean);
    else jsSumContig(t);
  } else jsStrided(d, off, n, ds, sq, mean);
  SUM_OUT[0] = S;
  SUM_OUT[1] = C;
}

/** blockedSum through arena scratch in whole blocks (for measurement: see WASM_COPY). */
function copySum(
  d: FloatData,
  off: number,
  n: number,
  s: number,
  c: number,
  sq: boolean,
  mean: number,
): void {
  const arena = wasmArena();
  const k = reductionKernels(arena);
  const es = d.BYTES_PER_ELEMENT;
  const step = Math.min(n, 32 * BLOCK);
  const p = scratchRegion(step * es).ptr;
  const view = new (d.constructor as typeof Float64Array)(arena.memory.buffer, p, step);
  const f32 = d instanceof Float32Array;
  for (let i = 0; i < n; i += step) {
    const part = d.subarray(off + i, off + Math.min(n, i + step));
    view.set(part);
    const e = p + part.length * es;
    [s, c] = f32
      ? (sq ? k.ssdF32(p, e, s, c, mean) : k.sumF32(p, e, s, c))
      : (sq ? k.ssdF64(p, e, s, c, mean) : k.sumF64(p, e, s, c));
  }
  SUM_OUT[0] = s;
  SUM_OUT[1] = c;
}

/** The value of a Neumaier pair (infinities and NaN poison only `c`). */
function value(s: number, c: number): number {
  return Number.isFinite(s) ? s + c : s;
}

/** Result of {@link tileMoments}: count, mean, sum of squared deviations. */
export const MOM_OUT = new Float64Array(3);

/** Two-pass moments of the run `d[off + i * ds]` (0 < n), into {@link MOM_OUT}. */
export function tileMoments(d: FloatData, off: number, n: number, ds: number): void {
  if (ds === 1 && n >= WASM_MIN && WASM_COPY.moments && !wasmArena().contains(d)) {
    // one copy into arena scratch, both passes by the wasm kernels on it
    const arena = wasmArena();
    const k = reductionKernels(arena);
    const es = d.BYTES_PER_ELEMENT;
    const p = scratchRegion(n * es).ptr;
    new (d.constructor as typeof Float64Array)(arena.memory.buffer, p, n).set(
      d.subarray(off, off + n),
    );
    const f32 = d instanceof Float32Array;
    const e = p + n * es;
    const [s1, c1] = f32 ? k.sumF32(p, e, 0, 0) : k.sumF64(p, e, 0, 0);
    const m = value(s1, c1) / n;
    const [s2, c2] = f32 ? k.ssdF32(p, e, 0, 0, m) : k.ssdF64(p, e, 0, 0, m);
    MOM_OUT[0] = n;
    MOM_OUT[1] = m;
    MOM_OUT[2] = value(s2, c2);
    return;
  }
  blockedSum(d, off, n, ds, 0, 0, false, 0);
  const m = value(SUM_OUT[0], SUM_OUT[1]) / n;
  blockedSum(d, off, n, ds, 0, 0, true, m);
  MOM_OUT[0] = n;
  MOM_OUT[1] = m;
  MOM_OUT[2] = value(SUM_OUT[0], SUM_OUT[1]);
}

// ---- min/max

/** Result of {@link minMaxRun}: [min, max] (NaN, NaN if any NaN). */
export const MINMAX_OUT = new Float64Array(2);

/**
 * min and max of a contiguous run held in arena memory, by the wasm kernel.
 * Returns false (and does nothing) when the run is not in the arena or too
 * short to be worth a call; the caller's JS loop then gives the same values.
 */
export function minMaxRun(d: FloatData, off: number, n: number): boolean {
  if (n < WASM_MIN) return false;
  const arena = wasmArena();
  const k = reductionKernels(arena);
  if (!arena.contains(d)) {
    if (!WASM_COPY.minmax) return false;
    // through arena scratch, chunk by chunk (min/max are exact in any order)
    const es = d.BYTES_PER_ELEMENT;
    const step = Math.min(n, MINMAX_CHUNK);
    const p = scratchRegion(step * es).ptr;
    const view = new (d.constructor as typeof Float64Array)(arena.memory.buffer, p, step);
    let mn = Infinity, mx = -Infinity;
    for (let i = 0; i < n; i += step) {
      const part = d.subarray(off + i, off + Math.min(n, i + step));
      view.set(part);
      const e = p + part.length * es;
      const [lo, hi] = d instanceof Float32Array ? k.minmaxF32(p, e) : k.minmaxF64(p, e);
      mn = Math.min(mn, lo);
      mx = Math.max(mx, hi);
    }
    MINMAX_OUT[0] = mn;
    MINMAX_OUT[1] = mx;
    return true;
  }
  const p = d.byteOffset + off * d.BYTES_PER_ELEMENT;
  const e = p + n * d.BYTES_PER_ELEMENT;
  const r = d instanceof Float32Array ? k.minmaxF32(p, e) : k.minmaxF64(p, e);
  MINMAX_OUT[0] = r[0];
  MINMAX_OUT[1] = r[1];
  return true;
}

// ---- rows: column sums over groups of ROW_GROUP rows

/** Whether redOffs are the rows of one contiguous [rows, n] slab. */
function contiguousRows(redOffs: Float64Array, n: number): boolean {
  for (let r = 0; r < redOffs.length; r++) if (redOffs[r] !== r * n) return false;
  return true;
}

let gBuf = new Float64Array(0);
function gScratch(n: number): Float64Array {
  if (gBuf.length < n) gBuf = new Float64Array(Math.max(n, 1024));
  return gBuf.subarray(0, n);
}

function nmSlot(SS: Float64Array, CC: Float64Array, k: number, x: number): void {
  const s = SS[k];
  const t = s + x;
  CC[k] += Math.abs(s) >= Math.abs(x) ? (s - t) + x : (x - t) + s;
  SS[k] = t;
}

/** JS replica of the rows kernels over rows r0..r1 (any row offsets and strides). */
function jsRows(
  d: FloatData,
  base: number,
  redOffs: Float64Array,
  r0: number,
  r1: number,
  n: number,
  ds: number,
  SS: Float64Array,
  CC: Float64Array,
  slot: number,
  ss: number,
  mean: Float64Array | null,
): void {
  const g = gScratch(n);
  for (let a = r0; a < r1; a += ROW_GROUP) {
    const b = Math.min(a + ROW_GROUP, r1);
    if (ds === 1 && !mean) {
      const o0 = base + redOffs[a];
      g.set(d.subarray(o0, o0 + n));
      let r = a + 1;
      for (; r + 3 < b; r += 4) {
        const x0 = d.subarray(base + redOffs[r], base + redOffs[r] + n);
        const x1 = d.subarray(base + redOffs[r + 1], base + redOffs[r + 1] + n);
        const x2 = d.subarray(base + redOffs[r + 2], base + redOffs[r + 2] + n);
        const x3 = d.subarray(base + redOffs[r + 3], base + redOffs[r + 3] + n);
        for (let j = 0; j < g.length; j++) g[j] = (((g[j] + x0[j]) + x1[j]) + x2[j]) + x3[j];
      }
      for (; r < b; r++) {
        const x0 = d.subarray(base + redOffs[r], base + redOffs[r] + n);
        for (let j = 0; j < g.length; j++) g[j] += x0[j];
      }
    } else if (ds === 1 && mean) {
      const o0 = base + redOffs[a];
      const x = d.subarray(o0, o0 + n);
      for (let j = 0; j < g.length; j++) {
        const y = x[j] - mean[j];
        g[j] = y * y;
      }
      for (let r = a + 1; r < b; r++) {
        const x0 = d.subarray(base + redOffs[r], base + redOffs[r] + n);
        for (let j = 0; j < g.length; j++) {
          const y = x0[j] - mean[j];
          g[j] += y * y;
        }
      }
    } else {
      for (let r = a; r < b; r++) {
        for (let j = 0, o = base + redOffs[r]; j < n; j++, o += ds) {
          const y = mean ? (d[o] - mean[j]) * (d[o] - mean[j]) : d[o];
          g[j] = r === a ? y : g[j] + y;
        }
      }
    }
    for (let j = 0, k = slot; j < n; j++, k += ss) nmSlot(SS, CC, k, g[j]);
  }
}

/**
 * Rows r0..r1 of the vectors `d[base + redOffs[r] + j * ds]` (j < n): per
 * slot `slot + j * ss`, group sums of ROW_GROUP rows (of the values, or of
 * their squared deviations from `mean[j]`) Neumaier-added into (SS, CC).
 * Groups start at r0.
 */
export function rowsSum(
  d: FloatData,
  base: number,
  redOffs: Float64Array,
  r0: number,
  r1: number,
  n: number,
  ds: number,
  SS: Float64Array,
  CC: Float64Array,
  slot: number,
  ss: number,
  mean: Float64Array | null,
): void {
  const rows = r1 - r0;
  if (rows <= 0) return;
  const arena = wasmArena();
  const inArena = arena.contains(d);
  if (
    ds !== 1 || ss !== 1 || rows * n < 4 * WASM_MIN || !(inArena || WASM_COPY.rows) ||
    !contiguousRows(redOffs, n)
  ) {
    jsRows(d, base, redOffs, r0, r1, n, ds, SS, CC, slot, ss, mean);
    return;
  }
  const k = reductionKernels(arena);
  const f32 = d instanceof Float32Array;
  const es = d.BYTES_PER_ELEMENT;
  // scratch layout: acc, comp, mean (n f64 each), kernel scratch (<= n f64), copy buffer
  const vec = Math.ceil((n * 8) / 4096) * 4096;
  const groupsPerChunk = Math.max(1, Math.floor(ROWS_CHUNK / (ROW_GROUP * n * es)));
  const chunkRows = groupsPerChunk * ROW_GROUP;
  const copyBytes = inArena ? 0 : Math.min(rows, chunkRows) * n * es;
  const reg = scratchRegion(4 * vec + copyBytes);
  const pAcc = reg.ptr, pComp = pAcc + vec, pMean = pComp + vec, pScr = pMean + vec;
  const pCopy = pScr + vec;
  f64At(pAcc, n).set(SS.subarray(slot, slot + n));
  f64At(pComp, n).set(CC.subarray(slot, slot + n));
  if (mean) f64At(pMean, n).set(mean.subarray(0, n));
  const run = (p: number, nr: number): void => {
    if (mean) {
      if (f32) k.ssdRowsF32(p, nr, n, pAcc, pComp, pScr, pMean);
      else k.ssdRowsF64(p, nr, n, pAcc, pComp, pScr, pMean);
    } else if (f32) k.rowsF32(p, nr, n, pAcc, pComp, pScr);
    else k.rowsF64(p, nr, n, pAcc, pComp, pScr);
  };
  const first = base + redOffs[r0];
  if (inArena) run(d.byteOffset + first * es, rows);
  else {
    const view = new (d.constructor as typeof Float64Array)(
      arena.memory.buffer,
      pCopy,
      Math.min(rows, chunkRows) * n,
    );
    for (let r = 0; r < rows; r += chunkRows) {
      const nr = Math.min(chunkRows, rows - r);
      const o = first + r * n;
      view.set(d.subarray(o, o + nr * n));
      run(pCopy, nr);
    }
  }
  SS.set(f64At(pAcc, n), slot);
  CC.set(f64At(pComp, n), slot);
}

/**
 * Two-pass moments of rows r0..r1 (see {@link rowsSum}) per slot: count
 * `r1 - r0`, means into `mOut`, sums of squared deviations into `qOut`.
 */
export function rowsMoments(
  d: FloatData,
  base: number,
  redOffs: Float64Array,
  r0: number,
  r1: number,
  n: number,
  ds: number,
  mOut: Float64Array,
  qOut: Float64Array,
): void {
  const rows = r1 - r0;
  const a = mOut.subarray(0, n).fill(0);
  const c = qOut.subarray(0, n).fill(0);
  rowsSum(d, base, redOffs, r0, r1, n, ds, a, c, 0, 1, null);
  for (let j = 0; j < n; j++) a[j] = value(a[j], c[j]) / rows;
  const q = momScratch(n);
  const qc = momScratch(n, true);
  rowsSum(d, base, redOffs, r0, r1, n, ds, q, qc, 0, 1, a);
  for (let j = 0; j < n; j++) qOut[j] = value(q[j], qc[j]);
}

let mBuf = new Float64Array(0);
let mBuf2 = new Float64Array(0);
function momScratch(n: number, second = false): Float64Array {
  if (second) {
    if (mBuf2.length < n) mBuf2 = new Float64Array(Math.max(n, 1024));
    return mBuf2.subarray(0, n).fill(0);
  }
  if (mBuf.length < n) mBuf = new Float64Array(Math.max(n, 1024));
  return mBuf.subarray(0, n).fill(0);
}
