// Variance kernels: slots hold (count N, mean M, sum of squared deviations
// Q). Inner runs are processed in tiles of TILE elements with two passes over
// the tile (it is in cache: one read pass over memory), then merged with Chan
// et al.'s parallel formula. Outer reductions accumulate groups of rows in one
// pass as sums of (x - shift) and (x - shift)^2 per slot, with the shift the
// slot's current mean (or the group's first row), then merge the group the
// same way.

import type { Kernel } from "./reduce_iter.ts";
import { scratch, TILE } from "./reduce_sum.ts";
import {
  isFloatData,
  MOM_OUT,
  rowsMoments,
  tileMoments,
  VAR_ROWS,
  VAR_TILE,
} from "./reduce_wasm.ts";

type Num = Float64Array;
const VGROUP = 64;

/** Chan et al.'s merge of (nb, mb, qb) into slot k of (N, M, Q). */
export function chanMerge(
  N: Float64Array,
  M: Float64Array,
  Q: Float64Array,
  k: number,
  nb: number,
  mb: number,
  qb: number,
): void {
  if (nb === 0) return;
  const na = N[k];
  if (na === 0) {
    N[k] = nb;
    M[k] = mb;
    Q[k] = qb;
    return;
  }
  const n = na + nb;
  const delta = mb - M[k];
  M[k] += delta * (nb / n);
  Q[k] += qb + delta * delta * ((na * nb) / n);
  N[k] = n;
}

let tn = 0;
let tm = 0;
let tq = 0;
// Two-pass moments of a tile into (tn, tm, tq).
function tileContig(t: Num, skipNaN: boolean): void {
  let s0 = 0;
  let s1 = 0;
  let c = t.length;
  let i = 0;
  if (skipNaN) {
    c = 0;
    for (; i < t.length; i++) {
      const x = t[i];
      if (x === x) {
        s0 += x;
        c++;
      }
    }
  } else {
    for (; i + 1 < t.length; i += 2) {
      s0 += t[i];
      s1 += t[i + 1];
    }
    if (i < t.length) s0 += t[i];
  }
  tn = c;
  if (c === 0) return;
  const m = (s0 + s1) / c;
  let q0 = 0;
  let q1 = 0;
  i = 0;
  if (skipNaN) {
    for (; i < t.length; i++) {
      const x = t[i];
      if (x === x) q0 += (x - m) * (x - m);
    }
  } else {
    for (; i + 1 < t.length; i += 2) {
      const a = t[i] - m;
      const b = t[i + 1] - m;
      q0 += a * a;
      q1 += b * b;
    }
    if (i < t.length) q0 += (t[i] - m) * (t[i] - m);
  }
  tm = m;
  tq = q0 + q1;
}

function tileStrided(d: Num, off: number, n: number, ds: number, skipNaN: boolean): void {
  let s = 0;
  let c = 0;
  for (let i = 0, o = off; i < n; i++, o += ds) {
    const x = d[o];
    if (!skipNaN || x === x) {
      s += x;
      c++;
    }
  }
  tn = c;
  if (c === 0) return;
  const m = s / c;
  let q = 0;
  for (let i = 0, o = off; i < n; i++, o += ds) {
    const x = d[o];
    if (!skipNaN || x === x) q += (x - m) * (x - m);
  }
  tm = m;
  tq = q;
}

/** Variance kernel over slots (N, M, Q); `skipNaN` for nanvar/nanstd. */
export function momentsKernel(
  N: Float64Array,
  M: Float64Array,
  Q: Float64Array,
  skipNaN: boolean,
): Kernel {
  const local = [new Float64Array(1), new Float64Array(1), new Float64Array(1)] as const;
  return {
    run(slot, data, base, redOffs, n, ds): void {
      const d = data as Num;
      const [ln, lm, lq] = local;
      ln[0] = 0;
      lm[0] = 0;
      lq[0] = 0;
      if (!skipNaN && isFloatData(data)) {
        // float32/float64: two-pass tiles with the wasm kernels' sums (reduce_wasm.ts)
        for (let r = 0; r < redOffs.length; r++) {
          const off = base + redOffs[r];
          for (let a = 0; a < n; a += VAR_TILE) {
            tileMoments(data, off + a * ds, Math.min(VAR_TILE, n - a), ds);
            chanMerge(ln, lm, lq, 0, MOM_OUT[0], MOM_OUT[1], MOM_OUT[2]);
          }
        }
        chanMerge(N, M, Q, slot, ln[0], lm[0], lq[0]);
        return;
      }
      for (let r = 0; r < redOffs.length; r++) {
        const off = base + redOffs[r];
        for (let a = 0; a < n; a += TILE) {
          const len = Math.min(TILE, n - a);
          if (ds === 1) tileContig(d.subarray(off + a, off + a + len), skipNaN);
          else tileStrided(d, off + a * ds, len, ds, skipNaN);
          chanMerge(ln, lm, lq, 0, tn, tm, tq);
        }
      }
      chanMerge(N, M, Q, slot, ln[0], lm[0], lq[0]);
    },
    vec(slot, ss, data, base, redOffs, n, ds): void {
      if (!skipNaN && isFloatData(data)) {
        // float32/float64: two-pass chunks of VAR_ROWS rows (reduce_wasm.ts)
        const mv = new Float64Array(n);
        const qv = new Float64Array(n);
        for (let r0 = 0; r0 < redOffs.length; r0 += VAR_ROWS) {
          const r1 = Math.min(r0 + VAR_ROWS, redOffs.length);
          rowsMoments(data, base, redOffs, r0, r1, n, ds, mv, qv);
          for (let j = 0, k = slot; j < n; j++, k += ss) {
            chanMerge(N, M, Q, k, r1 - r0, mv[j], qv[j]);
          }
        }
        return;
      }
      const d = data as Num;
      const s1 = scratch(n);
      const s2 = scratch(n, true);
      const shift = new Float64Array(n);
      const cnt = skipNaN ? new Float64Array(n) : null;
      let g = 0;
      const begin = (off: number): void => {
        for (let j = 0, k = slot, o = off; j < n; j++, k += ss, o += ds) {
          const x = d[o];
          shift[j] = N[k] > 0 ? M[k] : (x === x || !skipNaN ? x : 0);
        }
      };
      const flush = (rows: number): void => {
        for (let j = 0, k = slot; j < n; j++, k += ss) {
          const c = cnt ? cnt[j] : rows;
          if (c > 0) {
            const a = s1[j];
            chanMerge(N, M, Q, k, c, shift[j] + a / c, s2[j] - (a * a) / c);
          }
          s1[j] = 0;
          s2[j] = 0;
          if (cnt) cnt[j] = 0;
        }
      };
      for (let r = 0; r < redOffs.length; r++) {
        const off = base + redOffs[r];
        if (g === 0) begin(off);
        if (cnt) {
          for (let j = 0, o = off; j < n; j++, o += ds) {
            const x = d[o];
            if (x === x) {
              const y = x - shift[j];
              s1[j] += y;
              s2[j] += y * y;
              cnt[j]++;
            }
          }
        } else {
          for (let j = 0, o = off; j < n; j++, o += ds) {
            const y = d[o] - shift[j];
            s1[j] += y;
            s2[j] += y * y;
          }
        }
        if (++g === VGROUP) {
          flush(g);
          g = 0;
        }
      }
      if (g > 0) flush(g);
    },
  };
}
