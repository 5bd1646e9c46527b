// The `where` kernel: dest = cond ? a : b, over views of any layout.

import type { AnyTypedArray } from "../dtype.ts";
import type { NDArray } from "../ndarray.ts";
import { forEachRun } from "../_iter.ts";
import { permute, walkOrder } from "./_codegen.ts";

/**
 * Sets each element of `dest` to `a`'s where `cond` is non-zero, else to
 * `b`'s. All three must broadcast to `dest.shape`; `a` and `b` must have
 * `dest`'s dtype and `cond` must be bool.
 *
 * @param dest The output view.
 * @param cond The condition (bool).
 * @param a Values where the condition holds.
 * @param b Values elsewhere.
 */
export function whereKernel(dest: NDArray, cond: NDArray, a: NDArray, b: NDArray): void {
  if (dest.size === 0) return;
  const vc = cond.broadcastTo(dest.shape);
  const va = a.broadcastTo(dest.shape);
  const vb = b.broadcastTo(dest.shape);
  const od = dest.data as AnyTypedArray;
  const cd = vc.data as Uint8Array;
  const ad = va.data as AnyTypedArray;
  const bd = vb.data as AnyTypedArray;
  const perm = walkOrder(dest.strides);
  forEachRun(
    permute(dest.shape, perm),
    [
      permute(dest.strides, perm),
      permute(vc.strides, perm),
      permute(va.strides, perm),
      permute(vb.strides, perm),
    ],
    [dest.offset, vc.offset, va.offset, vb.offset],
    (off, n, inner) => {
      let io = off[0];
      let ic = off[1];
      let ia = off[2];
      let ib = off[3];
      const so = inner[0];
      const sc = inner[1];
      const sa = inner[2];
      const sb = inner[3];
      for (let k = 0; k < n; k++, io += so, ic += sc, ia += sa, ib += sb) {
        od[io] = (cd[ic] !== 0 ? ad[ia] : bd[ib]) as never;
      }
    },
  );
}
