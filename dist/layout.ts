/**
 * How a `DistArray` is laid out over the ranks: a {@link Distribution},
 * or a global shape with per-axis distribution specs and a process grid.
 *
 * @module
 */

import type { DType } from "../core/dtype.ts";
import type { NormalOptions, RandomOptions } from "../core/random.ts";
import type { ElementwiseMethods, OpNamesOf, ReductionMethodOptions } from "../core/ops.ts";
import type { NDArray } from "../core/ndarray.ts";
import type { QuantileOptions, SortOptions } from "../core/sort.ts";
import type { DistArray, DistOperand } from "./dist_array.ts";
import type { AxisSpec, Distribution, LocalRegion } from "./distribution.ts";

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
    DistOrderMethods<D> {}
