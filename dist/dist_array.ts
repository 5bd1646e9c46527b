/**
 * `DistArray`: a global N-dimensional array held as one `NDArray` block per
 * rank of a communicator, laid out by a {@link Distribution} (Enthought
 * DistArray's model). Every method that communicates is collective: every rank
 * calls it, in the same order, with the same arguments.
 *
 * @module
 */

import { type AnyTypedArray, type DType, DTYPES, type Scalar } from "../core/dtype.ts";
import type { NDArray } from "../core/ndarray.ts";
import type { IndexArray, SliceSpec } from "../core/indexer.ts";
import type { ReduceOptions, ReductionName } from "../core/reduce.ts";
import { installOps } from "../core/ops.ts";
import { installUfuncProtocols } from "./_dist_scan.ts";
import type { Comm } from "./comm.ts";
import type { Distribution } from "./distribution.ts";
import { type DistBuffer, exportDap } from "./dap.ts";
import type { ApplyContext, CreateOptions, DistMethods, Layout } from "./layout.ts";
import type { LayoutOptions, LoadNpyOptions, SaveNpyOptions } from "./layout.ts";
import type { NormalDistOptions, RandomDistOptions, UniformDistOptions } from "./layout.ts";
import type { DistIndexing, ReductionAxes } from "./layout.ts";
import { type Block, contiguous, prod, shapeText } from "./_dist_blocks.ts";
import { reduceArray } from "./_dist_reduce.ts";
import { reduceAxisBlock } from "./_dist_reduce_axis.ts";
import { installOrderMethods } from "./_dist_sort.ts";
import { loadBlock, saveBlock } from "./_dist_npy.ts";
import { applyLocal, getGlobal } from "./_dist_local.ts";
import {
  dapBlock,
  filledBlock,
  functionBlock,
  localBlock,
  randomBlock,
  scatterBlock,
} from "./_dist_create.ts";
import { exchangeHalos, gather, redistributeBlock, ufuncBlock } from "./_dist_ops.ts";
import * as ix from "./_dist_index.ts";

/** An operand of the element-wise functions: a distributed array, a replicated NDArray or a scalar. */
export type DistOperand = DistArray | NDArray | Scalar;

/**
 * The methods of {@link DistArray} generated from the operation table `ARRAY_OPS`
 * (core/ops.ts): element-wise methods (`add`, `sqrt`, ...; {@link DistArray.ufunc}) and
 * collective reductions (`sum`, ...; {@link DistArray.reduce}), and `sort`, `median`,
 * `quantile`, `percentile` (DistMethods in dist/layout.ts).
 */
export interface DistArray<D extends DType = DType> extends DistMethods<D> {}

/**
 * A distributed N-dimensional array: one {@link NDArray} block per rank of a
 * communicator, laid out by a {@link Distribution}. Build one with the static
 * creation functions; the blocks include halo cells for padded distributions.
 *
 * Element-wise operations ({@link DistArray.ufunc}) combine local blocks. Reductions over
 * the whole array give a replicated `NDArray`, over some axes a DistArray along the
 * others; the same bits for any number of ranks and layout ({@link DistArray.reduce}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DistArray, init } from "./mod.ts";
 * await using comm = await init();
 * const a = DistArray.fromFunction(comm, [4, 3], { fn: ([i, j]) => 10 * i + j });
 * assert.equal(a.get([3, 2]), 32);
 * assert.equal(a.sum().get(), 192);
 * const centred = a.sub(a.mean({ axis: 0 })); // a DistArray [3] broadcast per column
 * assert.deepEqual(centred.mean({ axis: 0 }).toNDArray()!.toArray(), [0, 0, 0]);
 * assert.deepEqual(a.localShape, a.distribution.localShape(comm.rank)); // this rank's block
 * ```
 */
export class DistArray<D extends DType = DType> implements DistIndexing<D> {
  readonly #comm: Comm;
  readonly #dist: Distribution;
  readonly #local: NDArray<D>;

  private constructor(comm: Comm, dist: Distribution, local: NDArray<D>) {
    this.#comm = comm;
    this.#dist = dist;
    this.#local = contiguous(local);
  }

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

  /** Shape of this rank's block, halo cells included (`distribution.localShape(comm.rank)`). */
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
   * @example
   * ```ts
   * import { DistArray, init } from "./mod.ts";
   * await using comm = await init();
   * const text = String(DistArray.zeros(comm, [10, 3]));
   * if (!text.startsWith("DistArray<float64>[10,3] ")) throw new Error(`got ${text}`);
   * ```
   */
  toString(): string {
    return `DistArray<${this.dtype}>${shapeText(this.shape)} ${this.#dist}`;
  }

  static #wrap<E extends DType>(comm: Comm, block: Block<E>): DistArray<E> {
    return new DistArray(comm, block.dist, block.local);
  }

  #block(): Block<D> {
    return { dist: this.#dist, local: this.#local };
  }

  /** What `ufuncBlock` needs of an operand that is a DistArray (null for others). */
  static #parts(x: unknown) {
    if (!(x instanceof DistArray)) return null;
    return { ...x.#block(), comm: x.#comm, localIn: (d: Distribution) => x.redistribute(d).#local };
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
   * @example
   * ```ts
   * import { DistArray, Distribution, init } from "./mod.ts";
   * import { ones } from "../core/ndarray.ts";
   * await using comm = await init();
   * const d = Distribution.create([6], { commSize: comm.size });
   * const a = DistArray.fromLocal(comm, ones(d.localShape(comm.rank)), { distribution: d });
   * if (a.sum().get() !== 6) throw new Error("bad");
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
   * @example
   * ```ts
   * import { DistArray, init } from "./mod.ts";
   * await using comm = await init();
   * const a = DistArray.empty(comm, [5, 2], { dtype: "int32" });
   * if (a.shape.join() !== "5,2" || a.dtype !== "int32") throw new Error(`got ${a}`);
   * ```
   */
  static empty<D extends DType = "float64">(
    comm: Comm,
    layout: Layout,
    options: CreateOptions<D> = {},
  ): DistArray<D> {
    return DistArray.#wrap(comm, filledBlock(comm, layout, { ...options, value: undefined }));
  }

  /**
   * A new array of zeros. Not collective.
   *
   * @param comm The communicator.
   * @param layout A distribution, or a global shape laid out by `options`.
   * @param options `dtype`, `dist`, `grid`.
   * @returns The array.
   * @example
   * ```ts
   * import { DistArray, init } from "./mod.ts";
   * await using comm = await init();
   * if (DistArray.zeros(comm, [8]).max().get() !== 0) throw new Error("bad");
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
   * @example
   * ```ts
   * import { DistArray, init } from "./mod.ts";
   * await using comm = await init();
   * const a = DistArray.ones(comm, [3, 3], { dtype: "int16" });
   * if (a.sum().get() !== 9n) throw new Error(`got ${a.sum().get()}`);
   * ```
   */
  static ones<D extends DType = "float64">(
    comm: Comm,
    layout: Layout,
    options: CreateOptions<D> = {},
  ): DistArray<D> {
    const dtype = options.dtype ?? ("float64" as D);
    return DistArray.#wrap(comm, filledBlock(comm, layout, { ...options, value: 1, dtype }));
  }

  /**
   * A new array filled with one value. Not collective. Without `dtype` the dtype is
   * inferred as core's `full` and `np.full` do: `bool` for a boolean, `int64` for a
   * bigint or an integral number (a JS `3.0` is the number 3), `float64` otherwise.
   *
   * @param comm The communicator.
   * @param layout A distribution, or a global shape laid out by `options`.
   * @param options `value` (required), `dtype` (default: inferred from the value), `dist`, `grid`.
   * @returns The array.
   * @example
   * ```ts
   * import { DistArray, init } from "./mod.ts";
   * await using comm = await init();
   * if (DistArray.full(comm, [4], { value: 2.5 }).sum().get() !== 10) throw new Error("bad");
   * const dtypes = [{ value: 3 }, { value: 3, dtype: "float32" as const }]
   *   .map((o) => DistArray.full(comm, [4], o).dtype);
   * if (dtypes.join() !== "int64,float32") throw new Error(`got ${dtypes}`);
   * ```
   */
  static full<D extends DType = DType>(
    comm: Comm,
    layout: Layout,
    options: CreateOptions<D> & { value: Scalar },
  ): DistArray<D> {
    return DistArray.#wrap(comm, filledBlock(comm, layout, options));
  }

  /**
   * A new array whose element at each global index is `fn(globalIndex)`, called
   * by each rank for its own cells (halos included). Not collective.
   *
   * @param comm The communicator.
   * @param layout A distribution, or a global shape laid out by `options`.
   * @param options `fn` (required), `dtype` (default float64), `dist`, `grid`.
   * @returns The array.
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { DistArray, init } from "./mod.ts";
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
    return DistArray.#wrap(comm, functionBlock(comm, layout, options));
  }

  /**
   * Scatters an NDArray held by one rank: one collective (an alltoallv from the
   * root). The other ranks pass null (only the root's array is read).
   *
   * @param comm The communicator.
   * @param array The whole array on the root.
   * @param options `distribution`, or `dist` and `grid` for the global shape; `root` (default 0).
   * @returns The distributed array.
   * @throws {TypeError} On the root, when `array` is not an NDArray (ending the job under MPI).
   * @example
   * ```ts
   * import { DistArray, init } from "./mod.ts";
   * import { arange } from "../core/ndarray.ts";
   * await using comm = await init();
   * const whole = comm.rank === 0 ? arange(12).reshape([4, 3]) : null;
   * const a = DistArray.fromNDArray(comm, whole, { dist: "bc" });
   * if (a.get([2, 1]) !== 7n) throw new Error("bad");
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
   * Rebuilds an array from this rank's Distributed Array Protocol view (from
   * {@link DistArray.toDap} or another DAP producer): the ranks' `dim_data` are
   * allgathered and turned into a distribution. Collective.
   *
   * @param comm The communicator (entry k of the C-ordered grid is rank k).
   * @param dap This rank's `{ __version__, buffer, dim_data }`; the buffer is an NDArray or a typed array.
   * @param options `dtype` of a typed-array buffer (default: the one its class implies; `uint8` for Uint8Array).
   * @returns The array (sharing the buffer's memory when it is C-contiguous).
   * @throws {RangeError} For dim_data that do not describe a grid over the ranks.
   * @throws {ShapeMismatchError} When the buffer does not have the local shape.
   * @example
   * ```ts
   * import { DistArray, init } from "./mod.ts";
   * await using comm = await init();
   * const a = DistArray.rand(comm, [6, 2], { seed: 3, dist: "bn" });
   * const b = DistArray.fromDap(comm, a.toDap());
   * if (!b.distribution.equals(a.distribution)) throw new Error("bad");
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
   * Uniform random numbers in [0, 1), counter-based (`core/random.ts`) on (seed, global
   * flat index): the same array for any number of ranks and any layout. Not collective.
   *
   * @param comm The communicator.
   * @param layout A distribution, or a global shape laid out by `options`.
   * @param options `seed`, `stream`, `dist`, `grid`.
   * @returns A float64 array.
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { DistArray, init } from "./mod.ts";
   * import { rand } from "../core/random.ts";
   * await using comm = await init();
   * const a = DistArray.rand(comm, [5, 4], { seed: 9, dist: "bc" });
   * assert.deepEqual(a.toNDArray()!.toArray(), rand([5, 4], { seed: 9 }).toArray());
   * ```
   */
  static rand(comm: Comm, layout: Layout, options: RandomDistOptions = {}): DistArray<"float64"> {
    return DistArray.#wrap(comm, randomBlock(comm, layout, "rand", options));
  }

  /**
   * Standard normal random numbers (counter-based, the same for any layout). Not collective.
   *
   * @param comm The communicator.
   * @param layout A distribution, or a global shape laid out by `options`.
   * @param options `seed`, `stream`, `dist`, `grid`.
   * @returns A float64 array.
   * @example
   * ```ts
   * import { DistArray, init } from "./mod.ts";
   * await using comm = await init();
   * const a = DistArray.randn(comm, [20000], { seed: 1 });
   * if (Math.abs((a.std().get() as number) - 1) > 0.05) throw new Error("bad");
   * ```
   */
  static randn(comm: Comm, layout: Layout, options: RandomDistOptions = {}): DistArray<"float64"> {
    return DistArray.#wrap(comm, randomBlock(comm, layout, "randn", options));
  }

  /**
   * Normal random numbers with a mean and standard deviation. Not collective.
   *
   * @param comm The communicator.
   * @param layout A distribution, or a global shape laid out by `options`.
   * @param options `loc` (0), `scale` (1), `seed`, `stream`, `dist`, `grid`; `mean`/`std` are aliases.
   * @returns A float64 array.
   * @example
   * ```ts
   * import { DistArray, init } from "./mod.ts";
   * await using comm = await init();
   * const a = DistArray.normal(comm, [20000], { loc: 5, scale: 2, seed: 1 });
   * if (Math.abs((a.mean().get() as number) - 5) > 0.1) throw new Error("bad");
   * ```
   */
  static normal(comm: Comm, layout: Layout, options: NormalDistOptions = {}): DistArray<"float64"> {
    return DistArray.#wrap(comm, randomBlock(comm, layout, "normal", options));
  }

  /**
   * Uniform random numbers in [low, high). Not collective.
   *
   * @param comm The communicator.
   * @param layout A distribution, or a global shape laid out by `options`.
   * @param options `low` (0), `high` (1), `seed`, `stream`, `dist`, `grid`.
   * @returns A float64 array.
   * @example
   * ```ts
   * import { DistArray, init } from "./mod.ts";
   * await using comm = await init();
   * const a = DistArray.uniform(comm, [100], { low: -1, high: 1, seed: 2 });
   * const [lo, hi] = [a.min().get() as number, a.max().get() as number];
   * if (lo < -1 || hi >= 1) throw new Error(`got [${lo}, ${hi}]`);
   * ```
   */
  static uniform(
    comm: Comm,
    layout: Layout,
    options: UniformDistOptions = {},
  ): DistArray<"float64"> {
    return DistArray.#wrap(comm, randomBlock(comm, layout, "uniform", options));
  }

  /**
   * Random integers in [low, high). Not collective.
   *
   * @param comm The communicator.
   * @param layout A distribution, or a global shape laid out by `options`.
   * @param options `high` (required), `low` (0), `dtype` (int64), `seed`, `stream`, `dist`, `grid`.
   * @returns The array.
   * @example
   * ```ts
   * import { DistArray, init } from "./mod.ts";
   * await using comm = await init();
   * const a = DistArray.randint(comm, [50], { high: 6, dtype: "int32", seed: 4 });
   * const [lo, hi] = [a.min().get() as number, a.max().get() as number];
   * if (lo < 0 || hi > 5) throw new Error(`got [${lo}, ${hi}]`);
   * ```
   */
  static randint<E extends DType = "int64">(
    comm: Comm,
    layout: Layout,
    options: RandomDistOptions & { low?: number; high: number; dtype?: E },
  ): DistArray<E> {
    return DistArray.#wrap(comm, randomBlock(comm, layout, "randint", options));
  }

  /**
   * The whole array as one NDArray: on `root` only (null elsewhere), or on every rank
   * when no root is given. Collective (one alltoallv, plus a broadcast for every rank).
   *
   * @param root The rank that receives it; omit for all of them.
   * @returns The array, or null on ranks other than the root.
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { DistArray, init } from "./mod.ts";
   * await using comm = await init();
   * const a = DistArray.full(comm, [2, 2], { value: 7, dtype: "uint8" });
   * assert.deepEqual(a.toNDArray()!.toArray(), [[7, 7], [7, 7]]);
   * ```
   */
  toNDArray(root?: number): NDArray<D> | null {
    return gather(this.#comm, this.#block(), root);
  }

  /**
   * The same values in another distribution: one alltoallv (`redistributionPlan`) between
   * any `b`/`c`/`u`/`n` layouts, padded or not (halo cells are filled too). Collective.
   *
   * @param to The new distribution, or layout options for the same shape.
   * @returns A new array.
   * @throws {ShapeMismatchError} When the distribution has another shape.
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { DistArray, init } from "./mod.ts";
   * await using comm = await init();
   * const a = DistArray.rand(comm, [6, 5], { seed: 2 });
   * const b = a.redistribute({ dist: [{ type: "c", blockSize: 2 }, "n"] });
   * assert.deepEqual(b.toNDArray()!.toArray(), a.toNDArray()!.toArray());
   * ```
   */
  redistribute(to: Distribution | LayoutOptions): DistArray<D> {
    return DistArray.#wrap(this.#comm, redistributeBlock(this.#comm, this.#block(), to));
  }

  /**
   * Refreshes the halo cells of a padded block distribution from their owners, in
   * place (periodic axes wrap around): one alltoallv, with no cell copied onto
   * itself; nothing without padding. Collective.
   *
   * @returns This array.
   * @example
   * ```ts
   * import { DistArray, init } from "./mod.ts";
   * await using comm = await init();
   * const dist = [{ type: "b", padding: [1, 1], periodic: true }] as const;
   * const a = DistArray.fromFunction(comm, [8], { dist, fn: ([i]) => i }).exchangeHalos();
   * const left = (a.local.get(1) as number + 7) % 8; // the left neighbour
   * if (a.local.get(0) !== left) throw new Error(`got ${a.local.get(0)}`);
   * ```
   */
  exchangeHalos(): this {
    exchangeHalos(this.#comm, this.#block());
    return this;
  }

  /**
   * Applies a ufunc of `core/ufunc.ts` by its NumPy name (`"add"`, `"where"`, ...). Operands
   * broadcast as NumPy's (DistArrays, replicated NDArrays, weak scalars, in any order); the
   * result has the layout of the first DistArray of the full shape. Collective when a
   * DistArray operand of another layout or shape is moved (dist/_dist_broadcast.ts).
   *
   * @param name The ufunc's NumPy name.
   * @param operands As many operands as the ufunc takes; at least one a DistArray.
   * @returns The result.
   * @throws {TypeError} For an unknown ufunc, a wrong operand count, or no DistArray operand.
   * @throws {ShapeMismatchError} When the shapes do not broadcast.
   * @example
   * ```ts
   * import { DistArray, init } from "./mod.ts";
   * import { fromArray } from "../core/ndarray.ts";
   * await using comm = await init();
   * const a = DistArray.ones(comm, [4, 2]);
   * const b = DistArray.ufunc("hypot", [a, fromArray([0, 1])]);
   * if (b.get([0, 1]) !== Math.SQRT2) throw new Error(`got ${b.get([0, 1])}`);
   * ```
   */
  static ufunc(name: string, operands: readonly (DistOperand | null)[]): DistArray {
    const r = ufuncBlock(name, operands, DistArray.#parts);
    return new DistArray(r.comm, r.dist, r.local);
  }

  /**
   * The array converted to another dtype (a C cast, as `NDArray.astype`). Not collective.
   *
   * @param dtype The new element type.
   * @returns A new array with the same distribution.
   * @example
   * ```ts
   * import { DistArray, init } from "./mod.ts";
   * await using comm = await init();
   * const a = DistArray.full(comm, [2], { value: 2.7 }).astype("int32");
   * if (a.sum().get() !== 4n) throw new Error(`got ${a.sum().get()}`);
   * ```
   */
  astype<E extends DType>(dtype: E): DistArray<E> {
    return new DistArray(this.#comm, this.#dist, this.#local.astype(dtype));
  }

  /**
   * Values limited to `[min, max]` (NumPy's `clip`), either bound null; bounds may be
   * DistArrays, replicated NDArrays or scalars. Not collective unless redistributed.
   *
   * @param min The lower bound, or null for none.
   * @param max The upper bound, or null for none.
   * @returns The result, with this array's distribution.
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { DistArray, init } from "./mod.ts";
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
   * @example
   * ```ts
   * import { DistArray, init } from "./mod.ts";
   * await using comm = await init();
   * const a = DistArray.ones(comm, [2]);
   * if (a.copy().local === a.local) throw new Error("bad");
   * ```
   */
  copy(): DistArray<D> {
    return new DistArray(this.#comm, this.#dist, this.#local.copy());
  }

  /**
   * A reduction of `core/reduce.ts` by name (`axis`, `keepdims`, `ddof`, `dtype` as NumPy).
   * Collective. Without `axis`: a replicated NDArray; with one: a DistArray along the other
   * axes (`toNDArray` gathers it). The same bits for any rank count and layout: fixed tiles
   * merged in a fixed tree (dist/_dist_reduce.ts, dist/_dist_reduce_axis.ts).
   *
   * @param name The reduction's NumPy name (`"sum"`, `"nanstd"`, `"argmax"`, ...).
   * @param options `axis`, `keepdims`, `ddof`, `dtype`.
   * @returns The result.
   * @throws {TypeError} For an unknown reduction.
   * @throws {RangeError} For a bad axis, or min/max/argmin/argmax of an empty array.
   * @example
   * ```ts
   * import { DistArray, init } from "./mod.ts";
   * await using comm = await init();
   * const a = DistArray.fromFunction(comm, [3, 2], { fn: ([i, j]) => i + j, dtype: "int32" });
   * const r = a.reduce("count_nonzero", { axis: 0 }).toNDArray()!; // int64: [2n, 3n]
   * if ([...r.flat()].join() !== "2,3") throw new Error(`got ${[...r.flat()]}`);
   * ```
   */
  reduce(name: ReductionName, options: ReduceOptions & { axis: ReductionAxes }): DistArray;
  /** Without `axis`: a replicated NDArray. @param name The reduction. @param options Options. @returns The result. */
  reduce(name: ReductionName, options?: ReduceOptions & { axis?: null }): NDArray;
  /** Either form. @param name The reduction. @param options Options. @returns The result. */
  reduce(name: ReductionName, options?: ReduceOptions): NDArray | DistArray;
  reduce(name: ReductionName, options: ReduceOptions = {}): NDArray | DistArray {
    if (options?.axis === undefined || options.axis === null) {
      return reduceArray(this.#comm, this.#block(), name, options ?? {});
    }
    return DistArray.#wrap(this.#comm, reduceAxisBlock(this.#comm, this.#block(), name, options));
  }

  /**
   * Runs `fn` on this rank's block. Collective (one allgather). When `fn` returns an NDArray
   * of the local shape on every rank, the result is a DistArray of the same distribution;
   * otherwise the per-rank (JSON) values are returned in rank order.
   *
   * @param fn The function, given the local block and its place in the global array.
   * @returns A DistArray, or every rank's value.
   * @throws {ShapeMismatchError} When a returned NDArray does not have the local shape.
   * @throws {TypeError} When some ranks return an NDArray and others do not.
   * @example
   * ```ts
   * import { DistArray, init } from "./mod.ts";
   * await using comm = await init();
   * const a = DistArray.ones(comm, [10]);
   * const counts = a.apply((local) => local.size);
   * if (counts.reduce((x, y) => x + y, 0) !== 10) throw new Error(`got ${counts}`);
   * if (a.apply((local) => local.mul(2)).sum().get() !== 20) throw new Error("bad");
   * ```
   */
  apply(fn: (local: NDArray<D>, context: ApplyContext) => NDArray): DistArray;
  /** Runs `fn` on this rank's block and gathers every rank's value. @param fn The function. @returns The values, in rank order. */
  apply<T>(fn: (local: NDArray<D>, context: ApplyContext) => T): T[];
  apply<T>(fn: (local: NDArray<D>, context: ApplyContext) => T): DistArray | T[] {
    const r = applyLocal(this.#comm, this.#dist, this.#local, fn);
    return "values" in r ? r.values : new DistArray(this.#comm, this.#dist, r.array);
  }

  /**
   * One element by global index, read by its owner and broadcast to every rank. Collective.
   *
   * @param globalIndex One index per axis.
   * @returns The value (a bigint for 64-bit integers, a boolean for bool).
   * @throws {RangeError} For an index outside the shape.
   * @example
   * ```ts
   * import { DistArray, init } from "./mod.ts";
   * await using comm = await init();
   * const a = DistArray.fromFunction(comm, [7], { fn: ([i]) => i * i, dist: "c" });
   * if (a.get([6]) !== 36) throw new Error("bad");
   * ```
   */
  get(globalIndex: readonly number[]): Scalar {
    return getGlobal(this.#comm, this.#dist, this.#local, globalIndex);
  }

  /** Writes into a selection: {@link DistIndexing.set}. */
  set(selection: readonly SliceSpec[] | string, value: DistOperand): void {
    const specs = typeof selection === "string" ? [selection] : selection;
    if (!(value instanceof DistArray)) ix.assignLocal(this.#comm.rank, this.#block(), specs, value);
    else ix.assignDist(this.#comm, this.#block(), specs, value.#block());
  }

  /** A selection as a new DistArray: {@link DistIndexing.slice}. */
  slice(...specs: SliceSpec[]): DistArray<D> {
    return DistArray.#wrap(this.#comm, ix.selectBlock(this.#comm.rank, this.#block(), specs));
  }

  /** Elements at `indices` along `axis`: {@link DistIndexing.take}. */
  take(indices: number | IndexArray | NDArray, options: { axis?: number } = {}): DistArray<D> {
    const specs = ix.takeSpecs(this.ndim, indices, options.axis);
    return DistArray.#wrap(this.#comm, ix.selectBlock(this.#comm.rank, this.#block(), specs));
  }

  /** The elements where a bool mask is true, 1-D in C order: {@link DistIndexing.extract}. */
  extract(mask: DistArray | NDArray): DistArray<D> {
    const m = mask instanceof DistArray ? DistArray.#parts(mask)! : mask;
    return DistArray.#wrap(this.#comm, ix.extractBlock(this.#comm, this.#block(), m));
  }

  /**
   * Writes a `.npy` file in parallel, each rank its own cells; rank 0 renames it into place.
   * @param path The file.
   * @param options `overwrite` (default false: an existing file is `Deno.errors.AlreadyExists`).
   * @returns When the file is in place (collective).
   * @example
   * ```ts
   * import { DistArray, init } from "./mod.ts";
   * await using comm = await init();
   * const path = `${comm.bcastJson(comm.rank === 0 ? await Deno.makeTempDir() : "", 0)}/a.npy`;
   * await DistArray.rand(comm, [6, 4], { seed: 1, dist: "cn" }).saveNpy(path);
   * if ((await DistArray.loadNpy(comm, path)).get([5, 3]) === 0) throw new Error("bad");
   * ```
   */
  saveNpy(path: string | URL, options: SaveNpyOptions = {}): Promise<void> {
    return saveBlock(this.#comm, this.#block(), path, options);
  }

  /**
   * Reads a `.npy` file in parallel, each rank only its block; see {@link DistArray.saveNpy}.
   * @param comm The communicator.
   * @param path The file.
   * @param options `distribution` (of the file's shape), or `dist` and `grid`.
   * @returns The array, with the file's dtype (collective).
   * @example
   * ```ts
   * import { DistArray, init } from "./mod.ts";
   * import { writeNpy } from "../io/npy.ts";
   * import { arange } from "../core/ndarray.ts";
   * await using comm = await init(); // one process here: under MPI, rank 0 writes, then a barrier
   * const path = `${await Deno.makeTempDir()}/x.npy`;
   * await writeNpy(path, arange(10));
   * if ((await DistArray.loadNpy(comm, path, { dist: "c" })).get([7]) !== 7n) throw new Error("bad");
   * ```
   */
  static loadNpy(comm: Comm, path: string | URL, options: LoadNpyOptions = {}): Promise<DistArray> {
    return loadBlock(comm, path, options).then((b) => DistArray.#wrap(comm, b));
  }

  /**
   * This rank's view in the Distributed Array Protocol (v0.10): the local block as
   * `buffer` and one `dim_data` entry per axis. Not collective.
   *
   * @returns `{ __version__, buffer, dim_data }`.
   * @throws {RangeError} On a rank outside the distribution's grid.
   * @example
   * ```ts
   * import { DistArray, init } from "./mod.ts";
   * await using comm = await init();
   * const dap = DistArray.zeros(comm, [4, 4]).toDap();
   * if (dap.__version__ !== "0.10.0" || dap.dim_data[0].dist_type !== "b") throw new Error("bad");
   * ```
   */
  toDap(): DistBuffer<NDArray<D>> {
    return exportDap(this.#dist, { rank: this.#comm.rank, buffer: this.#local });
  }
}

installOps(DistArray.prototype as DistArray, {
  ufunc: (self, name, operands) => DistArray.ufunc(name, [self, ...operands as DistOperand[]]),
  reduce: (self, name, options) => self.reduce(name, options),
  scan: installUfuncProtocols(DistArray), // `nd.add(dist)`, `add.accumulate(dist)`: _dist_scan.ts
});
installOrderMethods(DistArray.prototype as DistArray);
