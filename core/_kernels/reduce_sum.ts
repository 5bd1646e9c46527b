// Sum kernels: compensated float sums (sum, nansum, mean, nanmean) and exact
// integer sums (sum of bool and integers, count_nonzero).
//
// Float sums: within a run, tiles of TILE elements are summed in double with
// four accumulators; tile partials are added to a Neumaier-compensated pair
// (sum, comp). Outer reductions accumulate GROUP rows into a scratch vector
// of doubles, then add the vector into the compensated slots. The error
// therefore does not grow with the number of elements.
//
// Integer sums are exact: partial sums of (halves of) integers stay below
// 2^53 in doubles and are flushed into a wrapping 64-bit bigint before they
// could lose a bit.

import type { Kernel } from "./reduce_iter.ts";
import { blockedSum, isFloatData, rowsSum, SUM_OUT } from "./reduce_wasm.ts";

/** Elements per tile of an inner run (partial sums are at most TILE * 2^32 < 2^45). */
export const TILE = 4096;
/** Rows accumulated in a scratch vector before it is added to the slots. */
export const GROUP = 256;
const FLUSH = 2 ** 52;

type Num = Float64Array;

let scratchBuf = new Float64Array(0);
let scratchBuf2 = new Float64Array(0);
/** A zeroed scratch vector of at least n doubles (shared, reused). */
export function scratch(n: number, second = false): Float64Array {
  if (second) {
    if (scratchBuf2.length < n) scratchBuf2 = new Float64Array(Math.max(n, 1024));
    const s = scratchBuf2.subarray(0, n);
    s.fill(0);
    return s;
  }
  if (scratchBuf.length < n) scratchBuf = new Float64Array(Math.max(n, 1024));
  const s = scratchBuf.subarray(0, n);
  s.fill(0);
  return s;
}

/** Sum of a contiguous typed array, four accumulators, loop bounded by its length. */
export function sumContig(t: Num): number {
  let a0 = 0;
  let a1 = 0;
  let a2 = 0;
  let a3 = 0;
  let i = 0;
  for (; i + 3 < t.length; i += 4) {
    a0 += t[i];
    a1 += t[i + 1];
    a2 += t[i + 2];
    a3 += t[i + 3];
  }
  for (; i < t.length; i++) a0 += t[i];
  return (a0 + a1) + (a2 + a3);
}

/** Sum of `n` elements at stride `ds` from `off`. */
export function sumStrided(d: Num, off: number, n: number, ds: number): number {
  let a0 = 0;
  let a1 = 0;
  let i = 0;
  let o = off;
  for (; i + 1 < n; i += 2, o += 2 * ds) {
    a0 += d[o];
    a1 += d[o + ds];
  }
  if (i < n) a0 += d[o];
  return a0 + a1;
}

let nanCount = 0;
/** Sum of the non-NaN elements of a contiguous array; their count goes to `nanCount`. */
function nanSumContig(t: Num): number {
  let a0 = 0;
  let a1 = 0;
  let c = 0;
  let i = 0;
  for (; i + 1 < t.length; i += 2) {
    const x = t[i];
    const y = t[i + 1];
    if (x === x) {
      a0 += x;
      c++;
    }
    if (y === y) {
      a1 += y;
      c++;
    }
  }
  if (i < t.length && t[i] === t[i]) {
    a0 += t[i];
    c++;
  }
  nanCount = c;
  return a0 + a1;
}

function nanSumStrided(d: Num, off: number, n: number, ds: number): number {
  let a = 0;
  let c = 0;
  for (let i = 0, o = off; i < n; i++, o += ds) {
    const x = d[o];
    if (x === x) {
      a += x;
      c++;
    }
  }
  nanCount = c;
  return a;
}

/**
 * Adds `p` (with compensation `pc`) into the Neumaier pair at `k` of (S, C).
 */
export function addComp(S: Float64Array, C: Float64Array, k: number, p: number, pc: number): void {
  const s = S[k];
  const t = s + p;
  C[k] += (Math.abs(s) >= Math.abs(p) ? (s - t) + p : (p - t) + s) + pc;
  S[k] = t;
}

/** The value of a Neumaier pair (infinities and NaN poison only `comp`). */
export function compValue(s: number, c: number): number {
  return Number.isFinite(s) ? s + c : s;
}

/**
 * Float sum kernel over slots (S, C); with `N` it also counts the elements
 * summed (all of them, or the non-NaN ones when `skipNaN`).
 */
export function floatSumKernel(
  S: Float64Array,
  C: Float64Array,
  N: Float64Array | null,
  skipNaN: boolean,
): Kernel {
  return {
    run(slot, data, base, redOffs, n, ds): void {
      if (!skipNaN && isFloatData(data)) {
        // float32/float64: the blocked scheme of the wasm kernels (reduce_wasm.ts)
        let s = 0;
        let c = 0;
        for (let r = 0; r < redOffs.length; r++) {
          blockedSum(data, base + redOffs[r], n, ds, s, c, false, 0);
          s = SUM_OUT[0];
          c = SUM_OUT[1];
        }
        addComp(S, C, slot, s, c);
        if (N) N[slot] += n * redOffs.length;
        return;
      }
      const d = data as Num;
      let s = 0;
      let c = 0;
      let cnt = 0;
      for (let r = 0; r < redOffs.length; r++) {
        const off = base + redOffs[r];
        for (let a = 0; a < n; a += TILE) {
          const len = Math.min(TILE, n - a);
          let p: number;
          if (ds === 1) {
            const t = d.subarray(off + a, off + a + len);
            p = skipNaN ? nanSumContig(t) : sumContig(t);
          } else {
            p = skipNaN
              ? nanSumStrided(d, off + a * ds, len, ds)
              : sumStrided(d, off + a * ds, len, ds);
          }
          cnt += skipNaN ? nanCount : len;
          const t2 = s + p;
          c += Math.abs(s) >= Math.abs(p) ? (s - t2) + p : (p - t2) + s;
          s = t2;
        }
      }
      addComp(S, C, slot, s, c);
      if (N) N[slot] += cnt;
    },
    vec(slot, ss, data, base, redOffs, n, ds): void {
      if (!skipNaN && isFloatData(data)) {
        // float32/float64: the row-group scheme of the wasm kernels (reduce_wasm.ts)
        rowsSum(data, base, redOffs, 0, redOffs.length, n, ds, S, C, slot, ss, null);
        if (N) { for (let j = 0, k = slot; j < n; j++, k += ss) N[k] += redOffs.length; }
        return;
      }
      const d = data as Num;
      const acc = scratch(n);
      const cnt = skipNaN ? scratch(n, true) : null;
      let g = 0;
      const flush = (rows: number): void => {
        for (let j = 0, k = slot; j < n; j++, k += ss) {
          addComp(S, C, k, acc[j], 0);
          acc[j] = 0;
          if (N) {
            if (cnt) {
              N[k] += cnt[j];
              cnt[j] = 0;
            } else N[k] += rows;
          }
        }
      };
      for (let r = 0; r < redOffs.length; r++) {
        const off = base + redOffs[r];
        if (!cnt && ds === 1 && r + 3 < redOffs.length && g + 4 <= GROUP) {
          // four rows at a time: one store per slot instead of four
          const r0 = d.subarray(off, off + n);
          const r1 = d.subarray(base + redOffs[r + 1], base + redOffs[r + 1] + n);
          const r2 = d.subarray(base + redOffs[r + 2], base + redOffs[r + 2] + n);
          const r3 = d.subarray(base + redOffs[r + 3], base + redOffs[r + 3] + n);
          for (let j = 0; j < r0.length; j++) acc[j] += (r0[j] + r1[j]) + (r2[j] + r3[j]);
          r += 3;
          g += 4;
          if (g === GROUP) {
            flush(g);
            g = 0;
          }
          continue;
        }
        if (cnt) {
          for (let j = 0, o = off; j < n; j++, o += ds) {
            const x = d[o];
            if (x === x) {
              acc[j] += x;
              cnt[j]++;
            }
          }
        } else if (ds === 1) {
          const row = d.subarray(off, off + n);
          for (let j = 0; j < row.length; j++) acc[j] += row[j];
        } else {
          for (let j = 0, o = off; j < n; j++, o += ds) acc[j] += d[o];
        }
        if (++g === GROUP) {
          flush(g);
          g = 0;
        }
      }
      if (g > 0) flush(g);
    },
  };
}

/** Adds an exact integer-valued double `p` (|p| < 2^52) into slot k of (L, W). */
function addExact(L: Float64Array, W: BigInt64Array, k: number, p: number): void {
  const v = L[k] + p;
  if (v >= FLUSH || v <= -FLUSH) {
    W[k] = BigInt.asIntN(64, W[k] + BigInt(v));
    L[k] = 0;
  } else L[k] = v;
}

/**
 * Exact integer sum of numeric (non-bigint) integer data into slots: the value
 * of slot k is W[k] + L[k] (mod 2^64). With `nonzero`, counts non-zero
 * elements instead (count_nonzero; also right for floats: NaN counts).
 */
export function intSumKernel(L: Float64Array, W: BigInt64Array, nonzero: boolean): Kernel {
  const part = (d: Num, off: number, len: number, ds: number): number => {
    if (nonzero) {
      let c = 0;
      for (let i = 0, o = off; i < len; i++, o += ds) if (d[o] !== 0) c++;
      return c;
    }
    return ds === 1 ? sumContig(d.subarray(off, off + len)) : sumStrided(d, off, len, ds);
  };
  return {
    run(slot, data, base, redOffs, n, ds): void {
      const d = data as Num;
      for (let r = 0; r < redOffs.length; r++) {
        const off = base + redOffs[r];
        for (let a = 0; a < n; a += TILE) {
          addExact(L, W, slot, part(d, off + a * ds, Math.min(TILE, n - a), ds));
        }
      }
    },
    vec(slot, ss, data, base, redOffs, n, ds): void {
      const d = data as Num;
      const acc = scratch(n);
      let g = 0;
      const flush = (): void => {
        for (let j = 0, k = slot; j < n; j++, k += ss) {
          addExact(L, W, k, acc[j]);
          acc[j] = 0;
        }
      };
      for (let r = 0; r < redOffs.length; r++) {
        const off = base + redOffs[r];
        if (nonzero) {
          for (let j = 0, o = off; j < n; j++, o += ds) if (d[o] !== 0) acc[j]++;
        } else if (ds === 1) {
          const row = d.subarray(off, off + n);
          for (let j = 0; j < row.length; j++) acc[j] += row[j];
        } else {
          for (let j = 0, o = off; j < n; j++, o += ds) acc[j] += d[o];
        }
        if (++g === GROUP) {
          flush();
          g = 0;
        }
      }
      if (g > 0) flush();
    },
  };
}

/**
 * Exact sum of 64-bit integers, given as two 32-bit views of the same buffer:
 * `lo` (Uint32Array) and `hi` (Int32Array for int64, Uint32Array for uint64).
 * Offsets and strides the walker passes are in 64-bit elements. Slot k holds
 * W[k] + H[k] * 2^32 + L[k] (mod 2^64).
 */
export function int64SumKernel(
  lo: Uint32Array,
  hi: Int32Array | Uint32Array,
  L: Float64Array,
  H: Float64Array,
  W: BigInt64Array,
): Kernel {
  const sumHalf = (d: Int32Array | Uint32Array, off: number, len: number, ds: number): number => {
    let a = 0;
    let b = 0;
    let i = 0;
    let o = off;
    for (; i + 1 < len; i += 2, o += 2 * ds) {
      a += d[o];
      b += d[o + ds];
    }
    if (i < len) a += d[o];
    return a + b;
  };
  const add = (k: number, pl: number, ph: number): void => {
    const l = L[k] + pl;
    const h = H[k] + ph;
    if (l >= FLUSH || h >= FLUSH || h <= -FLUSH) {
      W[k] = BigInt.asIntN(64, W[k] + (BigInt(h) << 32n) + BigInt(l));
      L[k] = 0;
      H[k] = 0;
    } else {
      L[k] = l;
      H[k] = h;
    }
  };
  return {
    run(slot, _data, base, redOffs, n, ds): void {
      for (let r = 0; r < redOffs.length; r++) {
        const off = 2 * (base + redOffs[r]);
        for (let a = 0; a < n; a += TILE) {
          const len = Math.min(TILE, n - a);
          const o = off + 2 * a * ds;
          add(slot, sumHalf(lo, o, len, 2 * ds), sumHalf(hi, o + 1, len, 2 * ds));
        }
      }
    },
    vec(slot, ss, _data, base, redOffs, n, ds): void {
      const al = scratch(n);
      const ah = scratch(n, true);
      let g = 0;
      const flush = (): void => {
        for (let j = 0, k = slot; j < n; j++, k += ss) {
          add(k, al[j], ah[j]);
          al[j] = 0;
          ah[j] = 0;
        }
      };
      for (let r = 0; r < redOffs.length; r++) {
        const off = 2 * (base + redOffs[r]);
        for (let j = 0, o = off; j < n; j++, o += 2 * ds) {
          al[j] += lo[o];
          ah[j] += hi[o + 1];
        }
        if (++g === GROUP) {
          flush();
          g = 0;
        }
      }
      if (g > 0) flush();
    },
  };
}
