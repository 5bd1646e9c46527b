/**
 * Reductions (`sum`, `mean`, `std`, `argmax`, ...) with NumPy's semantics,
 * built on mergeable states: every reduction is an `init / step / merge /
 * finish` {@link Reducer}, so chunks of a file, blocks of a distributed
 * array and out-of-core passes all combine partial results the same way.
 *
 * The one-shot functions ({@link sum}, {@link mean}, ...) are
 * `init -> step(whole array) -> finish`.
 *
 * @example
 * ```ts
 * import { fromArray } from "./ndarray.ts";
 * import { mergeTree, reducer, sum } from "./reduce.ts";
 * const a = fromArray([[1, 2, 3], [4, 5, 6]], "float64");
 * if (sum(a).get() !== 21) throw new Error("bad sum");
 * // the same sum over axis 0, from two row blocks merged
 * const r = reducer("sum", "float64", [2, 3], { axis: 0 });
 * const s0 = r.step(r.init(), a.slice("0:1"), [0, 0]);
 * const s1 = r.step(r.init(), a.slice("1:2"), [1, 0]);
 * const out = r.finish(mergeTree(r, [s0, s1]));
 * if (String(out.toArray()) !== "5,7,9") throw new Error("bad merge");
 * ```
 *
 * @module
 */

import { type DType, type DTypeInfo, DTYPES } from "./dtype.ts";
import { empty, NDArray, normalizeAxis } from "./ndarray.ts";
import {
  type Geometry,
  geometry,
  innerIndexStride,
  walkBlock,
  walkIndexed,
} from "./_kernels/reduce_iter.ts";
import {
  addComp,
  compValue,
  floatSumKernel,
  int64SumKernel,
  intSumKernel,
} from "./_kernels/reduce_sum.ts";
import { chanMerge, momentsKernel } from "./_kernels/reduce_moments.ts";
import {
  anyAllKernel,
  argBetter,
  argFold,
  bigProdFold,
  elementKernel,
  floatProdFold,
  intProdFold,
  minMaxKernel,
} from "./_kernels/reduce_order.ts";

/** Every reduction, by its NumPy name. */
export const REDUCTION_NAMES = [
  "sum",
  "prod",
  "min",
  "max",
  "mean",
  "var",
  "std",
  "argmin",
  "argmax",
  "any",
  "all",
  "count_nonzero",
  "nansum",
  "nanmean",
  "nanmin",
  "nanmax",
  "nanvar",
  "nanstd",
] as const;

/** The NumPy name of a reduction: `"sum"`, `"count_nonzero"`, `"nanstd"`, ... */
export type ReductionName = (typeof REDUCTION_NAMES)[number];

/** Options shared by the reductions (NumPy's keyword arguments). */
export interface ReduceOptions {
  /**
   * The axes to reduce: one axis, a list, or `null`/omitted for all of them.
   * Negative axes count from the end. argmin/argmax take one axis or none.
   */
  readonly axis?: number | readonly number[] | null;
  /** Keep the reduced axes with length 1 (default false). */
  readonly keepdims?: boolean;
  /** Delta degrees of freedom of var/std: the divisor is `count - ddof` (default 0). */
  readonly ddof?: number;
  /** Accumulator and result dtype of sum/prod/mean (and var/std): NumPy's `dtype=`. */
  readonly dtype?: DType;
}

/** A typed array holding one field of a reduction state (one element per slot). */
export type StateArray = Float64Array | BigInt64Array | BigUint64Array | Uint8Array;

/** Description of one field of a reduction state. */
export interface StateField {
  /** Field name (`sum`, `comp`, `count`, ...). */
  readonly name: string;
  /** Element type of the field's typed array (one element per slot). */
  readonly dtype: "float64" | "int64" | "uint64" | "uint8";
}

/**
 * The partial result of a reduction: plain typed arrays, one element per
 * output slot (slots are the elements of the keepdims output shape of the
 * whole global array, in C order), so a state can be copied, sent over MPI
 * or written to disk as it is (see {@link stateBuffers}).
 *
 * Fields by reduction (all `Float64Array` unless noted; counts are exact
 * integers below 2^53):
 * - float `sum`, `nansum`: `sum`, `comp` (a Neumaier-compensated pair;
 *   value `sum + comp`). `mean`, `nanmean` add `count`.
 * - integer `sum`, `nansum`, `count_nonzero`: `lo`, `hi` (exact
 *   integer-valued doubles below 2^52 in magnitude) and `wrap`
 *   (`BigInt64Array`); value `wrap + hi * 2^32 + lo` mod 2^64.
 * - float `prod`: `prod`. Integer `prod`: `acc` (exact, at most 2^53) and
 *   `wrap` (`BigInt64Array`); value `wrap * acc` mod 2^64.
 * - `var`, `std`, `nanvar`, `nanstd`: `count`, `mean`, `m2` (sum of squared
 *   deviations from the mean).
 * - `min`, `max`: `value` (`Float64Array`, or `BigInt64Array` /
 *   `BigUint64Array` for 64-bit integer input), `count`; `nanmin`,
 *   `nanmax` add `valid` (non-NaN count).
 * - `argmin`, `argmax`: `value` (as for min), `index` (position along the
 *   reduced axes of the global array: the global flat C index when every
 *   axis is reduced), `count`.
 * - `any`, `all`: `flag` (`Uint8Array`).
 */
export interface ReduceState {
  /** The reduction this state belongs to. */
  readonly reduction: ReductionName;
  /** Number of output slots. */
  readonly slots: number;
  /** The fields, in the reducer's {@link Reducer.fields} order. */
  readonly arrays: Readonly<Record<string, StateArray>>;
}

/**
 * A reduction of a global array as a mergeable state. Made by
 * {@link reducer}.
 *
 * Determinism: `step` is a pure function of a block's values, its memory
 * layout (strides) and its place in the global array, and `merge(a, b)` is
 * deterministic. So for a given split
 * of the global array into blocks, stepping each block into its own fresh
 * state and combining the states with {@link mergeTree} in global block order
 * gives the same bits whichever process stepped which block and in whatever
 * order. Results that are exact (integer and bool sums, products, counts,
 * min/max, argmin/argmax, any/all) are the same for every split and every
 * merge order; argmin/argmax break ties by the smaller global index, as
 * NumPy does. Float sums, means and variances of different splits agree to
 * within rounding of the compensated partials (a few ulps) but are not
 * guaranteed to be bit-identical; a one-shot reduction is the one-block
 * split.
 */
export interface Reducer {
  /** The reduction. */
  readonly name: ReductionName;
  /** Element type of the input blocks. */
  readonly inputDType: DType;
  /** Element type of the result. */
  readonly resultDType: DType;
  /** Shape of the whole global array. */
  readonly globalShape: readonly number[];
  /** The reduced axes, normalised and sorted. */
  readonly axes: readonly number[];
  /** Keepdims shape of the result (reduced axes have length 1). */
  readonly outShape: readonly number[];
  /** Number of output slots (elements of `outShape`). */
  readonly slots: number;
  /** The state's fields, in the order of {@link stateBuffers}. */
  readonly fields: readonly StateField[];
  /**
   * A fresh state: the identity of the reduction in every slot.
   *
   * @returns The state.
   */
  init(): ReduceState;
  /**
   * Folds one block of the global array into a state.
   *
   * @param state The state to update (modified and returned).
   * @param block The block's elements: any strided view.
   * @param blockStart Global index of the block's first element (default all 0).
   * @returns `state`.
   */
  step(state: ReduceState, block: NDArray, blockStart?: readonly number[]): ReduceState;
  /**
   * Combines `from` into `into`, slot by slot. `merge(a, b)` means a's data
   * came before b's.
   *
   * @param into The state that receives (modified and returned).
   * @param from The state that is added.
   * @returns `into`.
   */
  merge(into: ReduceState, from: ReduceState): ReduceState;
  /**
   * The result of a state.
   *
   * @param state A state that has seen every block.
   * @param options `keepdims` (default: the reducer's option).
   * @returns The result (0-d for a reduction over every axis).
   * @throws {RangeError} For min/max/argmin/argmax of an empty slice.
   */
  finish(state: ReduceState, options?: { keepdims?: boolean }): NDArray;
  /**
   * A deep copy of a state.
   *
   * @param state The state.
   * @returns The copy.
   */
  clone(state: ReduceState): ReduceState;
}

interface Impl {
  fields: readonly (StateField & { init: number | bigint })[];
  step(arrays: Record<string, StateArray>, block: NDArray, start: readonly number[]): void;
  merge(into: Record<string, StateArray>, from: Record<string, StateArray>): void;
  finish(arrays: Record<string, StateArray>, out: NDArray): void;
}

type F64 = Float64Array;
type I64 = BigInt64Array;

function kindOf(d: DType): DTypeInfo["kind"] {
  return (DTYPES[d] as DTypeInfo).kind;
}

function isBig(d: DType): boolean {
  return (DTYPES[d] as DTypeInfo).big;
}

/** Blocks as numbers: 64-bit integers are converted to float64. */
function numeric(block: NDArray): NDArray {
  return isBig(block.dtype) ? block.astype("float64") : block;
}

function walk(
  geom: Geometry,
  block: NDArray,
  start: readonly number[],
  k: Parameters<typeof walkBlock>[6],
): void {
  walkBlock(geom, block.data, block.shape, block.strides, block.offset, start, k);
}

function store(out: NDArray, k: number, v: number | bigint): void {
  const d = out.data as unknown as { [i: number]: number | bigint };
  const inf = DTYPES[out.dtype] as DTypeInfo;
  if (inf.big) d[k] = typeof v === "bigint" ? v : BigInt(Math.trunc(v));
  else if (inf.kind === "b") d[k] = v !== 0 && v !== 0n ? 1 : 0;
  else if (typeof v === "bigint") {
    d[k] = inf.kind === "f" ? Number(v) : Number(BigInt.asIntN(32, v));
  } else d[k] = inf.kind === "f" ? v : Math.trunc(v);
}

function floatSumImpl(geom: Geometry, skipNaN: boolean, isMean: boolean): Impl {
  const fields: Impl["fields"] = [
    { name: "sum", dtype: "float64", init: 0 },
    { name: "comp", dtype: "float64", init: 0 },
    ...(isMean ? [{ name: "count", dtype: "float64" as const, init: 0 }] : []),
  ];
  return {
    fields,
    step(a, block, start) {
      const b = numeric(block);
      const k = floatSumKernel(
        a.sum as F64,
        a.comp as F64,
        isMean ? a.count as F64 : null,
        skipNaN,
      );
      walk(geom, b, start, k);
    },
    merge(into, from) {
      const S = into.sum as F64;
      const C = into.comp as F64;
      const S2 = from.sum as F64;
      const C2 = from.comp as F64;
      for (let k = 0; k < S.length; k++) addComp(S, C, k, S2[k], C2[k]);
      if (isMean) {
        const N = into.count as F64;
        const N2 = from.count as F64;
        for (let k = 0; k < N.length; k++) N[k] += N2[k];
      }
    },
    finish(a, out) {
      const S = a.sum as F64;
      const C = a.comp as F64;
      for (let k = 0; k < S.length; k++) {
        const v = compValue(S[k], C[k]);
        store(out, k, isMean ? v / (a.count as F64)[k] : v);
      }
    },
  };
}

function intSumImpl(geom: Geometry, nonzero: boolean): Impl {
  return {
    fields: [
      { name: "lo", dtype: "float64", init: 0 },
      { name: "hi", dtype: "float64", init: 0 },
      { name: "wrap", dtype: "int64", init: 0n },
    ],
    step(a, block, start) {
      const L = a.lo as F64;
      const W = a.wrap as I64;
      let b = block;
      if (nonzero) {
        if (isBig(b.dtype)) b = b.astype("bool");
        walk(geom, b, start, intSumKernel(L, W, true));
      } else if (isBig(b.dtype)) {
        const buf = b.data as BigInt64Array;
        const lo = new Uint32Array(buf.buffer, buf.byteOffset, buf.length * 2);
        const hi = b.dtype === "int64"
          ? new Int32Array(buf.buffer, buf.byteOffset, buf.length * 2)
          : new Uint32Array(buf.buffer, buf.byteOffset, buf.length * 2);
        walk(geom, b, start, int64SumKernel(lo, hi, L, a.hi as F64, W));
      } else {
        walk(geom, b, start, intSumKernel(L, W, false));
      }
    },
    merge(into, from) {
      const L = into.lo as F64;
      const H = into.hi as F64;
      const W = into.wrap as I64;
      const L2 = from.lo as F64;
      const H2 = from.hi as F64;
      const W2 = from.wrap as I64;
      for (let k = 0; k < L.length; k++) {
        const l = L[k] + L2[k];
        const h = H[k] + H2[k];
        let w = W[k] + W2[k];
        if (Math.abs(l) >= 2 ** 52 || Math.abs(h) >= 2 ** 52) {
          w += (BigInt(h) << 32n) + BigInt(l);
          L[k] = 0;
          H[k] = 0;
        } else {
          L[k] = l;
          H[k] = h;
        }
        W[k] = BigInt.asIntN(64, w);
      }
    },
    finish(a, out) {
      const L = a.lo as F64;
      const H = a.hi as F64;
      const W = a.wrap as I64;
      for (let k = 0; k < L.length; k++) {
        store(out, k, BigInt.asIntN(64, W[k] + (BigInt(H[k]) << 32n) + BigInt(L[k])));
      }
    },
  };
}

function prodImpl(geom: Geometry, isFloat: boolean): Impl {
  if (isFloat) {
    return {
      fields: [{ name: "prod", dtype: "float64", init: 1 }],
      step(a, block, start) {
        walk(geom, numeric(block), start, elementKernel(floatProdFold(a.prod as F64)));
      },
      merge(into, from) {
        const P = into.prod as F64;
        const P2 = from.prod as F64;
        for (let k = 0; k < P.length; k++) P[k] *= P2[k];
      },
      finish(a, out) {
        const P = a.prod as F64;
        for (let k = 0; k < P.length; k++) store(out, k, P[k]);
      },
    };
  }
  return {
    fields: [
      { name: "acc", dtype: "float64", init: 1 },
      { name: "wrap", dtype: "int64", init: 1n },
    ],
    step(a, block, start) {
      const fold = isBig(block.dtype)
        ? bigProdFold(a.wrap as I64)
        : intProdFold(a.acc as F64, a.wrap as I64);
      walk(geom, block, start, elementKernel(fold));
    },
    merge(into, from) {
      const W = into.wrap as I64;
      const W2 = from.wrap as I64;
      const A2 = from.acc as F64;
      for (let k = 0; k < W.length; k++) W[k] = BigInt.asIntN(64, W[k] * W2[k] * BigInt(A2[k]));
    },
    finish(a, out) {
      const W = a.wrap as I64;
      const A = a.acc as F64;
      for (let k = 0; k < W.length; k++) store(out, k, BigInt.asIntN(64, W[k] * BigInt(A[k])));
    },
  };
}

function valueField(input: DType): "float64" | "int64" | "uint64" {
  return input === "int64" ? "int64" : input === "uint64" ? "uint64" : "float64";
}

function extreme(input: DType, isMax: boolean): number | bigint {
  if (input === "int64") return isMax ? -(2n ** 63n) : 2n ** 63n - 1n;
  if (input === "uint64") return isMax ? 0n : 2n ** 64n - 1n;
  return isMax ? -Infinity : Infinity;
}

function emptyError(name: string, cause?: unknown): RangeError {
  const e = new RangeError(
    `Cannot compute "${name}" of an empty slice: the reduction has no identity`,
    { cause },
  );
  e.name = "RangeError";
  return e;
}

function minMaxImpl(
  geom: Geometry,
  name: string,
  input: DType,
  isMax: boolean,
  skip: boolean,
): Impl {
  const init = extreme(input, isMax);
  return {
    fields: [
      { name: "value", dtype: valueField(input), init },
      { name: "count", dtype: "float64", init: 0 },
      ...(skip ? [{ name: "valid", dtype: "float64" as const, init: 0 }] : []),
    ],
    step(a, block, start) {
      const k = minMaxKernel(
        a.value as F64,
        a.count as F64,
        skip ? a.valid as F64 : null,
        isMax,
      );
      walk(geom, block, start, k);
    },
    merge(into, from) {
      const V = into.value as F64;
      const V2 = from.value as F64;
      const N = into.count as F64;
      const N2 = from.count as F64;
      for (let k = 0; k < V.length; k++) {
        if (N2[k] === 0) continue;
        const v = V[k];
        const x = V2[k];
        if ((isMax ? x > v : x < v) || (!skip && x !== x)) {
          if (v === v) V[k] = x;
        }
        N[k] += N2[k];
      }
      if (skip) {
        const C = into.valid as F64;
        const C2 = from.valid as F64;
        for (let k = 0; k < C.length; k++) C[k] += C2[k];
      }
    },
    finish(a, out) {
      const V = a.value as F64;
      const N = a.count as F64;
      for (let k = 0; k < V.length; k++) {
        if (N[k] === 0) throw emptyError(name);
        store(out, k, skip && (a.valid as F64)[k] === 0 ? NaN : V[k]);
      }
    },
  };
}

function argImpl(geom: Geometry, name: string, input: DType, isMax: boolean): Impl {
  return {
    fields: [
      { name: "value", dtype: valueField(input), init: extreme(input, isMax) },
      { name: "index", dtype: "float64", init: 0 },
      { name: "count", dtype: "float64", init: 0 },
    ],
    step(a, block, start) {
      const fold = argFold(
        a.value as F64,
        a.index as F64,
        a.count as F64,
        block.data as F64,
        isMax,
        innerIndexStride(geom),
      );
      walkIndexed(geom, block.shape, block.strides, block.offset, start, fold);
    },
    merge(into, from) {
      const V = into.value as F64;
      const I = into.index as F64;
      const N = into.count as F64;
      const V2 = from.value as F64;
      const I2 = from.index as F64;
      const N2 = from.count as F64;
      for (let k = 0; k < V.length; k++) {
        if (N2[k] === 0) continue;
        if (N[k] === 0 || argBetter(V2[k], I2[k], V[k], I[k], isMax)) {
          V[k] = V2[k];
          I[k] = I2[k];
        }
        N[k] += N2[k];
      }
    },
    finish(a, out) {
      const I = a.index as F64;
      const N = a.count as F64;
      for (let k = 0; k < I.length; k++) {
        if (N[k] === 0) throw emptyError(name);
        store(out, k, BigInt(I[k]));
      }
    },
  };
}

function anyAllImpl(geom: Geometry, isAll: boolean): Impl {
  return {
    fields: [{ name: "flag", dtype: "uint8", init: isAll ? 1 : 0 }],
    step(a, block, start) {
      const b = isBig(block.dtype) ? block.astype("bool") : block;
      walk(geom, b, start, anyAllKernel(a.flag as Uint8Array, isAll));
    },
    merge(into, from) {
      const B = into.flag as Uint8Array;
      const B2 = from.flag as Uint8Array;
      for (let k = 0; k < B.length; k++) B[k] = isAll ? B[k] & B2[k] : B[k] | B2[k];
    },
    finish(a, out) {
      (out.data as Uint8Array).set(a.flag as Uint8Array);
    },
  };
}

function momentsImpl(geom: Geometry, skipNaN: boolean, ddof: number, isStd: boolean): Impl {
  return {
    fields: [
      { name: "count", dtype: "float64", init: 0 },
      { name: "mean", dtype: "float64", init: 0 },
      { name: "m2", dtype: "float64", init: 0 },
    ],
    step(a, block, start) {
      const k = momentsKernel(a.count as F64, a.mean as F64, a.m2 as F64, skipNaN);
      walk(geom, numeric(block), start, k);
    },
    merge(into, from) {
      const N = into.count as F64;
      const M = into.mean as F64;
      const Q = into.m2 as F64;
      const N2 = from.count as F64;
      const M2 = from.mean as F64;
      const Q2 = from.m2 as F64;
      for (let k = 0; k < N.length; k++) chanMerge(N, M, Q, k, N2[k], M2[k], Q2[k]);
    },
    finish(a, out) {
      const N = a.count as F64;
      const Q = a.m2 as F64;
      for (let k = 0; k < N.length; k++) {
        const v = N[k] === 0 ? NaN : Q[k] / Math.max(N[k] - ddof, 0);
        store(out, k, isStd ? Math.sqrt(v) : v);
      }
    },
  };
}

function resolveAxes(name: ReductionName, ndim: number, axis: ReduceOptions["axis"]): number[] {
  if (axis === undefined || axis === null) return [...Array(ndim).keys()];
  if (typeof axis === "number") return [normalizeAxis(axis, ndim)];
  if (!Array.isArray(axis)) {
    throw new TypeError(`Invalid axis "${String(axis)}": expected a number, a list or null`);
  }
  if (name === "argmin" || name === "argmax") {
    throw new TypeError(`Invalid axis [${axis.join(",")}] for ${name}: expected one axis or null`);
  }
  const out = axis.map((a) => normalizeAxis(a, ndim));
  if (new Set(out).size !== out.length) {
    throw new RangeError(`Invalid axis [${axis.join(",")}]: duplicate value`);
  }
  return out.sort((x, y) => x - y);
}

function defaultSumDType(input: DType): DType {
  const k = kindOf(input);
  return k === "f" ? input : k === "u" ? "uint64" : "int64";
}

function floatResult(input: DType): DType {
  return kindOf(input) === "f" ? input : "float64";
}

function makeImpl(
  name: ReductionName,
  input: DType,
  geom: Geometry,
  options: ReduceOptions,
): { impl: Impl; result: DType } {
  const dtype = options.dtype;
  const ddof = options.ddof ?? 0;
  if (!Number.isFinite(ddof)) throw new RangeError(`Invalid ddof ${ddof}: must be a finite number`);
  const inKind = kindOf(input);
  switch (name) {
    case "sum":
    case "nansum":
    case "count_nonzero": {
      if (name === "count_nonzero") return { impl: intSumImpl(geom, true), result: "int64" };
      const acc = dtype ?? defaultSumDType(input);
      if (kindOf(acc) === "f") {
        return {
          impl: floatSumImpl(geom, name === "nansum" && inKind === "f", false),
          result: acc,
        };
      }
      const impl = intSumImpl(geom, false);
      return { impl: inKind === "f" ? castingImpl(impl, acc) : impl, result: acc };
    }
    case "prod": {
      const acc = dtype ?? defaultSumDType(input);
      if (kindOf(acc) === "f") return { impl: prodImpl(geom, true), result: acc };
      const impl = prodImpl(geom, false);
      return { impl: inKind === "f" ? castingImpl(impl, acc) : impl, result: acc };
    }
    case "mean":
    case "nanmean":
      return {
        impl: floatSumImpl(geom, name === "nanmean" && inKind === "f", true),
        result: dtype ?? floatResult(input),
      };
    case "var":
    case "std":
    case "nanvar":
    case "nanstd":
      return {
        impl: momentsImpl(
          geom,
          name.startsWith("nan") && inKind === "f",
          ddof,
          name.endsWith("std"),
        ),
        result: dtype ?? floatResult(input),
      };
    case "min":
    case "max":
    case "nanmin":
    case "nanmax":
      return {
        impl: minMaxImpl(
          geom,
          name,
          input,
          name.endsWith("max"),
          name.startsWith("nan") && inKind === "f",
        ),
        result: input,
      };
    case "argmin":
    case "argmax":
      return { impl: argImpl(geom, name, input, name === "argmax"), result: "int64" };
    case "any":
    case "all":
      return { impl: anyAllImpl(geom, name === "all"), result: "bool" };
  }
}

/** Wraps an integer impl so float blocks are first cast to the accumulator dtype. */
function castingImpl(impl: Impl, acc: DType): Impl {
  return { ...impl, step: (a, block, start) => impl.step(a, block.astype(acc), start) };
}

const FIELD_ARRAYS = {
  float64: Float64Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
  uint8: Uint8Array,
} as const;

class ReducerImpl implements Reducer {
  readonly name: ReductionName;
  readonly inputDType: DType;
  readonly resultDType: DType;
  readonly globalShape: readonly number[];
  readonly axes: readonly number[];
  readonly outShape: readonly number[];
  readonly slots: number;
  readonly fields: readonly StateField[];
  #impl: Impl;
  #geom: Geometry;
  #keepdims: boolean;

  constructor(name: ReductionName, input: DType, shape: readonly number[], options: ReduceOptions) {
    if (!(REDUCTION_NAMES as readonly string[]).includes(name)) {
      throw new TypeError(
        `Unknown reduction "${name}": expected one of ${REDUCTION_NAMES.join(", ")}`,
      );
    }
    if (!Object.hasOwn(DTYPES, input)) throw new TypeError(`Unknown dtype "${input}"`);
    if (options.dtype !== undefined && !Object.hasOwn(DTYPES, options.dtype)) {
      throw new TypeError(`Unknown dtype "${options.dtype}"`);
    }
    this.name = name;
    this.inputDType = input;
    this.globalShape = Object.freeze([...shape]);
    this.axes = Object.freeze(resolveAxes(name, shape.length, options.axis));
    this.#geom = geometry(shape, this.axes);
    this.outShape = Object.freeze([...this.#geom.outShape]);
    this.slots = this.#geom.slots;
    const { impl, result } = makeImpl(name, input, this.#geom, options);
    this.#impl = impl;
    this.resultDType = result;
    this.fields = Object.freeze(
      impl.fields.map(({ name, dtype }) => Object.freeze({ name, dtype })),
    );
    this.#keepdims = options.keepdims ?? false;
  }

  init(): ReduceState {
    const arrays: Record<string, StateArray> = {};
    for (const f of this.#impl.fields) {
      const a = new FIELD_ARRAYS[f.dtype](this.slots);
      if (f.init !== 0 && f.init !== 0n) (a as Float64Array).fill(f.init as number);
      arrays[f.name] = a;
    }
    return { reduction: this.name, slots: this.slots, arrays };
  }

  #check(state: ReduceState): void {
    if (state?.reduction !== this.name || state.slots !== this.slots) {
      throw new TypeError(
        `Invalid state for "${this.name}" with ${this.slots} slots: got "${state?.reduction}" with ${state?.slots}`,
      );
    }
  }

  step(state: ReduceState, block: NDArray, blockStart?: readonly number[]): ReduceState {
    this.#check(state);
    if (!(block instanceof NDArray)) {
      throw new TypeError(`Invalid block "${String(block)}": expected an NDArray`);
    }
    if (block.dtype !== this.inputDType) {
      throw new TypeError(
        `Invalid block dtype "${block.dtype}": the reducer was made for "${this.inputDType}"`,
      );
    }
    const start = blockStart ?? new Array<number>(block.ndim).fill(0);
    this.#impl.step(state.arrays as Record<string, StateArray>, block, start);
    return state;
  }

  merge(into: ReduceState, from: ReduceState): ReduceState {
    this.#check(into);
    this.#check(from);
    this.#impl.merge(
      into.arrays as Record<string, StateArray>,
      from.arrays as Record<string, StateArray>,
    );
    return into;
  }

  finish(state: ReduceState, options?: { keepdims?: boolean }): NDArray {
    this.#check(state);
    const out = empty(this.outShape, this.resultDType) as NDArray;
    this.#impl.finish(state.arrays as Record<string, StateArray>, out);
    if (options?.keepdims ?? this.#keepdims) return out;
    return out.reshape(this.outShape.filter((_, i) => !this.axes.includes(i)));
  }

  clone(state: ReduceState): ReduceState {
    this.#check(state);
    const arrays: Record<string, StateArray> = {};
    for (const [k, v] of Object.entries(state.arrays)) arrays[k] = v.slice();
    return { reduction: state.reduction, slots: state.slots, arrays };
  }
}

/**
 * The mergeable-state form of a reduction over a global array: the contract
 * the streaming and distributed layers build on (see {@link Reducer}).
 *
 * @param name The reduction's NumPy name.
 * @param inputDType Element type of the blocks that will be stepped.
 * @param globalShape Shape of the whole global array.
 * @param options `axis`, `keepdims` (default of `finish`), `ddof`, `dtype`.
 * @returns The reducer.
 * @throws {TypeError} For an unknown reduction or dtype, or several axes for argmin/argmax.
 * @throws {RangeError} For an axis out of bounds or repeated.
 *
 * @example
 * ```ts
 * import { arange } from "./ndarray.ts";
 * import { reducer } from "./reduce.ts";
 * const a = arange(10, undefined, undefined, "float64");
 * const r = reducer("std", "float64", [10]);
 * const lo = r.step(r.init(), a.slice("0:4"), [0]);
 * const hi = r.step(r.init(), a.slice("4:10"), [4]);
 * const s = r.finish(r.merge(lo, hi)).get() as number;
 * if (Math.abs(s - Math.sqrt(8.25)) > 1e-12) throw new Error(`bad std ${s}`);
 * ```
 */
export function reducer(
  name: ReductionName,
  inputDType: DType,
  globalShape: readonly number[],
  options: ReduceOptions = {},
): Reducer {
  return new ReducerImpl(name, inputDType, globalShape, options);
}

/**
 * Combines states ordered by global block index in a fixed pairwise tree,
 * `((s0 + s1) + (s2 + s3)) + ...` (an odd last state is carried up a level
 * unchanged), so a given split gives the same bits whichever rank computed
 * which block. The states are consumed: the result may be one of them, and
 * the others may have been modified.
 *
 * @param r The reducer the states belong to.
 * @param states States in global block order.
 * @returns The combined state (a fresh `init()` for an empty list).
 *
 * @example
 * ```ts
 * import { fromArray } from "./ndarray.ts";
 * import { mergeTree, reducer } from "./reduce.ts";
 * const r = reducer("max", "int32", [4]);
 * const blocks = [[3], [9], [1], [4]].map((v) => fromArray(v, "int32"));
 * const st = mergeTree(r, blocks.map((b, i) => r.step(r.init(), b, [i])));
 * if (r.finish(st).get() !== 9) throw new Error("bad");
 * ```
 */
export function mergeTree(r: Reducer, states: readonly ReduceState[]): ReduceState {
  if (states.length === 0) return r.init();
  let level = [...states];
  while (level.length > 1) {
    const next: ReduceState[] = [];
    for (let i = 0; i < level.length; i += 2) {
      next.push(i + 1 < level.length ? r.merge(level[i], level[i + 1]) : level[i]);
    }
    level = next;
  }
  return level[0];
}

/**
 * The typed arrays of a state in field order (as in {@link Reducer.fields}),
 * shared, not copied: what to send over MPI or write to disk.
 *
 * @param state A state.
 * @returns One typed array per field.
 *
 * @example
 * ```ts
 * import { reducer, stateBuffers } from "./reduce.ts";
 * const r = reducer("mean", "float32", [4, 3], { axis: 0 });
 * const bufs = stateBuffers(r.init());
 * if (bufs.length !== 3 || bufs[0].length !== 3) throw new Error("bad");
 * ```
 */
export function stateBuffers(state: ReduceState): StateArray[] {
  return Object.values(state.arrays);
}

/**
 * Rebuilds a state from buffers in field order (as received over MPI): typed
 * arrays of the field's type are used as they are, other views and
 * `ArrayBuffer`s are viewed as the field's type (without copying).
 *
 * @param r The reducer the state belongs to.
 * @param buffers One buffer per field of `r.fields`.
 * @returns The state.
 * @throws {RangeError} When the number or the sizes of the buffers do not match.
 *
 * @example
 * ```ts
 * import { fromArray } from "./ndarray.ts";
 * import { reducer, stateBuffers, stateFromBuffers } from "./reduce.ts";
 * const r = reducer("sum", "int64", [2]);
 * const st = r.step(r.init(), fromArray([5n, 7n], "int64"));
 * const bytes = stateBuffers(st).map((b) => b.slice().buffer);
 * if (r.finish(stateFromBuffers(r, bytes)).get() !== 12n) throw new Error("bad");
 * ```
 */
export function stateFromBuffers(
  r: Reducer,
  buffers: readonly (ArrayBufferLike | ArrayBufferView)[],
): ReduceState {
  if (buffers.length !== r.fields.length) {
    throw new RangeError(
      `Invalid state buffers for "${r.name}": expected ${r.fields.length}, got ${buffers.length}`,
    );
  }
  const arrays: Record<string, StateArray> = {};
  r.fields.forEach((f, i) => {
    const C = FIELD_ARRAYS[f.dtype];
    const b = buffers[i];
    let a: StateArray;
    if (b instanceof C) a = b;
    else if (ArrayBuffer.isView(b)) {
      a = new C(b.buffer as ArrayBuffer, b.byteOffset, b.byteLength / C.BYTES_PER_ELEMENT);
    } else a = new C(b as ArrayBuffer);
    if (a.length !== r.slots) {
      throw new RangeError(
        `Invalid state buffer "${f.name}" for "${r.name}": expected ${r.slots} elements, got ${a.length}`,
      );
    }
    arrays[f.name] = a;
  });
  return { reduction: r.name, slots: r.slots, arrays };
}

function oneShot(name: ReductionName, a: NDArray, options: ReduceOptions = {}): NDArray {
  if (!(a instanceof NDArray)) {
    throw new TypeError(`Invalid array "${String(a)}": expected an NDArray`);
  }
  const r = reducer(name, a.dtype, a.shape, options);
  return r.finish(r.step(r.init(), a));
}

/**
 * Sum of the elements over the given axes, like `np.sum`. Integer and bool sums are exact (int64, or uint64 for unsigned input, wrapping like NumPy); float sums are compensated.
 *
 * @param a The array.
 * @param options `axis`, `keepdims`, `dtype`.
 * @returns The result: a 0-d array when every axis is reduced.
 *
 * @example
 * ```ts
 * import { fromArray } from "./ndarray.ts";
 * import { sum } from "./reduce.ts";
 * const a = fromArray([[1, 2], [3, 4]], "int32");
 * const s = sum(a, { axis: 0 });
 * if (s.dtype !== "int64" || String(s.toArray()) !== "4,6") throw new Error("bad");
 * ```
 */
function sum(a: NDArray, options?: ReduceOptions): NDArray {
  return oneShot("sum", a, options);
}

/**
 * Product of the elements, like `np.prod` (integers exact modulo 2^64).
 *
 * @param a The array.
 * @param options `axis`, `keepdims`, `dtype`.
 * @returns The result: a 0-d array when every axis is reduced.
 *
 * @example
 * ```ts
 * import { fromArray } from "./ndarray.ts";
 * import { prod } from "./reduce.ts";
 * const a = fromArray([[1, 2], [3, 4]], "int8");
 * if (prod(a).get() !== 24n) throw new Error("bad");
 * ```
 */
function prod(a: NDArray, options?: ReduceOptions): NDArray {
  return oneShot("prod", a, options);
}

/**
 * Minimum, like `np.min`: NaN propagates.
 *
 * @param a The array.
 * @param options `axis`, `keepdims`.
 * @returns The result: a 0-d array when every axis is reduced.
 * @throws {RangeError} For an empty slice.
 *
 * @example
 * ```ts
 * import { fromArray } from "./ndarray.ts";
 * import { min } from "./reduce.ts";
 * const a = fromArray([[5, 2], [3, 4]], "uint16");
 * if (String(min(a, { axis: 1 }).toArray()) !== "2,3") throw new Error("bad");
 * ```
 */
function min(a: NDArray, options?: ReduceOptions): NDArray {
  return oneShot("min", a, options);
}

/**
 * Maximum, like `np.max`: NaN propagates.
 *
 * @param a The array.
 * @param options `axis`, `keepdims`.
 * @returns The result: a 0-d array when every axis is reduced.
 * @throws {RangeError} For an empty slice.
 *
 * @example
 * ```ts
 * import { fromArray } from "./ndarray.ts";
 * import { max } from "./reduce.ts";
 * const a = fromArray([1.5, NaN, 3]);
 * if (!Number.isNaN(max(a).get())) throw new Error("bad");
 * ```
 */
function max(a: NDArray, options?: ReduceOptions): NDArray {
  return oneShot("max", a, options);
}

/**
 * Arithmetic mean, like `np.mean`: float64 for integer input, float32 (computed in double) for float32; NaN for an empty slice.
 *
 * @param a The array.
 * @param options `axis`, `keepdims`, `dtype`.
 * @returns The result: a 0-d array when every axis is reduced.
 *
 * @example
 * ```ts
 * import { fromArray } from "./ndarray.ts";
 * import { mean } from "./reduce.ts";
 * const a = fromArray([[1, 2], [3, 4]], "int32");
 * if (String(mean(a, { axis: -1 }).toArray()) !== "1.5,3.5") throw new Error("bad");
 * ```
 */
function mean(a: NDArray, options?: ReduceOptions): NDArray {
  return oneShot("mean", a, options);
}

/**
 * Variance, like `np.var`: the mean squared deviation, divided by `count - ddof`. One pass over the data (two-pass tiles merged with Chan et al.'s formula).
 *
 * @param a The array.
 * @param options `axis`, `keepdims`, `ddof`, `dtype`.
 * @returns The result: a 0-d array when every axis is reduced.
 *
 * @example
 * ```ts
 * import { fromArray } from "./ndarray.ts";
 * import { var as var_ } from "./reduce.ts";
 * const a = fromArray([1, 2, 3, 4]);
 * if (var_(a, { ddof: 1 }).get() !== 5 / 3) throw new Error("bad");
 * ```
 */
function var_(a: NDArray, options?: ReduceOptions): NDArray {
  return oneShot("var", a, options);
}

/**
 * Standard deviation, like `np.std`: the square root of {@link var}.
 *
 * @param a The array.
 * @param options `axis`, `keepdims`, `ddof`, `dtype`.
 * @returns The result: a 0-d array when every axis is reduced.
 *
 * @example
 * ```ts
 * import { fromArray } from "./ndarray.ts";
 * import { std } from "./reduce.ts";
 * const a = fromArray([2, 4, 4, 4, 5, 5, 7, 9]);
 * if (std(a).get() !== 2) throw new Error("bad");
 * ```
 */
function std(a: NDArray, options?: ReduceOptions): NDArray {
  return oneShot("std", a, options);
}

/**
 * Index of the minimum, like `np.argmin`: along one axis, or the flat C-order index when no axis is given. Ties give the first index; a NaN is the minimum (the first NaN).
 *
 * @param a The array.
 * @param options `axis` (one axis or none), `keepdims`.
 * @returns The result: a 0-d array when every axis is reduced.
 * @throws {RangeError} For an empty slice.
 *
 * @example
 * ```ts
 * import { fromArray } from "./ndarray.ts";
 * import { argmin } from "./reduce.ts";
 * const a = fromArray([[4, 1], [1, 0]], "int32");
 * if (argmin(a).get() !== 3n) throw new Error("bad");
 * if (String(argmin(a, { axis: 0 }).toArray()) !== "1,1") throw new Error("bad");
 * ```
 */
function argmin(a: NDArray, options?: ArgOptions): NDArray {
  return oneShot("argmin", a, options);
}

/**
 * Index of the maximum, like `np.argmax` (see {@link argmin}).
 *
 * @param a The array.
 * @param options `axis` (one axis or none), `keepdims`.
 * @returns The result: a 0-d array when every axis is reduced.
 * @throws {RangeError} For an empty slice.
 *
 * @example
 * ```ts
 * import { fromArray } from "./ndarray.ts";
 * import { argmax } from "./reduce.ts";
 * const a = fromArray([[4, 9], [9, 0]], "int32");
 * if (argmax(a).get() !== 1n) throw new Error("bad");
 * ```
 */
function argmax(a: NDArray, options?: ArgOptions): NDArray {
  return oneShot("argmax", a, options);
}

/**
 * Whether any element is non-zero (NaN counts as non-zero), like `np.any`.
 *
 * @param a The array.
 * @param options `axis`, `keepdims`.
 * @returns The result: a 0-d array when every axis is reduced.
 *
 * @example
 * ```ts
 * import { fromArray } from "./ndarray.ts";
 * import { any } from "./reduce.ts";
 * const a = fromArray([[0, 0], [0, 2]], "int8");
 * if (String(any(a, { axis: 1 }).toArray()) !== "false,true") throw new Error("bad");
 * ```
 */
function any(a: NDArray, options?: ReduceOptions): NDArray {
  return oneShot("any", a, options);
}

/**
 * Whether every element is non-zero, like `np.all` (true for an empty slice).
 *
 * @param a The array.
 * @param options `axis`, `keepdims`.
 * @returns The result: a 0-d array when every axis is reduced.
 *
 * @example
 * ```ts
 * import { fromArray } from "./ndarray.ts";
 * import { all } from "./reduce.ts";
 * const a = fromArray([[1, 0], [1, 2]], "int8");
 * if (String(all(a, { axis: 0 }).toArray()) !== "true,false") throw new Error("bad");
 * ```
 */
function all(a: NDArray, options?: ReduceOptions): NDArray {
  return oneShot("all", a, options);
}

/**
 * Number of non-zero elements, like `np.count_nonzero` (int64).
 *
 * @param a The array.
 * @param options `axis`, `keepdims`.
 * @returns The result: a 0-d array when every axis is reduced.
 *
 * @example
 * ```ts
 * import { fromArray } from "./ndarray.ts";
 * import { countNonzero } from "./reduce.ts";
 * const a = fromArray([[1, 0], [1, 2]], "float32");
 * if (countNonzero(a).get() !== 3n) throw new Error("bad");
 * ```
 */
function countNonzero(a: NDArray, options?: ReduceOptions): NDArray {
  return oneShot("count_nonzero", a, options);
}

/**
 * Sum ignoring NaN, like `np.nansum` (0 for an all-NaN slice).
 *
 * @param a The array.
 * @param options `axis`, `keepdims`, `dtype`.
 * @returns The result: a 0-d array when every axis is reduced.
 *
 * @example
 * ```ts
 * import { fromArray } from "./ndarray.ts";
 * import { nansum } from "./reduce.ts";
 * const a = fromArray([1, NaN, 2]);
 * if (nansum(a).get() !== 3) throw new Error("bad");
 * ```
 */
function nansum(a: NDArray, options?: ReduceOptions): NDArray {
  return oneShot("nansum", a, options);
}

/**
 * Mean ignoring NaN, like `np.nanmean` (NaN for an all-NaN slice).
 *
 * @param a The array.
 * @param options `axis`, `keepdims`, `dtype`.
 * @returns The result: a 0-d array when every axis is reduced.
 *
 * @example
 * ```ts
 * import { fromArray } from "./ndarray.ts";
 * import { nanmean } from "./reduce.ts";
 * const a = fromArray([1, NaN, 2]);
 * if (nanmean(a).get() !== 1.5) throw new Error("bad");
 * ```
 */
function nanmean(a: NDArray, options?: ReduceOptions): NDArray {
  return oneShot("nanmean", a, options);
}

/**
 * Minimum ignoring NaN, like `np.nanmin` (NaN for an all-NaN slice).
 *
 * @param a The array.
 * @param options `axis`, `keepdims`.
 * @returns The result: a 0-d array when every axis is reduced.
 * @throws {RangeError} For an empty slice.
 *
 * @example
 * ```ts
 * import { fromArray } from "./ndarray.ts";
 * import { nanmin } from "./reduce.ts";
 * const a = fromArray([NaN, 3, 2]);
 * if (nanmin(a).get() !== 2) throw new Error("bad");
 * ```
 */
function nanmin(a: NDArray, options?: ReduceOptions): NDArray {
  return oneShot("nanmin", a, options);
}

/**
 * Maximum ignoring NaN, like `np.nanmax` (NaN for an all-NaN slice).
 *
 * @param a The array.
 * @param options `axis`, `keepdims`.
 * @returns The result: a 0-d array when every axis is reduced.
 * @throws {RangeError} For an empty slice.
 *
 * @example
 * ```ts
 * import { fromArray } from "./ndarray.ts";
 * import { nanmax } from "./reduce.ts";
 * const a = fromArray([NaN, 3, 2]);
 * if (nanmax(a).get() !== 3) throw new Error("bad");
 * ```
 */
function nanmax(a: NDArray, options?: ReduceOptions): NDArray {
  return oneShot("nanmax", a, options);
}

/**
 * Variance ignoring NaN, like `np.nanvar`.
 *
 * @param a The array.
 * @param options `axis`, `keepdims`, `ddof`, `dtype`.
 * @returns The result: a 0-d array when every axis is reduced.
 *
 * @example
 * ```ts
 * import { fromArray } from "./ndarray.ts";
 * import { nanvar } from "./reduce.ts";
 * const a = fromArray([1, NaN, 3]);
 * if (nanvar(a).get() !== 1) throw new Error("bad");
 * ```
 */
function nanvar(a: NDArray, options?: ReduceOptions): NDArray {
  return oneShot("nanvar", a, options);
}

/**
 * Standard deviation ignoring NaN, like `np.nanstd`.
 *
 * @param a The array.
 * @param options `axis`, `keepdims`, `ddof`, `dtype`.
 * @returns The result: a 0-d array when every axis is reduced.
 *
 * @example
 * ```ts
 * import { fromArray } from "./ndarray.ts";
 * import { nanstd } from "./reduce.ts";
 * const a = fromArray([1, NaN, 3]);
 * if (nanstd(a).get() !== 1) throw new Error("bad");
 * ```
 */
function nanstd(a: NDArray, options?: ReduceOptions): NDArray {
  return oneShot("nanstd", a, options);
}

/** Options of argmin/argmax: one axis or none. */
export interface ArgOptions {
  /** The axis (negative counts from the end), or null/omitted for the flat index. */
  readonly axis?: number | null;
  /** Keep the reduced axis (or all axes) with length 1. */
  readonly keepdims?: boolean;
}

/** The signature every reduction shares. */
export type ReduceFunction = (a: NDArray, options?: ReduceOptions) => NDArray;

/**
 * Every reduction by its NumPy name (`"count_nonzero"`, `"nansum"`, ...), for
 * the command line and for dispatch by name.
 *
 * @example
 * ```ts
 * import { fromArray } from "./ndarray.ts";
 * import { REDUCTIONS } from "./reduce.ts";
 * const r = REDUCTIONS["count_nonzero"](fromArray([0, 1, 2]));
 * if (r.get() !== 2n) throw new Error("bad");
 * ```
 */
export const REDUCTIONS: Readonly<Record<ReductionName, ReduceFunction>> = Object.freeze({
  sum,
  prod,
  min,
  max,
  mean,
  var: var_,
  std,
  argmin: argmin as ReduceFunction,
  argmax: argmax as ReduceFunction,
  any,
  all,
  count_nonzero: countNonzero,
  nansum,
  nanmean,
  nanmin,
  nanmax,
  nanvar,
  nanstd,
});

export {
  all,
  any,
  argmax,
  argmin,
  countNonzero,
  max,
  mean,
  min,
  nanmax,
  nanmean,
  nanmin,
  nanstd,
  nansum,
  nanvar,
  prod,
  std,
  sum,
  var_ as var,
};
