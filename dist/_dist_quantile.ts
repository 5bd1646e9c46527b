// Exact median, quantile and percentile of a DistArray by distributed
// selection (core/selection.ts): every rank histograms the order-preserving
// keys of its own elements, the histograms are summed with allreduce, and at
// most four rounds narrow each wanted order statistic to one value (or the
// last round allgathers the candidates once at most 2^20 are left). The
// interpolation is core/sort.ts's, so the bits equal NDArray's for any rank
// count and any distribution.

import type { NDArray } from "../core/ndarray.ts";
import { fromTypedArray } from "../core/ndarray.ts";
import {
  checkQuantiles,
  lerpQuantile,
  medianDType,
  medianOfPair,
  type QuantileOptions,
  quantilePositions,
} from "../core/sort.ts";
import { selectOrderStatisticsSync } from "../core/selection.ts";
import { DTYPES, type Scalar } from "../core/dtype.ts";
import type { Comm } from "./comm.ts";
import type { Block } from "./_dist_blocks.ts";
import { redistributeBlock } from "./_dist_ops.ts";
import { namesEveryAxis } from "../core/shapes.ts";

/** Candidates gathered on every rank for the last pass (8 bytes each). */
const COLLECT_LIMIT = 1 << 20;

function checkOptions(what: string, options: unknown): QuantileOptions {
  if (options === undefined || options === null) return {};
  if (typeof options !== "object") {
    throw new TypeError(`Invalid options for ${what}(): expected an object, got ${options}`);
  }
  for (const k of Object.keys(options)) {
    if (!["axis", "keepdims", "skipna"].includes(k)) {
      throw new TypeError(`Unknown option "${k}" for ${what}(): expected axis, keepdims, skipna`);
    }
  }
  return options as QuantileOptions;
}

/** This rank's owned elements: the local block, or a copy without halos in the default layout. */
export function ownedBlock(comm: Comm, block: Block): NDArray {
  let padded = false;
  for (let a = 0; a < block.dist.ndim; a++) padded ||= block.dist.axis(a).padding !== null;
  return padded ? redistributeBlock(comm, block, {}).local : block.local;
}

/**
 * The median (`q === null`) or quantiles of the whole distributed array,
 * replicated on every rank. Collective.
 */
export function orderStatBlock(
  comm: Comm,
  block: Block,
  which: "median" | "quantile" | "percentile",
  q: number | readonly number[] | null,
  options: unknown,
): NDArray {
  const opts = checkOptions(which, options);
  const { dtype } = block.local;
  const shape = block.dist.shape;
  const qs = q === null ? null : checkQuantiles(q, which === "percentile" ? 100 : 1);
  if (!namesEveryAxis(opts.axis, shape.length)) {
    throw new RangeError(
      `Invalid axis ${JSON.stringify(opts.axis)} for DistArray.${which}(): ` +
        `only the whole array (axis null or every axis) is reduced by distributed selection`,
    );
  }
  if (qs !== null && DTYPES[dtype].kind === "b") {
    throw new TypeError(`Cannot compute a quantile of "bool" data: subtraction is undefined`);
  }
  const local = ownedBlock(comm, block);
  const positions: { lo: number; hi: number; gamma: number }[] = [];
  const r = selectOrderStatisticsSync({
    dtype,
    pass: (visit) => {
      if (local.size > 0) visit(local);
    },
    combine: (h) => comm.allreduce(h, null, "sum"),
    gather: (keys) => comm.allgatherv(keys),
    collectLimit: COLLECT_LIMIT,
    ranks: (n, nan) => {
      if (n === 0 && qs !== null) {
        throw new RangeError(`Cannot compute a ${which} of an empty array (shape [${shape}])`);
      }
      if (n === 0 || (nan > 0 && !opts.skipna)) return [];
      if (qs === null) return n % 2 ? [(n - 1) >> 1] : [(n >> 1) - 1, n >> 1];
      for (const x of qs.q) positions.push(quantilePositions(n, x));
      return positions.flatMap((p) => [p.lo, p.hi]);
    },
  });
  const nq = qs === null ? 1 : qs.q.length;
  const outType = qs === null ? medianDType(dtype) : "float64";
  const out = new (DTYPES[outType].array as Float64ArrayConstructor)(nq);
  const v: Scalar[] = r.values;
  for (let k = 0; k < nq; k++) {
    if (v.length === 0) out[k] = NaN;
    else if (qs === null) out[k] = medianOfPair(dtype, v[0], v[1]); // v[1] undefined: odd count
    else out[k] = lerpQuantile(dtype, v[2 * k], v[2 * k + 1], positions[k].gamma);
  }
  const kept = opts.keepdims ? shape.map(() => 1) : [];
  return fromTypedArray(out, qs?.list ? [nq, ...kept] : kept, outType);
}
