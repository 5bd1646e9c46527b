// Exact median, quantile and percentile of a LazyArray out of core: the
// array is read in C-order tiles that fit a quarter of the memory budget,
// once per round of core/selection.ts (a counting pass with a histogram of
// the top 16 key bits, then histograms of the next 16 bits of the keys in
// the wanted bins, or a last pass collecting the candidates once they fit
// the budget): at most four passes. Under MPI the tiles are dealt over the
// ranks, the histograms summed and the candidates allgathered. The interpolation is core/sort.ts's: the same
// bits as NDArray.quantile.

import { DTYPES, type Scalar } from "../core/dtype.ts";
import { fromTypedArray, type NDArray } from "../core/ndarray.ts";
import {
  checkQuantiles,
  lerpQuantile,
  medianDType,
  medianOfPair,
  quantilePositions,
} from "../core/sort.ts";
import { selectOrderStatistics } from "../core/selection.ts";
import { type Comm, init, SelfComm } from "../dist/comm.ts";
import { memoryBudget } from "./budget.ts";
import type { LazyArray } from "./lazy.ts";
import type { QuantileRunOptions } from "./options.ts";
import { namesEveryAxis } from "../core/shapes.ts";

const KEYS = ["axis", "keepdims", "skipna", "memory", "comm", "onProgress", "prefetch"];

/** The slice specs of C-order tiles of at most `max` elements (at least one row of the last axis split). */
export function* tiles(shape: readonly number[], max: number): Generator<string[]> {
  let inner = 1, k = shape.length - 1;
  while (k >= 0 && inner * shape[k] <= max) inner *= shape[k--];
  if (k < 0) {
    yield shape.map(() => ":");
    return;
  }
  const step = Math.max(1, Math.floor(max / inner));
  const idx = new Array<number>(k).fill(0);
  while (true) {
    for (let s = 0; s < shape[k]; s += step) {
      yield shape.map((n, a) =>
        a < k ? `${idx[a]}:${idx[a] + 1}` : a === k ? `${s}:${Math.min(s + step, n)}` : ":"
      );
    }
    let a = k - 1;
    for (; a >= 0; a--) {
      if (++idx[a] < shape[a]) break;
      idx[a] = 0;
    }
    if (a < 0) return;
  }
}

/** The median (`q === null`) or quantiles of the whole lazy array, out of core. */
export async function lazyOrderStat(
  x: LazyArray,
  which: "median" | "quantile" | "percentile",
  q: number | readonly number[] | null,
  options: QuantileRunOptions = {},
): Promise<NDArray> {
  if (options === null || typeof options !== "object") {
    throw new TypeError(`Invalid options for ${which}(): expected an object, got ${options}`);
  }
  for (const k of Object.keys(options)) {
    if (!KEYS.includes(k)) {
      throw new TypeError(`Unknown option "${k}" for ${which}(): expected ${KEYS.join(", ")}`);
    }
  }
  const qs = q === null ? null : checkQuantiles(q, which === "percentile" ? 100 : 1);
  const { dtype, shape } = x;
  if (!namesEveryAxis(options.axis, shape.length)) {
    throw new RangeError(
      `Invalid axis ${JSON.stringify(options.axis)} for LazyArray.${which}(): ` +
        `only the whole array (axis null or every axis) is reduced out of core`,
    );
  }
  if (qs !== null && DTYPES[dtype].kind === "b") {
    throw new TypeError(`Cannot compute a quantile of "bool" data: subtraction is undefined`);
  }
  const budget = memoryBudget(options.memory);
  const comm: Comm = options.comm ?? await init();
  const self = new SelfComm();
  const tileElements = Math.max(1, Math.floor(budget / 32));
  const positions: { gamma: number }[] = [];
  const r = await selectOrderStatistics({
    dtype,
    pass: async (visit) => {
      let i = 0;
      for (const specs of tiles(shape, tileElements)) {
        if (i++ % comm.size !== comm.rank) continue;
        const block = await x.slice(...specs).compute({
          memory: budget,
          comm: self,
          prefetch: options.prefetch,
        });
        if (block.size > 0) visit(block);
      }
    },
    combine: comm.size > 1 ? (h) => comm.allreduce(h, null, "sum") : undefined,
    gather: comm.size > 1 ? (keys) => comm.allgatherv(keys) : undefined,
    collectLimit: tileElements,
    ranks: (n, nan) => {
      if (n === 0 && qs !== null) {
        throw new RangeError(`Cannot compute a ${which} of an empty array (shape [${shape}])`);
      }
      if (n === 0 || (nan > 0 && !options.skipna)) return [];
      if (qs === null) return n % 2 ? [(n - 1) >> 1] : [(n >> 1) - 1, n >> 1];
      const p = [...qs.q].map((v) => quantilePositions(n, v));
      positions.push(...p);
      return p.flatMap((x) => [x.lo, x.hi]);
    },
  });
  const nq = qs === null ? 1 : qs.q.length;
  const outType = qs === null ? medianDType(dtype) : "float64";
  const out = new (DTYPES[outType].array as Float64ArrayConstructor)(nq);
  const v: Scalar[] = r.values;
  for (let k = 0; k < nq; k++) {
    if (v.length === 0) out[k] = NaN;
    else if (qs === null) out[k] = medianOfPair(dtype, v[0], v[1]);
    else out[k] = lerpQuantile(dtype, v[2 * k], v[2 * k + 1], positions[k].gamma);
  }
  const kept = options.keepdims ? shape.map(() => 1) : [];
  const result = fromTypedArray(out, qs?.list ? [nq, ...kept] : kept, outType);
  lastPasses = r.passes;
  return result;
}

/** Passes made by the last {@link lazyOrderStat} (for tests and benchmarks). */
export let lastPasses = 0;
