/**
 * How a `DistArray` is laid out over the ranks: a {@link Distribution},
 * or a global shape with per-axis distribution specs and a process grid.
 *
 * @module
 */

import type { DType } from "../core/dtype.ts";
import type { NormalOptions, RandomOptions } from "../core/random.ts";
import type { OpNamesOf, ReductionMethodOptions } from "../core/ops.ts";
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
