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

import { type DType, isComplex } from "./dtype.ts";
import { complexReduce } from "./_complex.ts";
import { complexUnsupported } from "./_complex_parts.ts";
import { NDArray } from "./ndarray.ts";
import { FIELD_ARRAYS, ReducerImpl } from "./_reducer.ts";

export { REDUCTION_NAMES } from "./reduction_names.ts";
import { REDUCTION_NAMES } from "./reduction_names.ts";

/** The NumPy name of a reduction: `"sum"`, `"count_nonzero"`, `"nanstd"`, ... */
export type ReductionName = (typeof REDUCTION_NAMES)[number];

/** The reductions that take {@link ReduceOptions.skipna} (the nan* ones skip NaN already). */
export const SKIPNA_REDUCTIONS: readonly ReductionName[] = [
  "sum",
  "prod",
  "min",
  "max",
  "mean",
  "var",
  "std",
  "argmin",
  "argmax",
];

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
  /**
   * Skip NaN (missing values) as xarray's `skipna=True` does: sum, mean,
   * var, std, min, max, prod, argmin and argmax of float data then behave as
   * NumPy's nan* functions (an all-NaN slice gives 0 for sum, 1 for prod, NaN
   * for the others, and a RangeError for argmin/argmax). Default false
   * (NumPy's semantics: NaN propagates); lazy arrays opened from CF-encoded
   * variables default to true. No effect on integer or bool data.
   */
  readonly skipna?: boolean;
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
  if (isComplex(inputDType)) throw complexUnsupported(inputDType, `reducer "${name}"`);
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
  if (isComplex(a.dtype)) {
    return complexReduce(name, a, options, (part, o) => oneShot(name, part, o));
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
  /** Skip NaN as xarray's `skipna=True` (see {@link ReduceOptions.skipna}). */
  readonly skipna?: boolean;
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
