/**
 * How a `DistArray` is laid out over the ranks: a {@link Distribution},
 * or a global shape with per-axis distribution specs and a process grid.
 *
 * @module
 */

import type { DType } from "../core/dtype.ts";
import type { NormalOptions, RandomOptions } from "../core/random.ts";
import type {
  ElementwiseMethods,
  OpNamesOf,
  ReductionMethodOptions,
  ScanMethods,
} from "../core/ops.ts";
import type { UfuncDispatch } from "../core/ufunc_methods.ts";
import type { NDArray } from "../core/ndarray.ts";
import type { QuantileOptions, SortOptions } from "../core/sort.ts";
import type { DistArray, DistOperand } from "./dist_array.ts";
import type { AxisSpec, Distribution, LocalRegion } from "./distribution.ts";
import type { IndexArray, SliceSpec } from "../core/indexer.ts";

/** Options of `DistArray.saveNpy`. */
export interface SaveNpyOptions {
  /** Replace an existing file (default false: an existing target is an error). */
  readonly overwrite?: boolean;
}

/** Options of `DistArray.loadNpy`: a distribution of the file's shape, or layout options. */
export interface LoadNpyOptions extends LayoutOptions {
  /** The distribution (its shape must be the file's; default: laid out by `dist` and `grid`). */
  readonly distribution?: Distribution;
}

/** How a new array is laid out when a shape (not a {@link Distribution}) is given. */
export interface LayoutOptions {
  /** One spec per axis, as in {@link Distribution.create} (default `b` on axis 0, `n` elsewhere). */
  readonly dist?: string | readonly AxisSpec[];
  /** Process grid (default fitted to the shape); it must multiply to the number of ranks. */
  readonly grid?: readonly number[];
}

/** Options of the creation functions. */
export interface CreateOptions<D extends DType = DType> extends LayoutOptions {
  /** Element type (default `float64`; `DistArray.full` infers it from the value). */
  readonly dtype?: D;
}

/** A layout: a distribution over the communicator, or a global shape laid out by the options. */
export type Layout = Distribution | readonly number[];

/** Random generator options, with the layout. */
export type RandomDistOptions = RandomOptions & LayoutOptions;

/** Options of `DistArray.normal`: NumPy's `loc` and `scale` (aliases `mean`, `std`), with the layout. */
export type NormalDistOptions = NormalOptions & LayoutOptions;

/** Options of `DistArray.uniform`: `low` and `high`, with the layout. */
export type UniformDistOptions = RandomDistOptions & {
  readonly low?: number;
  readonly high?: number;
};

/** What `DistArray.apply` tells the function about the local block: its place in the layout. */
export interface ApplyContext {
  /** This rank. */
  readonly rank: number;
  /** The array's distribution. */
  readonly distribution: Distribution;
  /** Global indices of the local block along each axis, in local order (halos included). */
  readonly globalIndices: readonly Int32Array[];
  /** The local block as hyperslabs of the global array (see {@link Distribution.regions}). */
  readonly regions: readonly LocalRegion[];
}

/** The `axis` option of a reduction that keeps a DistArray: one axis or a list. */
export type ReductionAxes = number | readonly number[];

/**
 * The reduction methods of a `DistArray` (`sum`, `mean`, ...): over the whole
 * array (no `axis`) the result is replicated on every rank as `Whole` (an
 * NDArray); with an `axis` it stays distributed along the remaining axes as
 * `Axis` (a DistArray; gather it with `toNDArray`).
 */
export type DistReductionMethods<Whole, Axis> = {
  readonly [N in OpNamesOf<"reduction">]: {
    (options: ReductionMethodOptions<N> & { readonly axis: ReductionAxes }): Axis;
    (options?: ReductionMethodOptions<N> & { readonly axis?: null }): Whole;
    (options?: ReductionMethodOptions<N>): Whole | Axis;
  };
};

/**
 * Sorting and exact order statistics of a {@link DistArray} (installed from
 * dist/_dist_sort.ts and dist/_dist_quantile.ts). Collective; the results
 * are the same bits as NumPy's (and NDArray's) for any number of ranks.
 */
export interface DistOrderMethods<D extends DType = DType> {
  /**
   * The sorted array, NaN last. A 1-D array or `axis: null` (the flattened
   * array) is sample-sorted into the default block distribution, in NumPy's
   * global order; another axis of an N-d array is made whole on every rank
   * and sorted locally.
   *
   * @param options `axis` (default -1; null flattens).
   * @returns A new DistArray.
   *
   * @example
   * ```ts
   * import { DistArray, init } from "./mod.ts";
   * await using comm = await init();
   * const a = DistArray.fromFunction(comm, [6], { fn: ([i]) => (i * 5) % 6 });
   * if (String(a.sort().toNDArray()!.toArray()) !== "0,1,2,3,4,5") throw new Error("bad");
   * ```
   */
  sort(options?: SortOptions): DistArray<D>;
  /**
   * The exact median of the whole array (NumPy's `median`; `nanmedian` with
   * `skipna`), by distributed selection, replicated on every rank.
   *
   * @param options `axis` (null or every axis), `keepdims`, `skipna`.
   * @returns A 0-d NDArray (all-ones shape with `keepdims`).
   *
   * @example
   * ```ts
   * import { DistArray, init } from "./mod.ts";
   * await using comm = await init();
   * const a = DistArray.fromFunction(comm, [4], { fn: ([i]) => i * i }); // 0 1 4 9
   * if (a.median().get() !== 2.5) throw new Error("bad");
   * ```
   */
  median(options?: QuantileOptions): NDArray;
  /**
   * Exact quantiles of the whole array with NumPy's `"linear"` method.
   *
   * @param q A quantile in [0, 1] or a list (a list adds a leading axis).
   * @param options `axis` (null or every axis), `keepdims`, `skipna`.
   * @returns The quantiles (float64), replicated.
   *
   * @example
   * ```ts
   * import { DistArray, init } from "./mod.ts";
   * await using comm = await init();
   * const a = DistArray.fromFunction(comm, [5], { fn: ([i]) => i + 1 });
   * if (String(a.quantile([0.1, 0.5]).toArray()) !== "1.4,3") throw new Error("bad");
   * ```
   */
  quantile(q: number | readonly number[], options?: QuantileOptions): NDArray;
  /**
   * Exact percentiles of the whole array (`quantile` of `q / 100`).
   *
   * @param q A percentile in [0, 100] or a list.
   * @param options `axis` (null or every axis), `keepdims`, `skipna`.
   * @returns The percentiles (float64), replicated.
   *
   * @example
   * ```ts
   * import { DistArray, init } from "./mod.ts";
   * await using comm = await init();
   * const a = DistArray.fromFunction(comm, [11], { fn: ([i]) => i });
   * if (a.percentile(90).get() !== 9) throw new Error("bad");
   * ```
   */
  percentile(q: number | readonly number[], options?: QuantileOptions): NDArray;
}

/**
 * Every generated method of {@link DistArray}: the element-wise methods of the
 * operation table `ARRAY_OPS` (core/ops.ts), {@link DistReductionMethods} and
 * {@link DistOrderMethods}.
 */
export interface DistMethods<D extends DType = DType>
  extends
    ElementwiseMethods<DistOperand, DistArray>,
    DistReductionMethods<NDArray, DistArray>,
    DistOrderMethods<D>,
    ScanMethods<DistArray>,
    UfuncDispatch {}

/**
 * The indexing methods of `DistArray` (dist/_dist_index.ts), on the shared
 * indexer of core/indexer.ts. Selections follow NumPy: ranges with any step
 * (`"8:1:-3"`, `{ start, stop, step }`), integers (the axis is dropped),
 * `null` (a new axis), `"..."`, and at most one 1-D integer index list or
 * boolean mask. Anything else (index arrays on two axes, N-d or DistArray
 * index arrays, float indices) is a TypeError naming the form.
 */
export interface DistIndexing<D extends DType> {
  /**
   * A selection as a new DistArray. No communication: every element stays with
   * the rank that owns it, so the result's distribution follows this one (an
   * axis stays `b` when its owners' parts are in order, `n` stays `n`, others
   * become `u`; padding is dropped).
   *
   * View or copy, as NumPy's docs put it: the result is a view (its local
   * blocks share this array's buffers; writes show through) when on every rank
   * the selected local elements are one C-contiguous run of the local block: a
   * step-1 range on axis 0 of a `b` array whose other axes are whole, or
   * integers on leading axes. Otherwise (negative or non-unit steps, index
   * arrays, ranges on inner axes, halos in the way) it is a copy. Call
   * `.copy()` when independence matters.
   *
   * @param specs One spec per axis (missing axes are whole), or strings (`"2:8, ::-1"`).
   * @returns The selection.
   * @throws {TypeError} For an unsupported form (see {@link DistIndexing}).
   * @throws {RangeError} For an index out of bounds, step 0 or too many specs.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { DistArray, init } from "./mod.ts";
   * await using comm = await init();
   * const a = DistArray.fromFunction(comm, [10, 4], { fn: ([i, j]) => 10 * i + j });
   * assert.deepEqual(a.slice("8:1:-3, 1").toNDArray()!.toArray(), [81, 51, 21]);
   * assert.deepEqual(a.slice([9, 0], 3).toNDArray()!.toArray(), [93, 3]);
   * assert.deepEqual(a.slice(0, [true, false, false, true]).toNDArray()!.toArray(), [0, 3]);
   * assert.throws(() => a.slice([0, 1], [1, 2]), TypeError);
   * ```
   */
  slice(...specs: SliceSpec[]): DistArray<D>;

  /**
   * Writes `value` into a selection (NumPy's `a[sel] = value`) in every local
   * copy of each selected element (halo copies too); each rank writes only its
   * own block. A scalar or an NDArray broadcast to the selection's shape needs no
   * communication (every rank calls it with the same arguments). A DistArray of
   * the selection's shape, in any distribution, is sent by the owners of its
   * elements straight to the ranks holding their targets (one alltoallv of
   * counts, two of indices and values): collective. With repeated indices the
   * last write wins on a rank; across ranks which one wins is unspecified.
   *
   * @param selection A global index (one integer per axis), a selection string, or specs.
   * @param value A scalar, NDArray or DistArray (cast as a C cast would).
   * @throws {ShapeMismatchError} When the value does not fit the selection.
   * @throws {RangeError} For an index outside the shape.
   *
   * @example
   * ```ts
   * import { DistArray, init } from "./mod.ts";
   * await using comm = await init();
   * const a = DistArray.zeros(comm, [4, 4], { dist: "bc" });
   * a.set([3, 1], 5);
   * a.set(["::-2", 0], DistArray.ones(comm, [2]));
   * if (a.sum().get() !== 7) throw new Error("bad");
   * ```
   */
  set(selection: readonly SliceSpec[] | string, value: DistOperand): void;

  /**
   * Elements at `indices` along `axis` (NumPy's `take`; negative indices count
   * from the end), kept by their owners as {@link DistIndexing.slice} does. Not
   * collective.
   *
   * @param indices An integer, or a 1-D list, typed array or NDArray of integers.
   * @param options `axis` (required unless the array is 1-D; negative counts from the end).
   * @returns The selection.
   * @throws {TypeError} Without `axis` on an N-d array, or for booleans.
   *
   * @example
   * ```ts
   * import { DistArray, init } from "./mod.ts";
   * await using comm = await init();
   * const a = DistArray.fromFunction(comm, [5], { fn: ([i]) => i * i });
   * if (a.take([4, -5, 4]).sum().get() !== 32) throw new Error("bad");
   * ```
   */
  take(indices: number | IndexArray | NDArray, options?: { axis?: number }): DistArray<D>;

  /**
   * The elements where a bool mask of this shape is true, in C order, as a 1-D
   * block-distributed DistArray: NumPy's `a[mask]` (`np.extract(mask, a)`).
   * The mask is a DistArray of any distribution (redistributed to this one's
   * when different) or a replicated NDArray. Only the selected elements move:
   * each owner sends them, with their flat indices, to the rank owning that
   * part of the flat range, which sorts them; a second alltoallv balances the
   * blocks. Collective.
   *
   * @param mask The mask.
   * @returns The selected elements.
   * @throws {TypeError} When the mask is not bool.
   * @throws {ShapeMismatchError} When it has another shape.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { DistArray, init } from "./mod.ts";
   * await using comm = await init();
   * const a = DistArray.fromFunction(comm, [3, 3], { fn: ([i, j]) => 3 * i + j });
   * assert.deepEqual(a.extract(a.gt(5)).toNDArray()!.toArray(), [6, 7, 8]);
   * ```
   */
  extract(mask: DistArray | NDArray): DistArray<D>;
}
