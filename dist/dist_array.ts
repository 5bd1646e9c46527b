/**
 * `DistArray`: a global N-dimensional array held as one `NDArray` block per
 * rank of a communicator, laid out by a {@link Distribution} (Enthought
 * DistArray's model). Element-wise operations run on the local blocks without
 * communication; redistribution, halo exchange, gathers and scatters are one
 * collective each (an `alltoallv` planned by `redistributionPlan`); and
 * reductions give the same bits for any number of ranks and any distribution
 * of the same array.
 *
 * Every method that communicates is collective: every rank of the
 * communicator calls it, in the same order, with the same arguments.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { init } from "./comm.ts";
 * import { DistArray } from "./dist_array.ts";
 * await using comm = await init();
 * const a = DistArray.rand(comm, [1000, 4], { seed: 1 });
 * const centred = a.sub(a.mean({ axis: 0 })); // a replicated NDArray broadcast per column
 * const m = centred.mean({ axis: 0 }).toArray() as number[];
 * assert.ok(m.every((v) => Math.abs(v) < 1e-12));
 * ```
 *
 * @module
 */

import { type AnyTypedArray, type DType, DTYPES, type Scalar } from "../core/dtype.ts";
import { ShapeMismatchError } from "../core/errors.ts";
import { empty, full, NDArray } from "../core/ndarray.ts";
import { indexSelection, type SliceSpec } from "../core/indexer.ts";
import { type Operand, UFUNCS } from "../core/ufunc.ts";
import {
  type ReduceOptions,
  REDUCTION_NAMES,
  type ReductionName,
  REDUCTIONS,
} from "../core/reduce.ts";
import * as random from "../core/random.ts";
import { type ElementwiseMethods, installOps, type ReductionMethods } from "../core/ops.ts";
import type { Comm, CommBuffer } from "./comm.ts";
import {
  type AxisSpec,
  Distribution,
  type LocalRegion,
  redistributionPlan,
} from "./distribution.ts";
import { type DistBuffer, exportDap } from "./dap.ts";
import {
  bitsView,
  contiguous,
  gatherAxes,
  haloBefore,
  haloPlans,
  moveBlock,
  ownedGlobals,
  prod,
  sameShape,
  shapeText,
  trimSelf,
} from "./_dist_blocks.ts";
import { reduceBlocks } from "./_dist_reduce.ts";
import { applyLocal, getGlobal, localOperand, setGlobal } from "./_dist_local.ts";
import {
  type Block,
  dapBlock,
  functionBlock,
  layoutOf,
  localBlock,
  randomBlock,
  rootDistribution,
  scatterBlock,
} from "./_dist_create.ts";

/** How a new array is laid out when a shape (not a {@link Distribution}) is given. */
export interface LayoutOptions {
  /** One spec per axis, as in {@link Distribution.create} (default `b` on axis 0, `n` elsewhere). */
  readonly dist?: string | readonly AxisSpec[];
  /** Process grid (default fitted to the shape); it must multiply to the number of ranks. */
  readonly grid?: readonly number[];
}

/** Options of the creation functions. */
export interface CreateOptions<D extends DType = DType> extends LayoutOptions {
  /** Element type (default `float64`; {@link DistArray.full} infers it from the value). */
  readonly dtype?: D;
}

/** A layout: a distribution over the communicator, or a global shape laid out by the options. */
export type Layout = Distribution | readonly number[];

/** An operand of the element-wise functions: a distributed array, a replicated NDArray or a scalar. */
export type DistOperand = DistArray | NDArray | Scalar;

/** What {@link DistArray.apply} tells the function about the local block. */
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

/** Random generator options, with the layout. */
export type RandomDistOptions = random.RandomOptions & LayoutOptions;

// ---------------------------------------------------------------------------

/**
 * The methods of {@link DistArray} generated from the operation table
 * `ARRAY_OPS` (core/ops.ts): element-wise methods (`add`, `sqrt`, `sin`, ...)
 * return a DistArray with the first operand's distribution (see
 * {@link DistArray.ufunc}); reductions (`sum`, `std({ ddof })`, ...) are
 * collective and return a replicated NDArray (see {@link DistArray.reduce}).
 */
export interface DistArray<D extends DType = DType>
  extends ElementwiseMethods<DistOperand, DistArray>, ReductionMethods<NDArray> {}

/**
 * A distributed N-dimensional array: one {@link NDArray} block per rank of a
 * communicator, laid out by a {@link Distribution}. Build one with the static
 * creation functions; the blocks include halo cells for padded distributions.
 *
 * Element-wise operations (the ufuncs, as {@link DistArray.ufunc} and the
 * method forms) combine local blocks. Operands of another distribution are
 * first redistributed to the first `DistArray` operand's distribution; a
 * replicated `NDArray` operand is broadcast against the global shape; scalars
 * are weak, as in NumPy.
 *
 * Reductions return a replicated `NDArray` on every rank (a simplification:
 * DistArray returns a distributed array for a reduction over some axes), and
 * are identical in every bit for any number of ranks and any distribution of
 * the same values: the global array is cut into canonical tiles that depend
 * only on its shape (groups of whole rows along axis 0, about 65536
 * elements), each tile is stepped into its own state, and the states are
 * merged in a fixed binary tree over the tile index.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { init } from "./comm.ts";
 * import { DistArray } from "./dist_array.ts";
 * await using comm = await init();
 * const a = DistArray.fromFunction(comm, [4, 3], { fn: ([i, j]) => 10 * i + j });
 * assert.equal(a.get([3, 2]), 32);
 * assert.equal(a.sum().get(), 192);
 * ```
 */
export class DistArray<D extends DType = DType> {
  readonly #comm: Comm;
  readonly #dist: Distribution;
  readonly #local: NDArray<D>;

  private constructor(comm: Comm, dist: Distribution, local: NDArray<D>) {
    this.#comm = comm;
    this.#dist = dist;
    this.#local = contiguous(local);
  }

  // --- properties -----------------------------------------------------------

  /** The communicator. */
  get comm(): Comm {
    return this.#comm;
  }

  /** The layout over the ranks. */
  get distribution(): Distribution {
    return this.#dist;
  }

  /** This rank's block (C-contiguous, halo cells included); writing to it changes the array. */
  get local(): NDArray<D> {
    return this.#local;
  }

  /** Global shape. */
  get shape(): readonly number[] {
    return this.#dist.shape;
  }

  /** Element type. */
  get dtype(): D {
    return this.#local.dtype;
  }

  /**
   * Shape of this rank's block, halo cells included: a property, as
   * {@link DistArray.shape} is, since the array knows its rank. It equals
   * `distribution.localShape(comm.rank)`; the {@link Distribution} method
   * takes the rank because a distribution describes every rank's block.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * const a = DistArray.zeros(comm, [10, 4]);
   * assert.deepEqual(a.localShape, a.distribution.localShape(comm.rank));
   * assert.deepEqual(a.localShape, a.local.shape);
   * ```
   */
  get localShape(): readonly number[] {
    return this.#local.shape;
  }

  /** Number of dimensions. */
  get ndim(): number {
    return this.#dist.ndim;
  }

  /** Number of elements of the global array. */
  get size(): number {
    return prod(this.#dist.shape);
  }

  /** Bytes of the elements of the global array (`size * itemsize`; halo copies not counted). */
  get nbytes(): number {
    return this.size * DTYPES[this.dtype].bytes;
  }

  /**
   * A short description: `DistArray<float64>[10,3] Distribution[10,3](bn) ...`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * assert.match(String(DistArray.zeros(comm, [10, 3])), /^DistArray<float64>\[10,3\] /);
   * ```
   */
  toString(): string {
    return `DistArray<${this.dtype}>${shapeText(this.shape)} ${this.#dist}`;
  }

  // --- creation -------------------------------------------------------------

  static #wrap<E extends DType>(comm: Comm, block: Block<E>): DistArray<E> {
    return new DistArray(comm, block.dist, block.local);
  }

  /**
   * Wraps this rank's block of a distributed array. Not collective.
   *
   * @param comm The communicator.
   * @param local This rank's block: the shape `distribution.localShape(comm.rank)`.
   * @param options `distribution` (required).
   * @returns The array (the block is copied only when not C-contiguous).
   * @throws {RangeError} When the distribution is over another number of ranks.
   * @throws {ShapeMismatchError} When the block does not have the local shape.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { Distribution } from "./distribution.ts";
   * import { DistArray } from "./dist_array.ts";
   * import { ones } from "../core/ndarray.ts";
   * await using comm = await init();
   * const d = Distribution.create([6], { commSize: comm.size });
   * const a = DistArray.fromLocal(comm, ones(d.localShape(comm.rank)), { distribution: d });
   * assert.equal(a.sum().get(), 6);
   * ```
   */
  static fromLocal<D extends DType>(
    comm: Comm,
    local: NDArray<D>,
    options: { distribution: Distribution },
  ): DistArray<D> {
    return DistArray.#wrap(comm, localBlock(comm, local, options));
  }

  /**
   * A new array whose elements are not initialised (zeros in practice). Not collective.
   *
   * @param comm The communicator.
   * @param layout A distribution, or a global shape laid out by `options`.
   * @param options `dtype`, `dist`, `grid`.
   * @returns The array.
   * @throws {RangeError} For a grid that does not multiply to the number of ranks.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * assert.deepEqual(DistArray.empty(comm, [5, 2], { dtype: "int32" }).shape, [5, 2]);
   * ```
   */
  static empty<D extends DType = "float64">(
    comm: Comm,
    layout: Layout,
    options: CreateOptions<D> = {},
  ): DistArray<D> {
    const dist = layoutOf(comm, layout, options);
    const local = empty(dist.localShape(comm.rank), (options.dtype ?? "float64") as D);
    return new DistArray(comm, dist, local);
  }

  /**
   * A new array of zeros. Not collective.
   *
   * @param comm The communicator.
   * @param layout A distribution, or a global shape laid out by `options`.
   * @param options `dtype`, `dist`, `grid`.
   * @returns The array.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * assert.equal(DistArray.zeros(comm, [8]).max().get(), 0);
   * ```
   */
  static zeros<D extends DType = "float64">(
    comm: Comm,
    layout: Layout,
    options: CreateOptions<D> = {},
  ): DistArray<D> {
    return DistArray.empty(comm, layout, options);
  }

  /**
   * A new array of ones. Not collective.
   *
   * @param comm The communicator.
   * @param layout A distribution, or a global shape laid out by `options`.
   * @param options `dtype`, `dist`, `grid`.
   * @returns The array.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * assert.equal(DistArray.ones(comm, [3, 3], { dtype: "int16" }).sum().get(), 9n);
   * ```
   */
  static ones<D extends DType = "float64">(
    comm: Comm,
    layout: Layout,
    options: CreateOptions<D> = {},
  ): DistArray<D> {
    return DistArray.full(comm, layout, {
      ...options,
      value: 1,
      dtype: options.dtype ?? "float64" as D,
    });
  }

  /**
   * A new array filled with one value. Not collective. Without `dtype` the
   * dtype is the value's own, as core's {@link full} and `np.full` infer it:
   * `bool` for a boolean, `int64` for a bigint or an integral number (a JS
   * `3.0` is the number 3), `float64` otherwise.
   *
   * @param comm The communicator.
   * @param layout A distribution, or a global shape laid out by `options`.
   * @param options `value` (required), `dtype` (default: inferred from the value), `dist`, `grid`.
   * @returns The array.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * assert.equal(DistArray.full(comm, [4], { value: 2.5 }).sum().get(), 10);
   * assert.equal(DistArray.full(comm, [4], { value: 3 }).dtype, "int64");
   * assert.equal(DistArray.full(comm, [4], { value: 3, dtype: "float32" }).dtype, "float32");
   * ```
   */
  static full<D extends DType = DType>(
    comm: Comm,
    layout: Layout,
    options: CreateOptions<D> & { value: Scalar },
  ): DistArray<D> {
    const dist = layoutOf(comm, layout, options);
    const local = full(dist.localShape(comm.rank), options.value, options.dtype);
    return new DistArray(comm, dist, local as NDArray<D>);
  }

  /**
   * A new array whose element at each global index is `fn(globalIndex)`; each
   * rank calls `fn` for its own cells (halos included). Not collective.
   *
   * @param comm The communicator.
   * @param layout A distribution, or a global shape laid out by `options`.
   * @param options `fn` (required), `dtype` (default float64), `dist`, `grid`.
   * @returns The array.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * const a = DistArray.fromFunction(comm, [3, 4], { fn: ([i, j]) => i * 4 + j, dtype: "int32" });
   * assert.deepEqual(a.toNDArray()!.toArray(), [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]);
   * ```
   */
  static fromFunction<D extends DType = "float64">(
    comm: Comm,
    layout: Layout,
    options: CreateOptions<D> & { fn: (globalIndex: number[]) => Scalar },
  ): DistArray<D> {
    const dist = layoutOf(comm, layout, options);
    const dtype = (options.dtype ?? "float64") as D;
    return DistArray.#wrap(comm, functionBlock(comm, dist, dtype, options?.fn));
  }

  /**
   * Scatters an NDArray held by one rank: one collective (an alltoallv from
   * the root). The other ranks pass null (or anything: only the root's array
   * is read).
   *
   * @param comm The communicator.
   * @param array The whole array on the root.
   * @param options `distribution`, or `dist` and `grid` for the global shape; `root` (default 0).
   * @returns The distributed array.
   * @throws {TypeError} On the root, when `array` is not an NDArray (ending the job under MPI).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * import { arange } from "../core/ndarray.ts";
   * await using comm = await init();
   * const whole = comm.rank === 0 ? arange(12).reshape([4, 3]) : null;
   * const a = DistArray.fromNDArray(comm, whole, { dist: "bc" });
   * assert.equal(a.get([2, 1]), 7n);
   * ```
   */
  static fromNDArray(
    comm: Comm,
    array: NDArray | null,
    options: LayoutOptions & { distribution?: Distribution; root?: number } = {},
  ): DistArray {
    return DistArray.#wrap(comm, scatterBlock(comm, array, options));
  }

  /**
   * Rebuilds an array from this rank's Distributed Array Protocol view (as
   * made by {@link DistArray.toDap} or another DAP producer): the ranks'
   * `dim_data` are allgathered and turned into a distribution. Collective.
   *
   * @param comm The communicator (entry k of the C-ordered grid is rank k).
   * @param dap This rank's `{ __version__, buffer, dim_data }`; the buffer is an NDArray or a typed array.
   * @param options `dtype` of a typed-array buffer (default: the one its class implies; `uint8` for Uint8Array).
   * @returns The array (sharing the buffer's memory when it is C-contiguous).
   * @throws {RangeError} For dim_data that do not describe a grid over the ranks.
   * @throws {ShapeMismatchError} When the buffer does not have the local shape.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * const a = DistArray.rand(comm, [6, 2], { seed: 3, dist: "bn" });
   * const b = DistArray.fromDap(comm, a.toDap());
   * assert.ok(b.distribution.equals(a.distribution));
   * ```
   */
  static fromDap(
    comm: Comm,
    dap: DistBuffer<NDArray | AnyTypedArray>,
    options: { dtype?: DType } = {},
  ): DistArray {
    return DistArray.#wrap(comm, dapBlock(comm, dap, options));
  }

  /**
   * Uniform random numbers in [0, 1) from the counter-based generator of
   * `core/random.ts`, keyed on (seed, global flat index): the same array for
   * any number of ranks and any distribution. Not collective.
   *
   * @param comm The communicator.
   * @param layout A distribution, or a global shape laid out by `options`.
   * @param options `seed`, `stream`, `dist`, `grid`.
   * @returns A float64 array.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * import { rand } from "../core/random.ts";
   * await using comm = await init();
   * const a = DistArray.rand(comm, [5, 4], { seed: 9, dist: "bc" });
   * assert.deepEqual(a.toNDArray()!.toArray(), rand([5, 4], { seed: 9 }).toArray());
   * ```
   */
  static rand(comm: Comm, layout: Layout, options: RandomDistOptions = {}): DistArray<"float64"> {
    return DistArray.#wrap(
      comm,
      randomBlock(comm, layoutOf(comm, layout, options), "rand", options),
    );
  }

  /**
   * Standard normal random numbers (counter-based, the same for any layout). Not collective.
   *
   * @param comm The communicator.
   * @param layout A distribution, or a global shape laid out by `options`.
   * @param options `seed`, `stream`, `dist`, `grid`.
   * @returns A float64 array.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * const a = DistArray.randn(comm, [20000], { seed: 1 });
   * assert.ok(Math.abs((a.std().get() as number) - 1) < 0.05);
   * ```
   */
  static randn(comm: Comm, layout: Layout, options: RandomDistOptions = {}): DistArray<"float64"> {
    return DistArray.#wrap(
      comm,
      randomBlock(comm, layoutOf(comm, layout, options), "randn", options),
    );
  }

  /**
   * Normal random numbers with a mean and standard deviation. Not collective.
   *
   * @param comm The communicator.
   * @param layout A distribution, or a global shape laid out by `options`.
   * @param options `mean` (0), `std` (1), `seed`, `stream`, `dist`, `grid`.
   * @returns A float64 array.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * const a = DistArray.normal(comm, [20000], { mean: 5, std: 2, seed: 1 });
   * assert.ok(Math.abs((a.mean().get() as number) - 5) < 0.1);
   * ```
   */
  static normal(
    comm: Comm,
    layout: Layout,
    options: RandomDistOptions & { mean?: number; std?: number } = {},
  ): DistArray<"float64"> {
    return DistArray.#wrap(
      comm,
      randomBlock(comm, layoutOf(comm, layout, options), "normal", options),
    );
  }

  /**
   * Uniform random numbers in [low, high). Not collective.
   *
   * @param comm The communicator.
   * @param layout A distribution, or a global shape laid out by `options`.
   * @param options `low` (0), `high` (1), `seed`, `stream`, `dist`, `grid`.
   * @returns A float64 array.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * const a = DistArray.uniform(comm, [100], { low: -1, high: 1, seed: 2 });
   * assert.ok((a.min().get() as number) >= -1 && (a.max().get() as number) < 1);
   * ```
   */
  static uniform(
    comm: Comm,
    layout: Layout,
    options: RandomDistOptions & { low?: number; high?: number } = {},
  ): DistArray<"float64"> {
    return DistArray.#wrap(
      comm,
      randomBlock(comm, layoutOf(comm, layout, options), "uniform", options),
    );
  }

  /**
   * Random integers in [low, high). Not collective.
   *
   * @param comm The communicator.
   * @param layout A distribution, or a global shape laid out by `options`.
   * @param options `high` (required), `low` (0), `dtype` (int64), `seed`, `stream`, `dist`, `grid`.
   * @returns The array.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * const a = DistArray.randint(comm, [50], { high: 6, dtype: "int32", seed: 4 });
   * assert.ok((a.max().get() as number) <= 5 && (a.min().get() as number) >= 0);
   * ```
   */
  static randint<E extends DType = "int64">(
    comm: Comm,
    layout: Layout,
    options: RandomDistOptions & { low?: number; high: number; dtype?: E },
  ): DistArray<E> {
    return DistArray.#wrap(
      comm,
      randomBlock(comm, layoutOf(comm, layout, options), "randint", options),
    );
  }

  // --- gathering and layout -------------------------------------------------

  /**
   * The whole array as one NDArray: on `root` only (null elsewhere), or on
   * every rank when no root is given. Collective (one alltoallv, plus a
   * broadcast for every rank).
   *
   * @param root The rank that receives it; omit for all of them.
   * @returns The array, or null on ranks other than the root.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * const a = DistArray.full(comm, [2, 2], { value: 7, dtype: "uint8" });
   * assert.deepEqual(a.toNDArray()!.toArray(), [[7, 7], [7, 7]]);
   * ```
   */
  toNDArray(root?: number): NDArray<D> | null {
    const comm = this.#comm;
    const r = root ?? 0;
    if (!Number.isInteger(r) || r < 0 || r >= comm.size) {
      throw new RangeError(`Invalid root ${root}: outside [0, ${comm.size})`);
    }
    const to = rootDistribution(this.shape, comm.size, r);
    const plan = redistributionPlan(this.#dist, to, { rank: comm.rank });
    let whole: NDArray<D> | null = moveBlock(comm, plan, this.#local);
    if (root === undefined) {
      if (comm.rank !== r) whole = empty(this.shape, this.dtype);
      comm.bcast(bitsView(whole).data as CommBuffer, r);
    } else if (comm.rank !== r) whole = null;
    return whole;
  }

  /**
   * The same values in another distribution: one alltoallv (planned by
   * `redistributionPlan`), between any pair of `b`/`c`/`u`/`n` layouts,
   * padded or not (halo cells of the result are filled too). Collective.
   *
   * @param to The new distribution, or layout options for the same shape.
   * @returns A new array.
   * @throws {ShapeMismatchError} When the distribution has another shape.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * const a = DistArray.rand(comm, [6, 5], { seed: 2 });
   * const b = a.redistribute({ dist: [{ type: "c", blockSize: 2 }, "n"] });
   * assert.deepEqual(b.toNDArray()!.toArray(), a.toNDArray()!.toArray());
   * ```
   */
  redistribute(to: Distribution | LayoutOptions): DistArray<D> {
    const dist = to instanceof Distribution
      ? layoutOf(this.#comm, to)
      : layoutOf(this.#comm, this.shape, to);
    if (!sameShape(dist.shape, this.shape)) {
      throw new ShapeMismatchError(
        `Cannot redistribute shape ${shapeText(this.shape)} to ${dist}`,
      );
    }
    const plan = redistributionPlan(this.#dist, dist, { rank: this.#comm.rank });
    return new DistArray(this.#comm, dist, moveBlock(this.#comm, plan, this.#local));
  }

  /**
   * Refreshes the halo cells of a padded block distribution from their
   * owners, in place (periodic axes wrap around): one alltoallv, with no
   * cell copied onto itself. Does nothing for a distribution without
   * padding. Collective.
   *
   * @returns This array.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { Distribution } from "./distribution.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * const d = Distribution.create([8], {
   *   dist: [{ type: "b", padding: [1, 1], periodic: true }],
   *   commSize: comm.size,
   * });
   * const a = DistArray.fromFunction(comm, d, { fn: ([i]) => i }).exchangeHalos();
   * assert.equal(a.local.get(0), (a.local.get(1) as number + 7) % 8); // the left neighbour
   * ```
   */
  exchangeHalos(): this {
    const dist = this.#dist;
    let padded = false;
    for (let a = 0; a < dist.ndim; a++) padded ||= dist.axis(a).padding !== null;
    if (!padded) return this;
    let plan = haloPlans.get(dist);
    if (!plan || plan.rank !== this.#comm.rank) {
      plan = trimSelf(redistributionPlan(dist, dist, { rank: this.#comm.rank }));
      haloPlans.set(dist, plan);
    }
    moveBlock(this.#comm, plan, this.#local, this.#local);
    return this;
  }

  // --- element-wise ---------------------------------------------------------

  /**
   * Applies a ufunc of `core/ufunc.ts` by its NumPy name (`"add"`,
   * `"floor_divide"`, `"where"`, ...) to distributed arrays, replicated
   * NDArrays and scalars. `DistArray` operands must have the same shape; those
   * of another distribution are first redistributed to the distribution of
   * the first `DistArray` operand, which the result has. An NDArray operand
   * (the same on every rank) is broadcast against the global shape. Not
   * collective unless an operand is redistributed.
   *
   * @param name The ufunc's NumPy name.
   * @param operands As many operands as the ufunc takes; at least one a DistArray.
   * @returns The result.
   * @throws {TypeError} For an unknown ufunc, a wrong operand count, or no DistArray operand.
   * @throws {ShapeMismatchError} When the shapes do not broadcast to the DistArray's shape.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * import { fromArray } from "../core/ndarray.ts";
   * await using comm = await init();
   * const a = DistArray.ones(comm, [4, 2]);
   * const b = DistArray.ufunc("hypot", [a, fromArray([0, 1])]);
   * assert.deepEqual(b.get([0, 1]), Math.SQRT2);
   * ```
   */
  static ufunc(name: string, operands: readonly (DistOperand | null)[]): DistArray {
    const entry = Object.hasOwn(UFUNCS, name) ? UFUNCS[name] : undefined;
    if (!entry) throw new TypeError(`Unknown ufunc "${name}"`);
    if (!Array.isArray(operands) || operands.length !== entry.arity) {
      throw new TypeError(
        `Invalid operands for "${name}": expected ${entry.arity}, got ${
          Array.isArray(operands) ? operands.length : String(operands)
        }`,
      );
    }
    const first = operands.find((x): x is DistArray => x instanceof DistArray);
    if (!first) throw new TypeError(`Invalid operands for "${name}": none is a DistArray`);
    const dist = first.#dist;
    const comm = first.#comm;
    const locals = operands.map((x, i): Operand | null => {
      if (x === null && name === "clip" && i > 0) return null;
      if (x instanceof DistArray) {
        if (!sameShape(x.shape, first.shape)) {
          throw new ShapeMismatchError(
            `Cannot apply "${name}" to distributed arrays of shapes ${shapeText(first.shape)} and ${
              shapeText(x.shape)
            }`,
          );
        }
        return x.#dist === dist || x.#dist.equals(dist) ? x.#local : x.redistribute(dist).#local;
      }
      if (x instanceof NDArray) return localOperand(x, dist, comm.rank, name);
      if (typeof x === "number" || typeof x === "bigint" || typeof x === "boolean") return x;
      throw new TypeError(
        `Invalid operand ${i} of "${name}": ${String(x)} is not a DistArray, NDArray or scalar`,
      );
    });
    return new DistArray(comm, dist, entry.fn(...locals as Operand[]));
  }

  /**
   * The array converted to another dtype (a C cast, as `NDArray.astype`). Not collective.
   *
   * @param dtype The new element type.
   * @returns A new array with the same distribution.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * assert.equal(DistArray.full(comm, [2], { value: 2.7 }).astype("int32").sum().get(), 4n);
   * ```
   */
  astype<E extends DType>(dtype: E): DistArray<E> {
    return new DistArray(this.#comm, this.#dist, this.#local.astype(dtype));
  }

  /**
   * Values limited to `[min, max]` (NumPy's `clip`), either bound null; the
   * bounds may be DistArrays, replicated NDArrays or scalars. Not collective
   * unless an operand must be redistributed.
   *
   * @param min The lower bound, or null for none.
   * @param max The upper bound, or null for none.
   * @returns The result, with this array's distribution.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * const a = DistArray.fromFunction(comm, [5], { fn: ([i]) => i - 2 });
   * assert.deepEqual(a.clip(-1, null).toNDArray()!.toArray(), [-1, -1, 0, 1, 2]);
   * ```
   */
  clip(min: DistOperand | null, max: DistOperand | null): DistArray {
    return DistArray.ufunc("clip", [this, min, max]);
  }

  /**
   * A copy with its own local blocks. Not collective.
   *
   * @returns The copy.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * const a = DistArray.ones(comm, [2]);
   * assert.notEqual(a.copy().local, a.local);
   * ```
   */
  copy(): DistArray<D> {
    return new DistArray(this.#comm, this.#dist, this.#local.copy());
  }

  // --- reductions -----------------------------------------------------------

  /**
   * A reduction of `core/reduce.ts` by name, over the whole global array
   * (`axis`, `keepdims`, `ddof`, `dtype` as NumPy). Collective. The result is
   * a replicated NDArray, the same bits on every rank, and the same bits for
   * any number of ranks and any distribution of the same values: the array
   * is moved (one alltoallv) to a block layout along axis 0 whose bounds fall
   * on canonical tiles of whole rows (about 65536 elements each, fixed by the
   * global shape); only the tiles that straddle a rank boundary move when the
   * array is already block-distributed along axis 0. When axis 0 is reduced,
   * each tile is stepped into its own state and the states are merged in the
   * fixed binary tree over the tile index (`mergeTree`'s order), across ranks
   * by one allgatherv of a few subtree states; otherwise each tile is reduced
   * on its own and the rows of the result are allgathered.
   *
   * @param name The reduction's NumPy name (`"sum"`, `"nanstd"`, `"argmax"`, ...).
   * @param options `axis`, `keepdims`, `ddof`, `dtype`.
   * @returns The result on every rank.
   * @throws {TypeError} For an unknown reduction.
   * @throws {RangeError} For a bad axis, or min/max/argmin/argmax of an empty array.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * const a = DistArray.fromFunction(comm, [3, 2], { fn: ([i, j]) => i + j, dtype: "int32" });
   * assert.deepEqual(a.reduce("count_nonzero", { axis: 0 }).toArray(), [2n, 3n]);
   * ```
   */
  reduce(name: ReductionName, options: ReduceOptions = {}): NDArray {
    if (!(REDUCTION_NAMES as readonly string[]).includes(name)) {
      throw new TypeError(`Unknown reduction "${String(name)}"`);
    }
    if (this.ndim === 0) return REDUCTIONS[name](this.toNDArray()!, options);
    return reduceBlocks(this.#comm, this.#dist, this.#local, name, options);
  }

  // --- local work, elements, slices, DAP ------------------------------------

  /**
   * Runs `fn` on this rank's block. Collective (one allgather). When `fn`
   * returns an NDArray on every rank, it must have the local shape and the
   * result is a new DistArray with the same distribution; otherwise the
   * per-rank return values (JSON values; bigints become numbers) are
   * allgathered and returned in rank order.
   *
   * @param fn The function, given the local block and its place in the global array.
   * @returns A DistArray, or every rank's value.
   * @throws {ShapeMismatchError} When a returned NDArray does not have the local shape.
   * @throws {TypeError} When some ranks return an NDArray and others do not.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * const a = DistArray.ones(comm, [10]);
   * const counts = a.apply((local) => local.size);
   * assert.equal(counts.reduce((x, y) => x + y, 0), 10);
   * const doubled = a.apply((local) => local.mul(2));
   * assert.equal(doubled.sum().get(), 20);
   * ```
   */
  apply(fn: (local: NDArray<D>, context: ApplyContext) => NDArray): DistArray;
  /**
   * Runs `fn` on each rank's local block and gathers what it returns from
   * every rank (collective).
   *
   * @param fn Called with the local block and its global context.
   * @returns The per-rank values, in rank order.
   */
  apply<T>(fn: (local: NDArray<D>, context: ApplyContext) => T): T[];
  apply<T>(fn: (local: NDArray<D>, context: ApplyContext) => T): DistArray | T[] {
    const r = applyLocal(this.#comm, this.#dist, this.#local, fn);
    return "values" in r ? r.values : new DistArray(this.#comm, this.#dist, r.array);
  }

  /**
   * One element by global index: its owner reads it and broadcasts it, so
   * every rank gets it. Collective.
   *
   * @param globalIndex One index per axis.
   * @returns The value (a bigint for 64-bit integers, a boolean for bool).
   * @throws {RangeError} For an index outside the shape.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * const a = DistArray.fromFunction(comm, [7], { fn: ([i]) => i * i, dist: "c" });
   * assert.equal(a.get([6]), 36);
   * ```
   */
  get(globalIndex: readonly number[]): Scalar {
    return getGlobal(this.#comm, this.#dist, this.#local, globalIndex);
  }

  /**
   * Writes one element by global index, in every local copy of it (the
   * owner's and any halo copies). Every rank calls it with the same
   * arguments; there is no communication.
   *
   * @param globalIndex One index per axis.
   * @param value The value (cast as a C cast would).
   * @throws {RangeError} For an index outside the shape.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * const a = DistArray.zeros(comm, [4, 4], { dist: "bc" });
   * a.set([3, 1], 5);
   * assert.equal(a.sum().get(), 5);
   * ```
   */
  set(globalIndex: readonly number[], value: Scalar): void {
    setGlobal(this.#comm.rank, this.#dist, this.#local, globalIndex, value);
  }

  /**
   * A selection of the global array as a new DistArray, copied from the
   * owners' blocks without communication. Each axis takes a range with a
   * positive step (`"2:10"`, `"::3"`, `{ start, stop, step }`) or one index
   * (the axis is dropped, and only the ranks at the owning grid position
   * along it keep a block). A `b`/`n` axis with step 1 stays a block axis with
   * the intersected bounds (padding is dropped); other axes become
   * unstructured (`u`) with each position keeping the selected indices it
   * owned. Not collective.
   *
   * @param specs One spec per axis (missing axes are whole), as `NDArray.slice` takes them;
   *   a string with commas (`"2:10, :"`) stands for several axes.
   * @returns The selection.
   * @throws {RangeError} For a negative step, an index out of bounds, or too many specs.
   * @throws {TypeError} For `null`/new axes, an index array or mask, or a malformed spec.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * const a = DistArray.fromFunction(comm, [10, 4], { fn: ([i, j]) => 10 * i + j });
   * const s = a.slice("2:8, 1");
   * assert.deepEqual(s.shape, [6]);
   * assert.deepEqual(s.toNDArray()!.toArray(), [21, 31, 41, 51, 61, 71]);
   * assert.deepEqual(a.slice({ start: 1, stop: 9, step: 4 }, 3).toNDArray()!.toArray(), [13, 53]);
   * assert.throws(() => a.slice([0, 2]), TypeError);
   * ```
   */
  slice(...specs: SliceSpec[]): DistArray<D> {
    const dist = this.#dist;
    const nd = dist.ndim;
    const sel = indexSelection(dist.shape, specs, {
      caller: "DistArray.slice",
      newAxes: false,
      negativeSteps: false,
    });
    const rank = this.#comm.rank;
    const coords = dist.gridCoords(rank);
    const keptSpecs: AxisSpec[] = [];
    const keptShape: number[] = [];
    const keptGrid: number[] = [];
    const fixed: (number | null)[] = []; // per axis: the grid position of a dropped axis
    const localPos: (number[] | null)[] = []; // per axis: my local positions to take
    for (let a = 0; a < nd; a++) {
      const info = dist.axis(a);
      const s = sel.axes[a];
      const mine = coords ? coords[a] : -1;
      if (s.kind === "index") {
        const g = s.index;
        let p = 0;
        while (!ownedGlobals(info, p).includes(g)) p++;
        fixed.push(p);
        const own = mine === p ? [...ownedGlobals(info, p)].indexOf(g) : -1;
        localPos.push(own >= 0 ? [own + haloBefore(info, p)] : null);
        continue;
      }
      if (s.kind !== "range") throw new TypeError(`Unexpected selection on axis ${a}`);
      const r = s;
      fixed.push(null);
      keptShape.push(r.count);
      keptGrid.push(info.gridSize);
      const pick = (g: number): number => {
        const k = (g - r.start) / r.step;
        return g >= r.start && k < r.count && Number.isInteger(k) ? k : -1;
      };
      if ((info.type === "b" || info.type === "n") && r.step === 1) {
        const b = info.bounds!;
        const bounds = b.map((x) => Math.min(Math.max(x, r.start), r.start + r.count) - r.start);
        keptSpecs.push(info.type === "n" ? "n" : { type: "b", bounds });
      } else {
        const indices = Array.from({ length: info.gridSize }, (_, p) => {
          const out: number[] = [];
          for (const g of ownedGlobals(info, p)) if (pick(g) >= 0) out.push(pick(g));
          return out;
        });
        keptSpecs.push({ type: "u", indices });
      }
      if (mine < 0) localPos.push(null);
      else {
        const own = ownedGlobals(info, mine);
        const h = haloBefore(info, mine);
        const at: number[] = [];
        for (let l = 0; l < own.length; l++) if (pick(own[l]) >= 0) at.push(l + h);
        localPos.push(at);
      }
    }
    // the ranks of the kept grid: those at the fixed positions of dropped axes
    const ranks: number[] = [];
    const fullCoords = new Array<number>(nd).fill(0);
    const kc = new Array<number>(keptGrid.length).fill(0);
    const total = prod(keptGrid);
    for (let k = 0; k < total; k++) {
      let j = 0;
      for (let a = 0; a < nd; a++) fullCoords[a] = fixed[a] ?? kc[j++];
      ranks.push(dist.rankAt(fullCoords));
      for (let i = keptGrid.length - 1; i >= 0; i--) {
        if (++kc[i] < keptGrid[i]) break;
        kc[i] = 0;
      }
    }
    const out = Distribution.create(keptShape, {
      dist: keptSpecs,
      grid: keptGrid,
      commSize: dist.commSize,
      ranks,
    });
    let local: NDArray<D>;
    if (out.gridCoords(rank) === null || localPos.some((l) => l === null)) {
      local = empty(out.localShape(rank), this.dtype);
    } else {
      local = gatherAxes(this.#local, localPos).reshape(out.localShape(rank)) as NDArray<D>;
    }
    return new DistArray(this.#comm, out, local);
  }

  /**
   * This rank's view in the Distributed Array Protocol (v0.10): the local
   * block as `buffer` and one `dim_data` entry per axis. Not collective.
   *
   * @returns `{ __version__, buffer, dim_data }`.
   * @throws {RangeError} On a rank outside the distribution's grid.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * const dap = DistArray.zeros(comm, [4, 4]).toDap();
   * assert.equal(dap.__version__, "0.10.0");
   * assert.equal(dap.dim_data[0].dist_type, "b");
   * ```
   */
  toDap(): DistBuffer<NDArray<D>> {
    return exportDap(this.#dist, { rank: this.#comm.rank, buffer: this.#local });
  }
}

installOps(DistArray.prototype as DistArray, {
  ufunc: (self, name, operands) => DistArray.ufunc(name, [self, ...operands as DistOperand[]]),
  reduce: (self, name, options) => self.reduce(name, options),
});
