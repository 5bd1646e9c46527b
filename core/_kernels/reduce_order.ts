// Kernels for min/max (and their NaN-ignoring variants), argmin/argmax,
// any/all and prod. These work on numbers and on bigints (64-bit integers)
// alike: the comparisons are the same, and `x !== x` is false for a bigint.

import type { Kernel } from "./reduce_iter.ts";
import { isFloatData, MINMAX_OUT, minMaxRun } from "./reduce_wasm.ts";

type Elem = number | bigint;
type Slots = Float64Array | BigInt64Array | BigUint64Array;
type Num = Float64Array;

/**
 * min/max over slots V (initialised to the identity: +Inf / -Inf or the
 * extreme bigint). `Cn` counts the elements seen; with `Vn`, NaN is skipped
 * and `Vn` counts the non-NaN elements; without, NaN propagates.
 */
export function minMaxKernel(
  V: Slots,
  Cn: Float64Array,
  Vn: Float64Array | null,
  isMax: boolean,
): Kernel {
  const skip = Vn !== null;
  const fold = (m: Elem, d: Num, off: number, n: number, ds: number): Elem => {
    let v = m as number;
    if (isMax) {
      if (skip) {
        for (let i = 0, o = off; i < n; i++, o += ds) if (d[o] > v) v = d[o];
      } else {
        for (let i = 0, o = off; i < n; i++, o += ds) {
          const x = d[o];
          if (x > v || x !== x) v = x;
        }
      }
    } else if (skip) {
      for (let i = 0, o = off; i < n; i++, o += ds) if (d[o] < v) v = d[o];
    } else {
      for (let i = 0, o = off; i < n; i++, o += ds) {
        const x = d[o];
        if (x < v || x !== x) v = x;
      }
    }
    return v;
  };
  const countValid = (d: Num, off: number, n: number, ds: number): number => {
    let c = 0;
    for (let i = 0, o = off; i < n; i++, o += ds) if (d[o] === d[o]) c++;
    return c;
  };
  return {
    run(slot, data, base, redOffs, n, ds): void {
      const d = data as Num;
      let m: Elem = V[slot];
      let valid = 0;
      const wasm = !skip && ds === 1 && isFloatData(data);
      for (let r = 0; r < redOffs.length; r++) {
        const off = base + redOffs[r];
        if (wasm && minMaxRun(data, off, n)) {
          // arena data: the wasm kernel gives the same value as the JS fold
          const x = MINMAX_OUT[isMax ? 1 : 0];
          if ((isMax ? x > (m as number) : x < (m as number)) || x !== x) m = x;
          continue;
        }
        m = fold(m, d, off, n, ds);
        if (skip) valid += countValid(d, off, n, ds);
      }
      (V as Float64Array)[slot] = m as number;
      Cn[slot] += n * redOffs.length;
      if (Vn) Vn[slot] += valid;
    },
    vec(slot, ss, data, base, redOffs, n, ds): void {
      const d = data as Num;
      const W = V as Float64Array;
      for (let r = 0; r < redOffs.length; r++) {
        const off = base + redOffs[r];
        for (let j = 0, o = off, k = slot; j < n; j++, o += ds, k += ss) {
          const x = d[o];
          const v = W[k];
          if (isMax ? x > v : x < v) W[k] = x;
          else if (x !== x) {
            if (!skip) W[k] = x;
          }
          if (Vn && x === x) Vn[k]++;
        }
      }
      for (let j = 0, k = slot; j < n; j++, k += ss) Cn[k] += redOffs.length;
    },
  };
}

/**
 * Whether candidate (x, i) beats the current (v, vi) for argmin/argmax: a
 * strictly better value, the first NaN, or an equal value at a smaller global
 * index (so the result does not depend on the order blocks arrive in).
 */
export function argBetter(x: Elem, i: number, v: Elem, vi: number, isMax: boolean): boolean {
  if (v !== v) return x !== x && i < vi;
  if (x !== x) return true;
  if (isMax ? x > v : x < v) return true;
  return x === v && i < vi;
}

/**
 * The callback for `walkIndexed` that folds elements into argmin/argmax slots
 * (V value, I global index along the reduced axes, Cn count).
 */
export function argFold(
  V: Slots,
  I: Float64Array,
  Cn: Float64Array,
  d: Num,
  isMax: boolean,
  indexStride: number,
): (slot: number, off: number, index: number, n: number, ds: number, ss: number) => void {
  const W = V as Float64Array;
  return (slot, off, index, n, ds, ss) => {
    for (let j = 0, o = off, k = slot, g = index; j < n; j++, o += ds, k += ss, g += indexStride) {
      const x = d[o];
      if (Cn[k] === 0 || argBetter(x, g, W[k], I[k], isMax)) {
        W[k] = x;
        I[k] = g;
      }
      Cn[k]++;
    }
  };
}

/** A kernel from a per-element fold `f(slot, x)`. */
export function elementKernel(f: (k: number, x: Elem) => void): Kernel {
  return {
    run(slot, data, base, redOffs, n, ds): void {
      const d = data as ArrayLike<Elem>;
      for (let r = 0; r < redOffs.length; r++) {
        for (let i = 0, o = base + redOffs[r]; i < n; i++, o += ds) f(slot, d[o]);
      }
    },
    vec(slot, ss, data, base, redOffs, n, ds): void {
      const d = data as ArrayLike<Elem>;
      for (let r = 0; r < redOffs.length; r++) {
        for (let j = 0, o = base + redOffs[r], k = slot; j < n; j++, o += ds, k += ss) {
          f(k, d[o]);
        }
      }
    },
  };
}

/** any (B starts at 0) or all (B starts at 1) over numeric data. */
export function anyAllKernel(B: Uint8Array, isAll: boolean): Kernel {
  return {
    run(slot, data, base, redOffs, n, ds): void {
      const d = data as Num;
      if (isAll ? B[slot] === 0 : B[slot] === 1) return;
      for (let r = 0; r < redOffs.length; r++) {
        for (let i = 0, o = base + redOffs[r]; i < n; i++, o += ds) {
          if ((d[o] !== 0) !== isAll) {
            B[slot] = isAll ? 0 : 1;
            return;
          }
        }
      }
    },
    vec(slot, ss, data, base, redOffs, n, ds): void {
      const d = data as Num;
      const hit = isAll ? 0 : 1;
      for (let r = 0; r < redOffs.length; r++) {
        for (let j = 0, o = base + redOffs[r], k = slot; j < n; j++, o += ds, k += ss) {
          if ((d[o] !== 0) !== isAll) B[k] = hit;
        }
      }
    },
  };
}

const EXACT = 2 ** 53;

/**
 * Exact integer product mod 2^64 of numeric integer data: slot k is
 * W[k] * A[k] (mod 2^64), A an exact double of at most 2^53.
 */
export function intProdFold(A: Float64Array, W: BigInt64Array): (k: number, x: Elem) => void {
  return (k, x) => {
    const t = A[k] * (x as number);
    if (t <= EXACT && t >= -EXACT) A[k] = t;
    else {
      W[k] = BigInt.asIntN(64, W[k] * BigInt(A[k]));
      A[k] = x as number;
    }
  };
}

/** Product mod 2^64 of bigint data into W. */
export function bigProdFold(W: BigInt64Array): (k: number, x: Elem) => void {
  return (k, x) => {
    W[k] = BigInt.asIntN(64, W[k] * (x as bigint));
  };
}

/** Float product into P. */
export function floatProdFold(P: Float64Array): (k: number, x: Elem) => void {
  return (k, x) => {
    P[k] *= x as number;
  };
}
