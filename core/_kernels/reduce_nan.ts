// NaN-skipping folds for the reductions that had no nan* variant: prod and
// argmin/argmax with `skipna: true` (the others reuse the nan* kernels of
// reduce_sum.ts, reduce_moments.ts and reduce_order.ts). Each is a pure
// function of the block, so the bits depend only on the block split.

import { argBetter } from "./reduce_order.ts";

/** Product ignoring NaN: P[k] *= x for every non-NaN x (1 for an all-NaN slot). */
export function floatNanProdFold(P: Float64Array): (k: number, x: number | bigint) => void {
  return (k, x) => {
    const v = x as number;
    if (v === v) P[k] *= v;
  };
}

/**
 * The `walkIndexed` callback folding non-NaN elements into argmin/argmax
 * slots (V value, I global index along the reduced axes, Cn count of the
 * non-NaN elements seen): NaN never wins, ties go to the smaller index.
 */
export function argNanFold(
  V: Float64Array,
  I: Float64Array,
  Cn: Float64Array,
  d: Float64Array,
  isMax: boolean,
  indexStride: number,
): (slot: number, off: number, index: number, n: number, ds: number, ss: number) => void {
  return (slot, off, index, n, ds, ss) => {
    for (let j = 0, o = off, k = slot, g = index; j < n; j++, o += ds, k += ss, g += indexStride) {
      const x = d[o];
      if (x !== x) continue;
      if (Cn[k] === 0 || argBetter(x, g, V[k], I[k], isMax)) {
        V[k] = x;
        I[k] = g;
      }
      Cn[k]++;
    }
  };
}
