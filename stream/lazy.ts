/**
 * `LazyArray`: an array on disk or not yet computed, as a graph of sources
 * and operations. Nothing is read until {@link LazyArray.compute} or
 * {@link LazyArray.to} runs the graph chunk by chunk under a memory budget.
 *
 * @module
 */

import { displayBundle } from "../viz/display.ts";
import { type DType, type Scalar, toDType } from "../core/dtype.ts";
import { NDArray, type SliceSpec } from "../core/ndarray.ts";
import type { ReduceOptions, ReductionName } from "../core/reduce.ts";
import {
  type ElementwiseMethods,
  installOps,
  type ReductionMethods,
  type ScanMethods,
} from "../core/ops.ts";
import { installLazyUfunc } from "./_scan.ts";
import type { UfuncDispatch } from "../core/ufunc_methods.ts";
import { REDUCTION_NAMES } from "../core/reduce.ts";
import type { ArraySource } from "../io/region.ts";
import {
  cfDerived,
  mapNode,
  type Node,
  type Operand as NodeOperand,
  reduceNode,
  sliceNode,
  type SourceNode,
} from "./_graph.ts";
import { computeNode, planRun, writeNode } from "./_exec.ts";
import { MemorySource, openSource, RandomSource } from "./_sources.ts";
import { isGlob, openConcat } from "./_concat.ts";
import { decodeSource } from "./_cf.ts";
import { packableSource } from "./_meta.ts";
import type {
  QuantileRunOptions,
  RandomSourceOptions,
  RunOptions,
  WriteOptions,
} from "./options.ts";
import { lazyOrderStat } from "./_quantile.ts";
import { DTYPES } from "../core/dtype.ts";

export type {
  Progress,
  QuantileRunOptions,
  RandomDistribution,
  RandomSourceOptions,
  RunOptions,
  TargetOptions,
  WriteOptions,
} from "./options.ts";

/** An operand of a lazy operation: a lazy array, an in-memory array or a JS scalar. */
export type LazyOperand = LazyArray | NDArray | Scalar;

/** One pass of a plan, as {@link LazyArray.plan} reports it. */
export interface PassInfo {
  /** Shape covered by the pass's chunk grid. */
  readonly shape: readonly number[];
  /** Reductions computed by the pass (empty for the element-wise pass). */
  readonly reductions: readonly string[];
  /** Block edges along each axis (0 first, the axis length last). */
  readonly edges: readonly (readonly number[])[];
  /** Number of chunks. */
  readonly chunks: number;
  /** Largest block. */
  readonly blockShape: readonly number[];
  /** Projected peak bytes. */
  readonly projectedBytes: number;
  /** What the projection consists of. */
  readonly detail: string;
  /** Threads computing the blocks (the `threads` asked for, or fewer where the budget is short). */
  readonly threads: number;
}

/** A plan, as {@link LazyArray.plan} reports it. */
export interface PlanInfo {
  /** The passes, in order. */
  readonly passes: readonly PassInfo[];
  /** The largest projection of any pass. */
  readonly projectedBytes: number;
  /** The budget the plan was checked against. */
  readonly budgetBytes: number;
}

/** Options of {@link open}. */
export interface OpenOptions {
  /** Chunk grid to follow instead of the source's own (e.g. to force smaller blocks). */
  readonly chunks?: readonly number[];
  /**
   * Decode CF encodings on read (default true, as xarray's `mask_and_scale`):
   * `scale_factor`/`add_offset` applied, `_FillValue`, `missing_value` and
   * values outside `valid_min`/`valid_max`/`valid_range` read as NaN, and
   * reductions then skip NaN unless asked `skipna: false`. `false` reads the
   * stored values as they are.
   */
  readonly decode?: boolean;
}

/** Wraps a graph node (and the closer of its sources) in a LazyArray; set by the class. */
let wrap: (node: Node, close?: (() => void) | null) => LazyArray;
/** The graph node of a LazyArray; set by the class. */
let nodeOf: (x: LazyArray) => Node;

/**
 * The methods of {@link LazyArray} generated from the operation table
 * `ARRAY_OPS` (core/ops.ts): element-wise methods (`add`, `sqrt`, `sin`, ...)
 * and reductions (`sum`, `mean`, `std({ ddof })`, ...), each returning a new
 * LazyArray; nothing runs until `compute` or `to`.
 */
export interface LazyArray
  extends
    ElementwiseMethods<LazyOperand, LazyArray>,
    ReductionMethods<LazyArray>,
    ScanMethods<LazyArray>,
    UfuncDispatch {}

/**
 * A lazy N-dimensional array: operations build a graph, `compute()` or
 * `to()` runs it. Element-wise operations follow NumPy (broadcasting, type
 * promotion, weak scalars); reductions take `axis`, `keepdims`, `ddof`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lazy } from "./lazy.ts";
 * import { fromArray } from "../core/ndarray.ts";
 * const x = lazy(fromArray([[1, 2], [3, 4]], "float64"));
 * const centered = x.sub(x.mean({ axis: 0 }));
 * assert.deepEqual((await centered.compute({ memory: "64MiB" })).toArray(), [[-1, -1], [1, 1]]);
 * ```
 */
export class LazyArray {
  readonly #node: Node;
  readonly #close: (() => void) | null;

  // The graph node stays out of the public API: LazyArrays are made by `open`, `lazy`,
  // `random` and the operations, through `wrap`.
  private constructor(node: Node, close: (() => void) | null) {
    this.#node = node;
    this.#close = close;
  }

  static {
    wrap = (node, close = null) => new LazyArray(node, close);
    nodeOf = (x) => x.#node;
  }

  /** Axis lengths. */
  get shape(): readonly number[] {
    return this.#node.shape;
  }

  /** Element type. */
  get dtype(): DType {
    return this.#node.dtype;
  }

  /** Number of dimensions. */
  get ndim(): number {
    return this.#node.shape.length;
  }

  /** Number of elements. */
  get size(): number {
    return this.#node.shape.reduce((a, b) => a * b, 1);
  }

  /** Bytes of the whole array. */
  get nbytes(): number {
    return this.size * DTYPES[this.dtype].bytes;
  }

  /** The source's chunk grid for an array opened from a source, else null. */
  get chunks(): readonly number[] | null {
    return this.#node.kind === "source" ? this.#node.chunks : null;
  }

  /**
   * What the array is, without computing it: `LazyArray<float32>[4096,4096]`
   * and the source (`from "t.nc:/t2m", chunks [1,721,1440]`) or the last
   * operation (`= sqrt(...)`); `console.log` shows the same.
   *
   * @example
   * ```ts
   * import { lazy } from "./lazy.ts";
   * import { arange } from "../core/ndarray.ts";
   * const text = String(lazy(arange(6).reshape([2, 3])).sqrt());
   * if (text !== "LazyArray<float64>[2,3] = sqrt(...)") throw new Error(text);
   * ```
   */
  toString(): string {
    const n = this.#node;
    const head = `LazyArray<${this.dtype}>[${this.shape.join(",")}]`;
    if (n.kind === "source") return `${head} from "${n.source.locator}", chunks [${n.chunks}]`;
    const what = n.kind === "map" ? n.op : n.kind === "reduce" ? n.name : n.kind;
    return `${head} = ${what}(...)`;
  }

  /**
   * What a notebook shows (`deno jupyter`): shape, dtype, source and chunks,
   * the first values (at most 8 along each axis, read from the source or
   * computed: a small read), and a heatmap when they are 2-D or more.
   *
   * @returns The MIME bundle.
   *
   * @example
   * ```ts
   * import { lazy } from "./lazy.ts";
   * import { arange } from "../core/ndarray.ts";
   * const b = await lazy(arange(100).reshape([10, 10])).display();
   * if (!b["text/html"].includes("the first 8 x 8")) throw new Error(b["text/html"]);
   * ```
   */
  async display(): Promise<Record<string, string>> {
    const corner = this.shape.map((n) => `:${Math.min(n, 8)}`).join(",");
    const whole = this.shape.every((n) => n <= 8);
    const values = this.size === 0 ? null : await (this.ndim === 0 ? this : this.slice(corner))
      .compute();
    const facts: [string, string][] = [];
    const n = this.#node;
    if (n.kind === "source") facts.push(["source", n.source.locator], ["chunks", `[${n.chunks}]`]);
    else facts.push(["operation", String(this).split(" = ")[1] ?? n.kind]);
    return displayBundle({
      kind: "LazyArray",
      shape: this.shape,
      dtype: this.dtype,
      facts,
      values,
      valuesNote: whole
        ? undefined
        : `the first ${this.shape.map((s) => Math.min(s, 8)).join(" x ")}`,
    });
  }

  /** The Jupyter display hook: {@link LazyArray.display}. */
  [Symbol.for("Jupyter.display")](): Promise<Record<string, string>> {
    return this.display();
  }

  /** What `console.log` shows: the same text as {@link LazyArray.toString}. */
  [Symbol.for("Deno.customInspect")](): string {
    return this.toString();
  }

  /**
   * Applies any ufunc by its NumPy name with this array as the first operand
   * (see {@link ufunc}).
   *
   * @param name The ufunc's NumPy name (`"hypot"`, `"floor_divide"`, ...).
   * @param operands The other operands.
   * @returns The lazy result.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { lazy } from "./lazy.ts";
   * import { fromArray } from "../core/ndarray.ts";
   * const r = lazy(fromArray([3, 5])).ufunc("hypot", fromArray([4, 12]));
   * assert.deepEqual((await r.compute()).toArray(), [5, 13]);
   * ```
   */
  ufunc(name: string, ...operands: LazyOperand[]): LazyArray {
    return ufunc(name, this, ...operands);
  }

  /**
   * The values cast to another dtype (NumPy's `astype`, unsafe casting).
   *
   * @param dtype The new element type.
   * @returns Lazy result.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { lazy } from "./lazy.ts";
   * import { fromArray } from "../core/ndarray.ts";
   * const r = lazy(fromArray([1.9, -1.9])).astype("int16");
   * assert.equal(r.dtype, "int16");
   * assert.deepEqual((await r.compute()).toArray(), [1, -1]);
   * ```
   */
  astype(dtype: DType): LazyArray {
    const d = toDType(dtype);
    if (d === this.dtype) return this;
    return wrap(mapNode("astype", [this.#node], d));
  }

  /**
   * Limits values to `[min, max]` (NumPy's `clip`; either bound may be null).
   *
   * @param min Lower bound or null.
   * @param max Upper bound or null.
   * @returns Lazy result.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { lazy } from "./lazy.ts";
   * import { fromArray } from "../core/ndarray.ts";
   * const r = lazy(fromArray([-2, 0.5, 3])).clip(0, 1);
   * assert.deepEqual((await r.compute()).toArray(), [0, 0.5, 1]);
   * ```
   */
  clip(min: LazyOperand | null, max: LazyOperand | null): LazyArray {
    return wrap(mapNode("clip", [this.#node, operand(min), operand(max)]));
  }

  /**
   * A lazy selection (basic indexing): integers, ranges with steps
   * (`"0:100, ::2"`), `null` for a new axis, `"..."`. Only the selected part
   * of the sources is read.
   *
   * @param specs One string with comma-separated parts, or one spec per axis.
   * @returns Lazy view.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { lazy } from "./lazy.ts";
   * import { arange } from "../core/ndarray.ts";
   * const x = lazy(arange(12, undefined, undefined, "int32").reshape([3, 4]));
   * assert.deepEqual((await x.slice("1:, ::2").compute()).toArray(), [[4, 6], [8, 10]]);
   * ```
   */
  slice(...specs: SliceSpec[]): LazyArray {
    return wrap(sliceNode(this.#node, specs));
  }

  /**
   * Any reduction by its NumPy name (lazy).
   *
   * @param name `"sum"`, `"mean"`, `"std"`, `"argmax"`, `"nanmean"`, ...
   * @param options `axis`, `keepdims`, `ddof`, `dtype`.
   * @returns Lazy result.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { lazy } from "./lazy.ts";
   * import { fromArray } from "../core/ndarray.ts";
   * const x = lazy(fromArray([[1, NaN], [3, 4]]));
   * assert.deepEqual((await x.reduce("nanmean", { axis: 0 }).compute()).toArray(), [2, 4]);
   * ```
   */
  reduce(name: ReductionName, options: ReduceOptions = {}): LazyArray {
    if (!(REDUCTION_NAMES as readonly string[]).includes(name)) {
      throw new TypeError(
        `Unknown reduction "${name}": expected one of ${REDUCTION_NAMES.join(", ")}`,
      );
    }
    return wrap(reduceNode(this.#node, name, options));
  }

  /**
   * Plans a run without reading anything: the passes, their chunk grids and
   * the projected peak memory. By default the run is `compute()` (the result
   * held in memory); with `write` it is `to()`, writing output blocks as they
   * are done (`write.chunks`: the output's storage chunks, which the blocks
   * follow; absent for a .npy file).
   *
   * @param options `memory`, `prefetch`, `threads` (the threads each pass gets: {@link PassInfo.threads}), `write`.
   * @returns The plan.
   * @throws {MemoryBudgetError} When the run cannot fit the budget.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { lazy } from "./lazy.ts";
   * import { zeros } from "../core/ndarray.ts";
   * const p = lazy(zeros([1000, 100])).mean({ axis: 0 }).plan({ memory: "64MiB" });
   * assert.equal(p.passes.length, 1);
   * assert.ok(p.projectedBytes <= p.budgetBytes);
   * ```
   */
  plan(
    options: RunOptions & {
      readonly write?: boolean | { readonly chunks?: readonly number[]; readonly dtype?: DType };
    } = {},
  ): PlanInfo {
    const w = options.write === true ? {} : options.write || null;
    const p = planRun(
      this.#node,
      w
        ? {
          kind: "write",
          chunks: w.chunks ?? null,
          itemsize: DTYPES[w.dtype ? toDType(w.dtype) : this.dtype].bytes,
        }
        : { kind: "compute" },
      options,
    );
    return toPlanInfo(p);
  }

  /**
   * Runs the graph and returns the result in memory (on every rank).
   * Collective under MPI: it runs on `options.comm`, by default the world of
   * `init()`, so code that runs on one rank only must pass
   * `comm: new SelfComm()`.
   *
   * @param options `memory`, `comm`, `onProgress`, `prefetch`, `threads`.
   * @returns The result.
   * @throws {MemoryBudgetError} Before reading anything, when the result alone or a pass
   *   does not fit the budget.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { lazy } from "./lazy.ts";
   * import { fromArray } from "../core/ndarray.ts";
   * const x = lazy(fromArray([[1, 2], [3, 4]], "float64"));
   * assert.deepEqual((await x.sum({ axis: 1 }).compute({ memory: "16MiB" })).toArray(), [3, 7]);
   * ```
   */
  compute(options: RunOptions = {}): Promise<NDArray> {
    return computeNode(this.#node, options);
  }

  /**
   * Runs the graph and writes the result to a locator (`out.npy`,
   * `out.h5:/group/x`, `out.zarr`), under a temporary name renamed when
   * every rank has finished. Collective under MPI, like {@link compute}.
   *
   * @param locator Where to write.
   * @param options `chunks`, `codec`, `dtype`, `pack`, `overwrite`, `sync`, and the run options.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { lazy } from "./lazy.ts";
   * import { fromArray } from "../core/ndarray.ts";
   * import { readNpy } from "../io/npy.ts";
   * const dir = await Deno.makeTempDir();
   * await lazy(fromArray([1, 2, 3], "float64")).mul(2).to(`${dir}/x.npy`);
   * assert.deepEqual((await readNpy(`${dir}/x.npy`)).toArray(), [2, 4, 6]);
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  async to(locator: string, options: WriteOptions = {}): Promise<void> {
    // packed values take the stored type of their source (writeNode checks `dtype`)
    const packs = options.pack === true && packableSource(this.#node) !== null;
    const node = options.dtype && !packs && toDType(options.dtype) !== this.dtype
      ? this.astype(options.dtype).#node
      : this.#node;
    await writeNode(node, locator, options);
  }

  /** CF-decoded float data skips NaN unless asked `skipna: false` (as the reductions). */
  #cfSkip(o: QuantileRunOptions): QuantileRunOptions {
    const cf = o?.skipna === undefined && this.dtype.startsWith("float") && cfDerived(this.#node);
    return cf ? { ...o, skipna: true } : o;
  }

  /**
   * The exact median of the whole array out of core (NumPy's `median`;
   * `nanmedian` with `skipna`, the default for CF-decoded float data, as for the
   * reductions): at most four passes over the data, each in
   * tiles of a quarter of the memory budget (stream/_quantile.ts). Collective
   * under MPI, like {@link compute}.
   *
   * @param options `axis` (null or every axis), `keepdims`, `skipna`, and the run options.
   * @returns The median (0-d; float64, or the float32/float16 input dtype).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { lazy } from "./lazy.ts";
   * import { fromArray } from "../core/ndarray.ts";
   * const x = lazy(fromArray([5, 1, 4, 2], "float64"));
   * assert.equal((await x.median({ memory: "1MiB" })).get(), 3);
   * ```
   */
  median(options: QuantileRunOptions = {}): Promise<NDArray> {
    return lazyOrderStat(this, "median", null, this.#cfSkip(options));
  }

  /**
   * Exact quantiles of the whole array out of core, NumPy's `"linear"`
   * method (see {@link median} for the passes).
   *
   * @param q A quantile in [0, 1] or a list (a list adds a leading axis).
   * @param options `axis` (null or every axis), `keepdims`, `skipna`, and the run options.
   * @returns The quantiles (float64).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { lazy } from "./lazy.ts";
   * import { arange } from "../core/ndarray.ts";
   * const x = lazy(arange(5, undefined, undefined, "float64").add(1));
   * assert.deepEqual((await x.quantile([0.1, 0.5])).toArray(), [1.4, 3]);
   * ```
   */
  quantile(q: number | readonly number[], options: QuantileRunOptions = {}): Promise<NDArray> {
    return lazyOrderStat(this, "quantile", q, this.#cfSkip(options));
  }

  /**
   * Exact percentiles of the whole array out of core (`quantile` of `q / 100`).
   *
   * @param q A percentile in [0, 100] or a list.
   * @param options `axis` (null or every axis), `keepdims`, `skipna`, and the run options.
   * @returns The percentiles (float64).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { lazy } from "./lazy.ts";
   * import { arange } from "../core/ndarray.ts";
   * assert.equal((await lazy(arange(11, undefined, undefined, "float64")).percentile(90)).get(), 9);
   * ```
   */
  percentile(q: number | readonly number[], options: QuantileRunOptions = {}): Promise<NDArray> {
    return lazyOrderStat(this, "percentile", q, this.#cfSkip(options));
  }

  /**
   * Closes the source this array was opened from (no-op for derived arrays).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { lazy } from "./lazy.ts";
   * import { fromArray } from "../core/ndarray.ts";
   * const x = lazy(fromArray([1, 2], "float64"));
   * x.close(); // a no-op for an in-memory array
   * assert.deepEqual((await x.compute()).toArray(), [1, 2]);
   * ```
   */
  close(): void {
    this.#close?.();
  }

  /** Closes the source (for `using`). */
  [Symbol.dispose](): void {
    this.close();
  }
}

installOps(LazyArray.prototype as LazyArray, {
  ufunc: (self, name, operands) => ufunc(name, self, ...operands as LazyOperand[]),
  reduce: (self, name, options) => self.reduce(name, options),
  scan: installLazyUfunc(LazyArray, (src) => fromSource(src, { splittable: true, decode: false })),
});

function toPlanInfo(p: ReturnType<typeof planRun>): PlanInfo {
  const passes = p.passes.map((x) => ({
    shape: x.shape,
    reductions: x.reductions.map((r) => r.name),
    edges: x.grid.edges,
    chunks: x.grid.size,
    blockShape: x.grid.maxBlock,
    projectedBytes: x.projected,
    detail: x.detail,
    threads: x.threads,
  }));
  return {
    passes,
    projectedBytes: Math.max(0, ...passes.map((x) => x.projectedBytes)),
    budgetBytes: p.budget,
  };
}

function operand(x: LazyOperand | null): NodeOperand {
  if (x === null) return null;
  if (x instanceof LazyArray) return nodeOf(x);
  if (x instanceof NDArray) return nodeOf(lazy(x));
  if (typeof x === "number" || typeof x === "bigint" || typeof x === "boolean") return x;
  throw new TypeError(
    `Invalid operand ${
      String(x)
    }: expected a LazyArray, an NDArray, a number, a bigint or a boolean`,
  );
}

/**
 * Applies a ufunc by its NumPy name (every name of `UFUNCS`: `"add"`,
 * `"hypot"`, `"where"`, `"clip"`, ...) to lazy arrays, NDArrays and scalars.
 *
 * @param name The ufunc's NumPy name.
 * @param operands Its operands.
 * @returns The lazy result.
 * @throws {TypeError} For an unknown name, a wrong operand count or unsupported dtypes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lazy, ufunc } from "./lazy.ts";
 * import { fromArray } from "../core/ndarray.ts";
 * const r = ufunc("hypot", lazy(fromArray([3, 5])), fromArray([4, 12]));
 * assert.deepEqual((await r.compute()).toArray(), [5, 13]);
 * ```
 */
export function ufunc(name: string, ...operands: (LazyOperand | null)[]): LazyArray {
  return wrap(mapNode(name, operands.map(operand)));
}

/**
 * `cond ? a : b` element by element, lazily (NumPy's `where`).
 *
 * @param cond Condition (non-zero is true).
 * @param a Values where true.
 * @param b Values where false.
 * @returns The lazy result.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lazy, where } from "./lazy.ts";
 * import { fromArray } from "../core/ndarray.ts";
 * const x = lazy(fromArray([-1.5, 2, -3]));
 * assert.deepEqual((await where(x.gt(0), x, 0).compute()).toArray(), [0, 2, 0]);
 * ```
 */
export function where(cond: LazyOperand, a: LazyOperand, b: LazyOperand): LazyArray {
  return ufunc("where", cond, a, b);
}

function sourceNode(
  source: ArraySource,
  splittable: boolean,
  chunks?: readonly number[],
): SourceNode {
  const c = chunks ? [...chunks] : [...source.chunks];
  if (c.length !== source.shape.length || c.some((x) => !Number.isInteger(x) || x < 1)) {
    throw new RangeError(
      `Invalid chunks [${c.join(",")}] for "${source.locator}" of shape [${
        source.shape.join(",")
      }]`,
    );
  }
  return {
    kind: "source",
    source,
    splittable,
    shape: source.shape,
    dtype: source.dtype,
    chunks: c,
  };
}

/**
 * A lazy array over an in-memory NDArray (read block by block as views).
 *
 * @param array The array.
 * @param options `chunks`: the block grid (default about 32 MiB blocks).
 * @returns The lazy array.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lazy } from "./lazy.ts";
 * import { arange } from "../core/ndarray.ts";
 * const x = lazy(arange(6, undefined, undefined, "float64").reshape([3, 2]), { chunks: [1, 2] });
 * assert.equal((await x.sum().compute()).get(), 15);
 * ```
 */
export function lazy(array: NDArray, options: OpenOptions = {}): LazyArray {
  if (!(array instanceof NDArray)) {
    throw new TypeError(`Invalid array: expected an NDArray`);
  }
  const src = new MemorySource(array, options.chunks);
  return wrap(sourceNode(src, true, options.chunks));
}

/**
 * A lazy array over any {@link ArraySource} (a format of io/, or your own).
 *
 * @param source The source.
 * @param options `chunks` to override its grid; `splittable`: whether sub-blocks of its chunks
 *   can be read without reading a storage unit twice (default false).
 * @returns The lazy array.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fromSource } from "./lazy.ts";
 * import { arange } from "../core/ndarray.ts";
 * const a = arange(4, undefined, undefined, "int32");
 * const src = { locator: "mine", shape: [4], dtype: "int32" as const, chunks: [2],
 *   read: () => Promise.resolve(a) };
 * assert.equal(fromSource(src).shape[0], 4);
 * ```
 */
export function fromSource(
  source: ArraySource,
  options: OpenOptions & { splittable?: boolean } = {},
): LazyArray {
  const src = decodeSource(source, options.decode ?? true);
  return wrap(sourceNode(src, options.splittable ?? false, options.chunks));
}

/**
 * Opens an array lazily: `.npy` files, HDF5 datasets (`file.h5:/group/x`)
 * and Zarr arrays (`store.zarr`, `store.zarr:/group/x`, when io/zarr.ts is
 * available), netCDF variables (`file.nc:/t2m`). Only the header is read.
 * Close it (or use `using`) when done. A list of locators, or a glob
 * (`era5_*.nc:/t2m`, files in name order), opens many files as one array,
 * concatenated along the existing axis `concat` (default 0), as `ncrcat`
 * does; their dtypes, other axes and packing attributes must agree.
 *
 * @param locator The locator, a glob, or a list of locators.
 * @param options `chunks` to follow instead of the source's own grid;
 *   `concat`, the axis along which many files are joined; `decode: false` to read
 *   CF-encoded values as stored (default: decoded, see {@link OpenOptions.decode}).
 * @returns The lazy array.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { open } from "./lazy.ts";
 * import { writeNpy } from "../io/npy.ts";
 * import { arange } from "../core/ndarray.ts";
 * const dir = await Deno.makeTempDir();
 * await writeNpy(`${dir}/a.npy`, arange(10, undefined, undefined, "float32"));
 * using a = await open(`${dir}/a.npy`);
 * assert.equal((await a.slice("::2").sum().compute()).get(), 20);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function open(
  locator: string | readonly string[],
  options: OpenOptions & { readonly concat?: number } = {},
): Promise<LazyArray> {
  // many files as one: a list, a glob, or `concat` (stream/_concat.ts)
  const many = typeof locator !== "string" || options.concat !== undefined || isGlob(locator);
  const o = many ? await openConcat(locator, options.concat ?? 0) : await openSource(locator);
  try {
    const src = decodeSource(o.source, options.decode ?? true);
    return wrap(sourceNode(src, o.splittable, options.chunks), o.close);
  } catch (e) {
    o.close();
    throw e;
  }
}

/**
 * A lazy random array generated chunk by chunk from the counter-based
 * generator: the same values for any chunking and rank count.
 *
 * @param shape The shape.
 * @param options `seed`, `distribution` (`"uniform"`, `"normal"`, `"randint"`), `dtype`,
 *   `chunks`, `low`, `high`, `mean`, `std`, `stream`.
 * @returns The lazy array.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { random } from "./lazy.ts";
 * const r = random([1000], { seed: 1, distribution: "uniform", chunks: [100] });
 * const m = (await r.mean().compute()).get() as number;
 * assert.ok(m > 0.4 && m < 0.6);
 * ```
 */
export function random(shape: readonly number[], options: RandomSourceOptions = {}): LazyArray {
  const src = new RandomSource(shape, options);
  return wrap(sourceNode(src, true));
}
