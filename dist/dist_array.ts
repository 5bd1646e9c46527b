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
import { broadcastShapes, copyInto, empty, full, NDArray } from "../core/ndarray.ts";
import { indexSelection, type Region, type SliceSpec } from "../core/indexer.ts";
import { type Operand, UFUNCS } from "../core/ufunc.ts";
import {
  type ArgOptions,
  type ReduceOptions,
  reducer,
  REDUCTION_NAMES,
  type ReductionName,
  REDUCTIONS,
} from "../core/reduce.ts";
import * as random from "../core/random.ts";
import type { Comm, CommBuffer } from "./comm.ts";
import {
  type AxisInfo,
  type AxisSpec,
  Distribution,
  type LocalRegion,
  pack,
  type RedistributionPlan,
  redistributionPlan,
  unpack,
} from "./distribution.ts";
import { type DimData, type DistBuffer, exportDap, importDap } from "./dap.ts";
import { TreeAccumulator, treeCombine } from "./tree_reduce.ts";

/** How a new array is laid out when a shape (not a {@link Distribution}) is given. */
export interface LayoutOptions {
  /** One spec per axis, as in {@link Distribution.create} (default `b` on axis 0, `n` elsewhere). */
  readonly dist?: string | readonly AxisSpec[];
  /** Process grid (default fitted to the shape); it must multiply to the number of ranks. */
  readonly grid?: readonly number[];
}

/** Options of the creation functions. */
export interface CreateOptions<D extends DType = DType> extends LayoutOptions {
  /** Element type (default `float64`). */
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
// helpers

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(",")}]`;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function prod(a: readonly number[]): number {
  return a.reduce((x, y) => x * y, 1);
}

/**
 * A view of the same bits with a dtype MPI can carry (float16 travels as uint16).
 */
function bitsView(a: NDArray): NDArray {
  if (a.dtype !== "float16") return a;
  const d = a.data as unknown as Uint16Array;
  const u = new Uint16Array(d.buffer as ArrayBuffer, d.byteOffset, d.length);
  return new NDArray("uint16", u, a.shape, a.strides, a.offset);
}

function fromBits<D extends DType>(a: NDArray, dtype: D): NDArray<D> {
  if (a.dtype === dtype) return a as NDArray<D>;
  const d = a.data as Uint16Array;
  const C = DTYPES[dtype].array as unknown as new (b: ArrayBuffer, o: number, n: number) => never;
  return new NDArray(dtype, new C(d.buffer as ArrayBuffer, d.byteOffset, d.length), a.shape);
}

function bitsDType(dtype: DType): DType {
  return dtype === "float16" ? "uint16" : dtype;
}

function contiguous<D extends DType>(a: NDArray<D>): NDArray<D> {
  return a.isContiguous && a.offset === 0 && a.data.length === a.size ? a : a.copy();
}

/** Moves a local block from one distribution to another with one alltoallv. */
function moveBlock<D extends DType>(
  comm: Comm,
  plan: RedistributionPlan,
  local: NDArray<D>,
  into?: NDArray<D>,
): NDArray<D> {
  const { buffer } = pack(plan, bitsView(local));
  const recv = comm.alltoallv(buffer as CommBuffer, Array.from(plan.sendCounts), {
    recvCounts: Array.from(plan.recvCounts),
    sendDispls: Array.from(plan.sendDispls),
    recvDispls: Array.from(plan.recvDispls),
  });
  const dst = into ? bitsView(into) : empty(plan.recvShape, bitsDType(local.dtype));
  unpack(plan, recv as ArrayLike<number | bigint>, dst);
  return into ?? fromBits(dst, local.dtype);
}

function displs(counts: Int32Array): Int32Array {
  const d = new Int32Array(counts.length);
  for (let i = 1; i < counts.length; i++) d[i] = d[i - 1] + counts[i - 1];
  return d;
}

// A halo-exchange plan without the cells a rank would copy onto themselves.
function trimSelf(p: RedistributionPlan): RedistributionPlan {
  const me = p.rank;
  const s0 = p.sendDispls[me];
  const r0 = p.recvDispls[me];
  const keepS: number[] = [];
  const keepR: number[] = [];
  for (let k = 0; k < p.sendCounts[me]; k++) {
    const s = p.sendIndices[s0 + k];
    const r = p.recvIndices[r0 + k];
    if (s !== r) {
      keepS.push(s);
      keepR.push(r);
    }
  }
  const rebuild = (counts: Int32Array, dsp: Int32Array, idx: Int32Array, kept: number[]) => {
    const c = counts.slice();
    c[me] = kept.length;
    const d = displs(c);
    const out = new Int32Array(d[d.length - 1] + c[c.length - 1]);
    for (let j = 0; j < c.length; j++) {
      if (j === me) out.set(kept, d[j]);
      else out.set(idx.subarray(dsp[j], dsp[j] + counts[j]), d[j]);
    }
    return { c, d, out };
  };
  const s = rebuild(p.sendCounts, p.sendDispls, p.sendIndices, keepS);
  const r = rebuild(p.recvCounts, p.recvDispls, p.recvIndices, keepR);
  return {
    ...p,
    sendCounts: s.c,
    sendDispls: s.d,
    sendIndices: s.out,
    recvCounts: r.c,
    recvDispls: r.d,
    recvIndices: r.out,
  };
}

const haloPlans = new WeakMap<Distribution, RedistributionPlan>();

/** The elements of `src` at the given positions per axis (null: the whole axis), as a new C array. */
function gatherAxes(src: NDArray, lists: readonly (ArrayLike<number> | null)[]): NDArray {
  const nd = src.ndim;
  const pos = lists.map((l, a) => l ?? Int32Array.from({ length: src.shape[a] }, (_, i) => i));
  // an arithmetic run on every axis is a view
  const specs: SliceSpec[] = [];
  for (let a = 0; a < nd; a++) {
    const l = pos[a];
    const step = l.length > 1 ? l[1] - l[0] : 1;
    let ok = step > 0;
    for (let i = 2; ok && i < l.length; i++) ok = l[i] - l[i - 1] === step;
    if (!ok) break;
    specs.push(
      l.length === 0 ? { start: 0, stop: 0 } : {
        start: l[0],
        stop: l[0] + (l.length - 1) * step + 1,
        step,
      },
    );
  }
  if (specs.length === nd) return src.slice(...specs).copy();
  const shape = pos.map((l) => l.length);
  const out = empty(shape, src.dtype);
  const n = out.size;
  if (n === 0) return out;
  const o = out.data as AnyTypedArray;
  const s = src.data as AnyTypedArray;
  const st = src.strides;
  const idx = new Array<number>(nd).fill(0);
  const last = nd - 1;
  const inner = pos[last];
  const innerStride = st[last];
  let k = 0;
  for (;;) {
    let base = src.offset;
    for (let a = 0; a < last; a++) base += pos[a][idx[a]] * st[a];
    for (let j = 0; j < inner.length; j++) o[k++] = s[base + inner[j] * innerStride] as never;
    if (k >= n) return out;
    let a = last - 1;
    while (a >= 0) {
      if (++idx[a] < pos[a].length) break;
      idx[a] = 0;
      a--;
    }
  }
}

/** Owned global indices of one grid position along an axis, in local order (no halos). */
function ownedGlobals(info: AxisInfo, p: number): Int32Array {
  if (info.type === "u") return info.indices![p];
  if (info.type === "c") {
    const out: number[] = [];
    const bs = info.blockSize;
    for (let b = p; b * bs < info.size; b += info.gridSize) {
      for (let g = b * bs; g < Math.min((b + 1) * bs, info.size); g++) out.push(g);
    }
    return Int32Array.from(out);
  }
  const b = info.bounds!;
  return Int32Array.from({ length: b[p + 1] - b[p] }, (_, i) => b[p] + i);
}

/** Local position of the first owned cell along an axis (the halo before it). */
function haloBefore(info: AxisInfo, p: number): number {
  if (info.type !== "b" || !info.padding) return 0;
  return p > 0 || info.periodic ? info.padding[p][0] : 0;
}

/** Canonical reduction tiles: groups of R whole rows along axis 0. */
const TILE_ELEMENTS = 65536;

function tiling(shape: readonly number[]): { rows: number; tiles: number } {
  const n = shape[0];
  const row = prod(shape.slice(1));
  const rows = row === 0 ? Math.max(n, 1) : Math.max(1, Math.ceil(TILE_ELEMENTS / row));
  return { rows, tiles: n === 0 ? 0 : Math.ceil(n / rows) };
}

/**
 * The block distribution along axis 0 with tile-aligned bounds that a
 * reduction steps its tiles on: tile t goes to the owner of its first row
 * when the array is already block-distributed along axis 0 with the other
 * axes whole, else the tiles are dealt in balanced contiguous runs.
 */
function tileDistribution(dist: Distribution, rows: number, tiles: number): Distribution {
  const shape = dist.shape;
  const n = shape[0];
  const rest: AxisSpec[] = shape.slice(1).map(() => "n");
  const a0 = dist.axis(0);
  if ((a0.type === "b" || a0.type === "n") && dist.grid.slice(1).every((g) => g === 1)) {
    const bounds = a0.bounds!.map((b) => Math.min(Math.ceil(b / rows) * rows, n));
    return Distribution.create(shape, {
      dist: [{ type: "b", bounds }, ...rest],
      grid: [a0.gridSize, ...rest.map(() => 1)],
      commSize: dist.commSize,
      ranks: dist.ranks,
    });
  }
  const P = dist.commSize;
  const q = Math.floor(tiles / P);
  const r = tiles % P;
  const bounds = [0];
  let t = 0;
  for (let p = 0; p < P; p++) {
    t += q + (p < r ? 1 : 0);
    bounds.push(Math.min(t * rows, n));
  }
  return Distribution.create(shape, {
    dist: [{ type: "b", bounds }, ...rest],
    grid: [P, ...rest.map(() => 1)],
    commSize: P,
  });
}

/** Whether two distributions are the same block layout, judged from their parameters alone. */
function sameBlockLayout(a: Distribution, b: Distribution): boolean {
  if (a.commSize !== b.commSize || !sameShape(a.grid, b.grid) || !sameShape(a.ranks, b.ranks)) {
    return false;
  }
  for (let i = 0; i < a.ndim; i++) {
    const x = a.axis(i);
    const y = b.axis(i);
    if (x.type === "c" || x.type === "u" || y.type === "c" || y.type === "u") return false;
    if (x.padding || y.padding || !sameShape(x.bounds!, y.bounds!)) return false;
  }
  return true;
}

const tilePlans = new WeakMap<
  Distribution,
  { rank: number; target: Distribution; plan: RedistributionPlan | null }
>();

/** The tile distribution of a reduction and the plan to it (null when nothing moves), cached. */
function tilePlan(
  dist: Distribution,
  rank: number,
  rows: number,
  tiles: number,
): { target: Distribution; plan: RedistributionPlan | null } {
  const hit = tilePlans.get(dist);
  if (hit && hit.rank === rank) return hit;
  const target = tileDistribution(dist, rows, tiles);
  const same = sameBlockLayout(dist, target) || target.equals(dist);
  const entry = { rank, target, plan: same ? null : redistributionPlan(dist, target, { rank }) };
  tilePlans.set(dist, entry);
  return entry;
}

function toJsonValue(v: unknown): unknown {
  return JSON.parse(
    JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? Number(x) : x)) ?? "null",
  );
}

// ---------------------------------------------------------------------------

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

  /** Shape of this rank's block. */
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

  /** A short description: `DistArray<float64>[10,3] Distribution[10,3](bn) ...`. */
  toString(): string {
    return `DistArray<${this.dtype}>${shapeText(this.shape)} ${this.#dist}`;
  }

  // --- creation -------------------------------------------------------------

  static #layout(comm: Comm, layout: Layout, options: LayoutOptions = {}): Distribution {
    if (layout instanceof Distribution) {
      if (layout.commSize !== comm.size) {
        throw new RangeError(
          `Invalid distribution for ${comm.size} ranks: it is over ${layout.commSize} ranks`,
        );
      }
      return layout;
    }
    if (!Array.isArray(layout)) {
      throw new TypeError(
        `Invalid layout ${String(layout)}: expected a Distribution or a shape array`,
      );
    }
    return Distribution.create(layout, {
      dist: options.dist,
      grid: options.grid,
      commSize: comm.size,
    });
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
    const dist = options?.distribution;
    if (!(dist instanceof Distribution)) {
      throw new TypeError(`Invalid distribution ${String(dist)}: expected a Distribution`);
    }
    DistArray.#layout(comm, dist);
    if (!(local instanceof NDArray)) {
      throw new TypeError(`Invalid local block ${String(local)}: expected an NDArray`);
    }
    const want = dist.localShape(comm.rank);
    if (!sameShape(local.shape, want)) {
      throw new ShapeMismatchError(
        `Invalid local block of shape ${
          shapeText(local.shape)
        } on rank ${comm.rank}: ${dist} gives it ${shapeText(want)}`,
      );
    }
    return new DistArray(comm, dist, local);
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
    const dist = DistArray.#layout(comm, layout, options);
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
    return DistArray.full(comm, layout, { ...options, value: 1 });
  }

  /**
   * A new array filled with one value. Not collective.
   *
   * @param comm The communicator.
   * @param layout A distribution, or a global shape laid out by `options`.
   * @param options `value` (required), `dtype` (default float64), `dist`, `grid`.
   * @returns The array.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * assert.equal(DistArray.full(comm, [4], { value: 2.5 }).sum().get(), 10);
   * ```
   */
  static full<D extends DType = "float64">(
    comm: Comm,
    layout: Layout,
    options: CreateOptions<D> & { value: Scalar },
  ): DistArray<D> {
    const dist = DistArray.#layout(comm, layout, options);
    const dtype = (options.dtype ?? "float64") as D;
    return new DistArray(comm, dist, full(dist.localShape(comm.rank), options.value, dtype));
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
    const fn = options?.fn;
    if (typeof fn !== "function") {
      throw new TypeError(`Invalid fn ${String(fn)}: expected a function of the global index`);
    }
    const dist = DistArray.#layout(comm, layout, options);
    const local = empty(dist.localShape(comm.rank), (options.dtype ?? "float64") as D);
    const nd = dist.ndim;
    const lists = dist.shape.map((_, a) => dist.globalIndices(a, comm.rank));
    const n = local.size;
    const idx = new Array<number>(nd).fill(0);
    for (let k = 0; k < n; k++) {
      const g = idx.map((i, a) => lists[a][i]);
      local.set(idx, fn(g));
      for (let a = nd - 1; a >= 0; a--) {
        if (++idx[a] < lists[a].length) break;
        idx[a] = 0;
      }
    }
    return new DistArray(comm, dist, local);
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
    const root = options.root ?? 0;
    if (!Number.isInteger(root) || root < 0 || root >= comm.size) {
      throw new RangeError(`Invalid root ${root}: outside [0, ${comm.size})`);
    }
    if (comm.rank === root && !(array instanceof NDArray)) {
      throw new TypeError(`Invalid array ${String(array)} on the root: expected an NDArray`);
    }
    const meta = comm.bcastJson(
      comm.rank === root ? { shape: array!.shape, dtype: array!.dtype } : null,
      root,
    )!;
    const shape = meta.shape as number[];
    const dtype = meta.dtype as DType;
    const dist = DistArray.#layout(comm, options.distribution ?? shape, options);
    if (!sameShape(dist.shape, shape)) {
      throw new ShapeMismatchError(
        `Cannot scatter an array of shape ${shapeText(shape)} with ${dist}`,
      );
    }
    const from = DistArray.#rootDistribution(shape, comm.size, root);
    const src = comm.rank === root ? array! : empty(from.localShape(comm.rank), dtype);
    const plan = redistributionPlan(from, dist, { rank: comm.rank });
    return new DistArray(comm, dist, moveBlock(comm, plan, src));
  }

  static #rootDistribution(shape: readonly number[], commSize: number, root: number): Distribution {
    return Distribution.create(shape, { dist: "n".repeat(shape.length), commSize, ranks: [root] });
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
    if (!dap || !Array.isArray(dap.dim_data)) {
      throw new TypeError(`Invalid DAP view ${String(dap)}: expected { buffer, dim_data }`);
    }
    const mine = dap.dim_data.map((d) => d.indices ? { ...d, indices: Array.from(d.indices) } : d);
    const all = comm.allgatherJson(mine) as DimData[][];
    const dist = importDap(all, { commSize: comm.size });
    const shape = dist.localShape(comm.rank);
    let local: NDArray;
    const b = dap.buffer;
    if (b instanceof NDArray) local = b;
    else {
      const dtype = options.dtype ??
        (Object.keys(DTYPES) as DType[]).find((k) =>
          k !== "bool" && (b as object)?.constructor === DTYPES[k].array
        );
      if (!dtype) {
        throw new TypeError(
          `Invalid DAP buffer ${String(b)}: expected an NDArray or a typed array`,
        );
      }
      if (b.length !== prod(shape)) {
        throw new ShapeMismatchError(
          `Invalid DAP buffer of ${b.length} elements on rank ${comm.rank}: the local shape is ${
            shapeText(shape)
          }`,
        );
      }
      local = new NDArray(dtype, b as never, shape);
    }
    return DistArray.fromLocal(comm, local, { distribution: dist });
  }

  static #random<D extends DType>(
    comm: Comm,
    layout: Layout,
    options: LayoutOptions,
    dtype: D,
    gen: (shape: readonly number[], region: Region) => NDArray,
  ): DistArray<D> {
    const dist = DistArray.#layout(comm, layout, options);
    const local = empty(dist.localShape(comm.rank), dtype);
    for (const { region, localStart } of dist.regions(comm.rank)) {
      const part = local.slice(
        ...localStart.map((s, a) => ({ start: s, stop: s + region.count[a] })),
      );
      copyInto(part, gen(dist.shape, region));
    }
    return new DistArray(comm, dist, local);
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
    return DistArray.#random(
      comm,
      layout,
      options,
      "float64",
      (shape, region) => random.rand(shape, { seed: options.seed, stream: options.stream, region }),
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
    return DistArray.#random(
      comm,
      layout,
      options,
      "float64",
      (shape, region) =>
        random.randn(shape, { seed: options.seed, stream: options.stream, region }),
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
    return DistArray.#random(
      comm,
      layout,
      options,
      "float64",
      (shape, region) =>
        random.normal(shape, {
          seed: options.seed,
          stream: options.stream,
          mean: options.mean,
          std: options.std,
          region,
        }),
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
    return DistArray.#random(
      comm,
      layout,
      options,
      "float64",
      (shape, region) =>
        random.uniform(shape, {
          seed: options.seed,
          stream: options.stream,
          low: options.low,
          high: options.high,
          region,
        }),
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
    const dtype = (options.dtype ?? "int64") as E;
    return DistArray.#random(
      comm,
      layout,
      options,
      dtype,
      (shape, region) =>
        random.randint(shape, {
          seed: options.seed,
          stream: options.stream,
          low: options.low,
          high: options.high,
          dtype,
          region,
        }),
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
    const to = DistArray.#rootDistribution(this.shape, comm.size, r);
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
      ? DistArray.#layout(this.#comm, to)
      : DistArray.#layout(this.#comm, this.shape, to);
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
  static ufunc(name: string, operands: readonly DistOperand[]): DistArray {
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
    const locals = operands.map((x, i): Operand => {
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
      if (x instanceof NDArray) return DistArray.#localPart(x, dist, comm.rank, name);
      if (typeof x === "number" || typeof x === "bigint" || typeof x === "boolean") return x;
      throw new TypeError(
        `Invalid operand ${i} of "${name}": ${String(x)} is not a DistArray, NDArray or scalar`,
      );
    });
    return new DistArray(comm, dist, entry.fn(...locals));
  }

  // The part of a replicated array that meets this rank's block, broadcast-ready.
  static #localPart(x: NDArray, dist: Distribution, rank: number, name: string): NDArray {
    const shape = dist.shape;
    let b: number[] | null = null;
    try {
      b = broadcastShapes(shape, x.shape);
    } catch { /* reported below */ }
    if (!b || !sameShape(b, shape)) {
      throw new ShapeMismatchError(
        `Cannot broadcast an NDArray of shape ${shapeText(x.shape)} against the distributed shape ${
          shapeText(shape)
        } in "${name}"`,
      );
    }
    const off = shape.length - x.ndim;
    const lists = x.shape.map((n, i) =>
      n === 1 && shape[off + i] !== 1 ? null : dist.globalIndices(off + i, rank)
    );
    return gatherAxes(x, lists);
  }

  /**
   * `this + b`, element-wise.
   *
   * @param b A DistArray, a replicated NDArray or a scalar.
   * @returns The result.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * assert.equal(DistArray.ones(comm, [3]).add(2).sum().get(), 9);
   * ```
   */
  add(b: DistOperand): DistArray {
    return DistArray.ufunc("add", [this, b]);
  }

  /**
   * `this - b`, element-wise.
   *
   * @param b A DistArray, a replicated NDArray or a scalar.
   * @returns The result.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * assert.equal(DistArray.ones(comm, [3]).sub(2).sum().get(), -3);
   * ```
   */
  sub(b: DistOperand): DistArray {
    return DistArray.ufunc("subtract", [this, b]);
  }

  /**
   * `this * b`, element-wise.
   *
   * @param b A DistArray, a replicated NDArray or a scalar.
   * @returns The result.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * assert.equal(DistArray.ones(comm, [3]).mul(4).sum().get(), 12);
   * ```
   */
  mul(b: DistOperand): DistArray {
    return DistArray.ufunc("multiply", [this, b]);
  }

  /**
   * `this / b`, element-wise (true division).
   *
   * @param b A DistArray, a replicated NDArray or a scalar.
   * @returns The result.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * assert.equal(DistArray.ones(comm, [4]).div(8).sum().get(), 0.5);
   * ```
   */
  div(b: DistOperand): DistArray {
    return DistArray.ufunc("divide", [this, b]);
  }

  /**
   * `this ** b`, element-wise.
   *
   * @param b A DistArray, a replicated NDArray or a scalar.
   * @returns The result.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * assert.equal(DistArray.full(comm, [2], { value: 3 }).pow(2).sum().get(), 18);
   * ```
   */
  pow(b: DistOperand): DistArray {
    return DistArray.ufunc("power", [this, b]);
  }

  /**
   * `this mod b` with the sign of `b` (NumPy's `remainder`), element-wise.
   *
   * @param b A DistArray, a replicated NDArray or a scalar.
   * @returns The result.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * assert.equal(DistArray.full(comm, [1], { value: -7 }).mod(3).get([0]), 2);
   * ```
   */
  mod(b: DistOperand): DistArray {
    return DistArray.ufunc("remainder", [this, b]);
  }

  /**
   * The element-wise minimum of this and `b`.
   *
   * @param b A DistArray, a replicated NDArray or a scalar.
   * @returns The result.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * assert.equal(DistArray.full(comm, [2], { value: 5 }).minimum(3).sum().get(), 6);
   * ```
   */
  minimum(b: DistOperand): DistArray {
    return DistArray.ufunc("minimum", [this, b]);
  }

  /**
   * The element-wise maximum of this and `b`.
   *
   * @param b A DistArray, a replicated NDArray or a scalar.
   * @returns The result.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * assert.equal(DistArray.full(comm, [2], { value: 1 }).maximum(3).sum().get(), 6);
   * ```
   */
  maximum(b: DistOperand): DistArray {
    return DistArray.ufunc("maximum", [this, b]);
  }

  /**
   * `this == b`, element-wise (a bool array).
   *
   * @param b A DistArray, a replicated NDArray or a scalar.
   * @returns The result.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * assert.equal(DistArray.ones(comm, [3]).eq(1).all().get(), true);
   * ```
   */
  eq(b: DistOperand): DistArray {
    return DistArray.ufunc("equal", [this, b]);
  }

  /**
   * `this != b`, element-wise (a bool array).
   *
   * @param b A DistArray, a replicated NDArray or a scalar.
   * @returns The result.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * assert.equal(DistArray.ones(comm, [3]).ne(1).any().get(), false);
   * ```
   */
  ne(b: DistOperand): DistArray {
    return DistArray.ufunc("not_equal", [this, b]);
  }

  /**
   * `this < b`, element-wise (a bool array).
   *
   * @param b A DistArray, a replicated NDArray or a scalar.
   * @returns The result.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * assert.equal(DistArray.ones(comm, [3]).lt(2).all().get(), true);
   * ```
   */
  lt(b: DistOperand): DistArray {
    return DistArray.ufunc("less", [this, b]);
  }

  /**
   * `this <= b`, element-wise (a bool array).
   *
   * @param b A DistArray, a replicated NDArray or a scalar.
   * @returns The result.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * assert.equal(DistArray.ones(comm, [3]).le(1).all().get(), true);
   * ```
   */
  le(b: DistOperand): DistArray {
    return DistArray.ufunc("less_equal", [this, b]);
  }

  /**
   * `this > b`, element-wise (a bool array).
   *
   * @param b A DistArray, a replicated NDArray or a scalar.
   * @returns The result.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * assert.equal(DistArray.ones(comm, [3]).gt(1).any().get(), false);
   * ```
   */
  gt(b: DistOperand): DistArray {
    return DistArray.ufunc("greater", [this, b]);
  }

  /**
   * `this >= b`, element-wise (a bool array).
   *
   * @param b A DistArray, a replicated NDArray or a scalar.
   * @returns The result.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * assert.equal(DistArray.ones(comm, [3]).ge(1).all().get(), true);
   * ```
   */
  ge(b: DistOperand): DistArray {
    return DistArray.ufunc("greater_equal", [this, b]);
  }

  /**
   * `-this`, element-wise.
   *
   * @returns The result.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * assert.equal(DistArray.ones(comm, [2]).neg().sum().get(), -2);
   * ```
   */
  neg(): DistArray {
    return DistArray.ufunc("negative", [this]);
  }

  /**
   * `|this|`, element-wise.
   *
   * @returns The result.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * assert.equal(DistArray.full(comm, [2], { value: -3 }).abs().sum().get(), 6);
   * ```
   */
  abs(): DistArray {
    return DistArray.ufunc("absolute", [this]);
  }

  /**
   * Square root, element-wise.
   *
   * @returns The result.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * assert.equal(DistArray.full(comm, [2], { value: 9 }).sqrt().sum().get(), 6);
   * ```
   */
  sqrt(): DistArray {
    return DistArray.ufunc("sqrt", [this]);
  }

  /**
   * Square, element-wise.
   *
   * @returns The result.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * assert.equal(DistArray.full(comm, [2], { value: 3 }).square().sum().get(), 18);
   * ```
   */
  square(): DistArray {
    return DistArray.ufunc("square", [this]);
  }

  /**
   * `e ** this`, element-wise.
   *
   * @returns The result.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * assert.equal(DistArray.zeros(comm, [2]).exp().sum().get(), 2);
   * ```
   */
  exp(): DistArray {
    return DistArray.ufunc("exp", [this]);
  }

  /**
   * Natural logarithm, element-wise.
   *
   * @returns The result.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * assert.equal(DistArray.ones(comm, [2]).log().sum().get(), 0);
   * ```
   */
  log(): DistArray {
    return DistArray.ufunc("log", [this]);
  }

  /**
   * Sine, element-wise.
   *
   * @returns The result.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * assert.equal(DistArray.zeros(comm, [2]).sin().sum().get(), 0);
   * ```
   */
  sin(): DistArray {
    return DistArray.ufunc("sin", [this]);
  }

  /**
   * Cosine, element-wise.
   *
   * @returns The result.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * assert.equal(DistArray.zeros(comm, [2]).cos().sum().get(), 2);
   * ```
   */
  cos(): DistArray {
    return DistArray.ufunc("cos", [this]);
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
    const comm = this.#comm;
    if (this.ndim === 0) return REDUCTIONS[name](this.toNDArray()!, options);
    const shape = this.shape;
    const r = reducer(name, this.dtype, shape, options);
    const { rows, tiles } = tiling(shape);
    const { target, plan } = tilePlan(this.#dist, comm.rank, rows, tiles);
    const local = plan ? moveBlock(comm, plan, this.#local) : this.#local;
    const bounds = target.axis(0).bounds!;
    const pos = target.gridCoords(comm.rank);
    const lo = pos ? bounds[pos[0]] : 0;
    const hi = pos ? bounds[pos[0] + 1] : 0;
    const n = shape[0];
    const zeros = shape.slice(1).map(() => 0);
    const tileRange = (t: number): [number, number] => [t * rows, Math.min((t + 1) * rows, n)];
    const t0 = Math.ceil(lo / rows);
    const t1 = Math.ceil(hi / rows);
    if (r.axes.includes(0)) {
      const acc = new TreeAccumulator(r, tiles);
      for (let t = t0; t < t1; t++) {
        const [a, b] = tileRange(t);
        acc.push(t, r.step(r.init(), local.slice({ start: a - lo, stop: b - lo }), [a, ...zeros]));
      }
      return r.finish(treeCombine(comm, r, acc.nodes(), tiles));
    }
    // axis 0 is kept: rows are independent, so each tile is reduced on its own
    const outShape = r.outShape;
    const rowOut = prod(outShape.slice(1));
    const sub = { ...options, axis: r.axes.length === 1 ? r.axes[0] : r.axes, keepdims: true };
    const mine = empty([hi - lo, ...outShape.slice(1)], r.resultDType);
    for (let t = t0; t < t1; t++) {
      const [a, b] = tileRange(t);
      const tr = reducer(name, this.dtype, [b - a, ...shape.slice(1)], sub);
      const res = tr.finish(tr.step(tr.init(), local.slice({ start: a - lo, stop: b - lo })));
      copyInto(mine.slice({ start: a - lo, stop: b - lo }), res);
    }
    const counts = new Array<number>(comm.size).fill(0);
    const dsp = new Array<number>(comm.size).fill(0);
    for (let p = 0; p < target.grid[0]; p++) {
      const rk = target.ranks[p];
      counts[rk] = (bounds[p + 1] - bounds[p]) * rowOut;
      dsp[rk] = bounds[p] * rowOut;
    }
    const outBits = empty(outShape, bitsDType(r.resultDType));
    comm.allgatherv(bitsView(mine).data as CommBuffer, {
      counts,
      displs: dsp,
      recv: outBits.data as CommBuffer,
    });
    const out = fromBits(outBits, r.resultDType);
    if (options.keepdims) return out;
    return out.reshape(outShape.filter((_, i) => !r.axes.includes(i)));
  }

  /**
   * Sum over axes (see {@link DistArray.reduce}). Collective.
   *
   * @param options `axis`, `keepdims`, `dtype`.
   * @returns A replicated NDArray.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * assert.deepEqual(DistArray.ones(comm, [3, 2]).sum({ axis: 0 }).toArray(), [3, 3]);
   * ```
   */
  sum(options?: ReduceOptions): NDArray {
    return this.reduce("sum", options);
  }

  /**
   * Product over axes (see {@link DistArray.reduce}). Collective.
   *
   * @param options `axis`, `keepdims`, `dtype`.
   * @returns A replicated NDArray.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * assert.equal(DistArray.full(comm, [3], { value: 2 }).prod().get(), 8);
   * ```
   */
  prod(options?: ReduceOptions): NDArray {
    return this.reduce("prod", options);
  }

  /**
   * Minimum over axes (see {@link DistArray.reduce}). Collective.
   *
   * @param options `axis`, `keepdims`.
   * @returns A replicated NDArray.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * assert.equal(DistArray.fromFunction(comm, [5], { fn: ([i]) => 3 - i }).min().get(), -1);
   * ```
   */
  min(options?: ReduceOptions): NDArray {
    return this.reduce("min", options);
  }

  /**
   * Maximum over axes (see {@link DistArray.reduce}). Collective.
   *
   * @param options `axis`, `keepdims`.
   * @returns A replicated NDArray.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * assert.equal(DistArray.fromFunction(comm, [5], { fn: ([i]) => 3 - i }).max().get(), 3);
   * ```
   */
  max(options?: ReduceOptions): NDArray {
    return this.reduce("max", options);
  }

  /**
   * Mean over axes (see {@link DistArray.reduce}). Collective.
   *
   * @param options `axis`, `keepdims`, `dtype`.
   * @returns A replicated NDArray.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * assert.equal(DistArray.fromFunction(comm, [5], { fn: ([i]) => i }).mean().get(), 2);
   * ```
   */
  mean(options?: ReduceOptions): NDArray {
    return this.reduce("mean", options);
  }

  /**
   * Variance over axes (see {@link DistArray.reduce}). Collective.
   *
   * @param options `axis`, `keepdims`, `ddof`.
   * @returns A replicated NDArray.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * assert.equal(DistArray.fromFunction(comm, [5], { fn: ([i]) => i }).var().get(), 2);
   * ```
   */
  var(options?: ReduceOptions): NDArray {
    return this.reduce("var", options);
  }

  /**
   * Standard deviation over axes (see {@link DistArray.reduce}). Collective.
   *
   * @param options `axis`, `keepdims`, `ddof`.
   * @returns A replicated NDArray.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * const s = DistArray.fromFunction(comm, [5], { fn: ([i]) => i }).std({ ddof: 1 });
   * assert.equal(s.get(), Math.sqrt(2.5));
   * ```
   */
  std(options?: ReduceOptions): NDArray {
    return this.reduce("std", options);
  }

  /**
   * Index of the minimum along one axis, or the flat global index (see
   * {@link DistArray.reduce}); ties go to the smaller index. Collective.
   *
   * @param options `axis` (one or none), `keepdims`.
   * @returns A replicated int64 NDArray.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * assert.equal(DistArray.fromFunction(comm, [5], { fn: ([i]) => (i - 3) ** 2 }).argmin().get(), 3n);
   * ```
   */
  argmin(options?: ArgOptions): NDArray {
    return this.reduce("argmin", options);
  }

  /**
   * Index of the maximum along one axis, or the flat global index (see
   * {@link DistArray.reduce}); ties go to the smaller index. Collective.
   *
   * @param options `axis` (one or none), `keepdims`.
   * @returns A replicated int64 NDArray.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * assert.equal(DistArray.fromFunction(comm, [5], { fn: ([i]) => -((i - 1) ** 2) }).argmax().get(), 1n);
   * ```
   */
  argmax(options?: ArgOptions): NDArray {
    return this.reduce("argmax", options);
  }

  /**
   * Whether any element is true (non-zero) over axes (see {@link DistArray.reduce}). Collective.
   *
   * @param options `axis`, `keepdims`.
   * @returns A replicated bool NDArray.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * assert.equal(DistArray.zeros(comm, [4]).any().get(), false);
   * ```
   */
  any(options?: ReduceOptions): NDArray {
    return this.reduce("any", options);
  }

  /**
   * Whether every element is true (non-zero) over axes (see {@link DistArray.reduce}). Collective.
   *
   * @param options `axis`, `keepdims`.
   * @returns A replicated bool NDArray.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { init } from "./comm.ts";
   * import { DistArray } from "./dist_array.ts";
   * await using comm = await init();
   * assert.equal(DistArray.ones(comm, [4]).all().get(), true);
   * ```
   */
  all(options?: ReduceOptions): NDArray {
    return this.reduce("all", options);
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
    if (typeof fn !== "function") {
      throw new TypeError(`Invalid fn ${String(fn)}: expected a function`);
    }
    const dist = this.#dist;
    const rank = this.#comm.rank;
    let lists: Int32Array[] | null = null;
    let regions: LocalRegion[] | null = null;
    const context: ApplyContext = {
      rank,
      distribution: dist,
      get globalIndices() {
        return lists ??= dist.shape.map((_, a) => dist.globalIndices(a, rank));
      },
      get regions() {
        return regions ??= dist.regions(rank);
      },
    };
    const out = fn(this.#local, context);
    const isArray = out instanceof NDArray;
    const report = this.#comm.allgatherJson({
      nd: isArray,
      shape: isArray ? out.shape : null,
      value: isArray ? null : toJsonValue(out),
    });
    const arrays = report.filter((x) => x.nd).length;
    if (arrays === 0) return report.map((x) => x.value as T);
    if (arrays !== report.length) {
      throw new TypeError(
        `Invalid apply() results: ranks [${
          report.flatMap((x, k) => (x.nd ? [k] : [])).join(",")
        }] returned an NDArray, the others did not`,
      );
    }
    report.forEach((x, k) => {
      const want = dist.localShape(k);
      if (!sameShape(x.shape as number[], want)) {
        throw new ShapeMismatchError(
          `Invalid apply() result of shape ${
            shapeText(x.shape as number[])
          } on rank ${k}: its local shape is ${shapeText(want)}`,
        );
      }
    });
    return new DistArray(this.#comm, dist, out as NDArray);
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
    const { rank: owner, localIndex } = this.#dist.globalToLocal(globalIndex);
    const one = empty([], this.dtype);
    if (this.#comm.rank === owner) one.set([], this.#local.get(...localIndex));
    this.#comm.bcast(bitsView(one).data as CommBuffer, owner);
    return one.get();
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
    this.#dist.owner(globalIndex); // validates
    const rank = this.#comm.rank;
    const hits = globalIndex.map((g, a) => {
      const list = this.#dist.globalIndices(a, rank);
      const at: number[] = [];
      for (let l = 0; l < list.length; l++) if (list[l] === g) at.push(l);
      return at;
    });
    if (hits.some((h) => h.length === 0)) return;
    const idx = new Array<number>(hits.length).fill(0);
    for (;;) {
      this.#local.set(idx.map((k, a) => hits[a][k]), value);
      let a = hits.length - 1;
      while (a >= 0) {
        if (++idx[a] < hits[a].length) break;
        idx[a] = 0;
        a--;
      }
      if (a < 0) return;
    }
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
