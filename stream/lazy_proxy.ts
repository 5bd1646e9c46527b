/**
 * `LazyArrayProxy`: a {@link LazyArray} held by the engines of a `Context`
 * (dist/context.ts), driven from the client. `ctx.open(locator)` has every
 * engine open the file; the proxy's methods build the graph on the engines,
 * and `compute()` / `to()` run it collectively there, each engine reading its
 * own chunks as under mpiexec. Small results come back as NDArrays, larger
 * ones stay on the engines as `DistArrayProxy` objects.
 *
 * The engine side is a plugin (stream/_lazy_engine.ts) the engines import on
 * the first `open`: dist/ does not import stream/, so `Context.open` is
 * installed on `Context` by this module (loaded by stream/mod.ts and mod.ts).
 *
 * @module
 */

import type { DType, Scalar } from "../core/dtype.ts";
import type { NDArray, SliceSpec } from "../core/ndarray.ts";
import type { ReduceOptions, ReductionName } from "../core/reduce.ts";
import {
  type ElementwiseMethods,
  installOps,
  type ReductionMethods,
  type ScanMethods,
} from "../core/ops.ts";
import { Context } from "../dist/context.ts";
import type { DistArrayProxy } from "../dist/dist_array_proxy.ts";
import type { LayoutOptions } from "../dist/layout.ts";
import { REMOTE_REF, type RemoteRef } from "../dist/engine_plugin.ts";
import type { OpenOptions } from "./lazy.ts";
import type { QuantileOptions } from "../core/sort.ts";
import type { TargetOptions } from "./options.ts";

const PLUGIN = new URL("./_lazy_engine.ts", import.meta.url).href;

/** The run options that travel to the engines (a run there uses the engines' communicator). */
export interface RemoteRunOptions {
  /** Memory budget of each engine: bytes or a size such as `"512MiB"`. */
  readonly memory?: number | string;
  /** Blocks read ahead of the one being computed (default 1). */
  readonly prefetch?: number;
}

/** What a remote run may give: an NDArray that came back, or a proxy of one kept remote. */
export type RemoteRunResult = NDArray | DistArrayProxy;

/** An operand of a proxy's element-wise methods. */
export type LazyProxyOperand = LazyArrayProxy | NDArray | Scalar;

interface LazyInit {
  readonly id: number;
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly chunks: readonly number[] | null;
}

const registry = new FinalizationRegistry<{ ctx: WeakRef<Context>; id: number }>((held) => {
  held.ctx.deref()?._forget(held.id);
});

function runOptions(name: string, options: unknown, extra: readonly string[] = []): object {
  if (options === undefined) return {};
  if (options === null || typeof options !== "object") {
    throw new TypeError(`Invalid options of ${name}(): expected an object`);
  }
  const allowed = new Set(["memory", "prefetch", ...extra]);
  for (const [k, v] of Object.entries(options)) {
    if (!allowed.has(k)) {
      throw new TypeError(
        `Invalid option "${k}" of ${name}() on a LazyArrayProxy: expected ` +
          `${[...allowed].join(", ")} (the engines run on their own communicator)`,
      );
    }
    if (typeof v === "function") throw new TypeError(`Invalid option "${k}": a function`);
  }
  return options;
}

/**
 * The element-wise and reduction methods of {@link LazyArrayProxy}, generated from
 * `ARRAY_OPS` (core/ops.ts): each builds a node of the graph on the engines and
 * gives a new proxy; nothing is read until `compute` or `to`.
 */
export interface LazyArrayProxy
  extends
    ElementwiseMethods<LazyProxyOperand, Promise<LazyArrayProxy>>,
    ReductionMethods<Promise<LazyArrayProxy>>,
    ScanMethods<Promise<LazyArrayProxy>> {}

/**
 * A LazyArray held by the engines of a `Context`: made by `ctx.open(locator)`.
 * Element-wise methods, reductions and scans (`cumsum`, `cumprod`) build the graph.
 * Its methods are LazyArray's, asynchronous (each a round trip that builds
 * the graph on every engine); `compute()`, `median()`, `quantile()`,
 * `percentile()`, `to()` and `toDistArray()` run it collectively there.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Context } from "../dist/context.ts";
 * import "./lazy_proxy.ts";
 * import { writeNpy } from "../io/npy.ts";
 * import { arange } from "../core/ndarray.ts";
 * const dir = await Deno.makeTempDir();
 * await writeNpy(`${dir}/a.npy`, arange(12, undefined, undefined, "float64").reshape([3, 4]));
 * await using ctx = await Context.start({ engines: 1, launcher: null });
 * const a = await ctx.open(`${dir}/a.npy`);
 * const m = await (await a.mean({ axis: 0 })).compute({ memory: "64MiB" });
 * assert.deepEqual((m as NDArray).toArray(), [4, 5, 6, 7]);
 * await Deno.remove(dir, { recursive: true });
 * import type { NDArray } from "../core/ndarray.ts";
 * ```
 */
export class LazyArrayProxy {
  readonly #ctx: Context;
  readonly #init: LazyInit;

  /** @internal Made from an engine's answer. */
  constructor(ctx: Context, init: LazyInit) {
    this.#ctx = ctx;
    this.#init = init;
    registry.register(this, { ctx: new WeakRef(ctx), id: init.id }, this);
  }

  /** @internal How the proxy travels to the engines (a reference). */
  get [REMOTE_REF](): RemoteRef {
    return { context: this.#ctx, id: this.#init.id };
  }

  /** The context whose engines hold the array. */
  get context(): Context {
    return this.#ctx;
  }

  /** The id of the array on the engines. */
  get id(): number {
    return this.#init.id;
  }

  /** The shape. */
  get shape(): readonly number[] {
    return this.#init.shape;
  }

  /** The element type. */
  get dtype(): DType {
    return this.#init.dtype;
  }

  /** The number of axes. */
  get ndim(): number {
    return this.#init.shape.length;
  }

  /** The number of elements. */
  get size(): number {
    return this.#init.shape.reduce((a, b) => a * b, 1);
  }

  /** The source's chunk grid, or null. */
  get chunks(): readonly number[] | null {
    return this.#init.chunks;
  }

  /**
   * A short description: `LazyArrayProxy<float64>[3,4]`.
   *
   * @returns The text.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { LazyArrayProxy } from "./lazy_proxy.ts";
   * assert.equal(typeof LazyArrayProxy.prototype.toString, "function");
   * ```
   */
  toString(): string {
    return `LazyArrayProxy<${this.dtype}>[${this.shape.join(",")}]`;
  }

  /** @internal Wraps an engine's answer about a LazyArray it keeps. */
  static _revive(ctx: Context, value: unknown): LazyArrayProxy {
    return new LazyArrayProxy(ctx, (value as { $lazy: LazyInit }).$lazy);
  }

  /** @internal Calls a graph-building LazyArray method on the engines. */
  static async _call(
    self: LazyArrayProxy,
    method: string,
    args: unknown[],
  ): Promise<LazyArrayProxy> {
    const v = await self.#ctx._command("lazy.call", { target: self.id, method, args });
    return LazyArrayProxy._revive(self.#ctx, v);
  }

  #call(method: string, args: unknown[]): Promise<LazyArrayProxy> {
    return LazyArrayProxy._call(this, method, args);
  }

  /**
   * A ufunc by its NumPy name (`LazyArray.ufunc`), on the engines.
   *
   * @param name The ufunc (`"add"`, `"hypot"`, ...).
   * @param operands The other operands: proxies of the same context, NDArrays, scalars.
   * @returns The new proxy.
   *
   * @example
   * ```ts
   * import { LazyArrayProxy } from "./lazy_proxy.ts";
   * if (typeof LazyArrayProxy.prototype.ufunc !== "function") throw new Error();
   * ```
   */
  ufunc(name: string, ...operands: LazyProxyOperand[]): Promise<LazyArrayProxy> {
    return this.#call("ufunc", [name, ...operands]);
  }

  /**
   * The array converted to another dtype (`LazyArray.astype`).
   *
   * @param dtype The new element type.
   * @returns The new proxy.
   *
   * @example
   * ```ts
   * import { LazyArrayProxy } from "./lazy_proxy.ts";
   * if (typeof LazyArrayProxy.prototype.astype !== "function") throw new Error();
   * ```
   */
  astype(dtype: DType): Promise<LazyArrayProxy> {
    return this.#call("astype", [dtype]);
  }

  /**
   * Values limited to [min, max] (`LazyArray.clip`; null: no bound).
   *
   * @param min Lower bound.
   * @param max Upper bound.
   * @returns The new proxy.
   *
   * @example
   * ```ts
   * import { LazyArrayProxy } from "./lazy_proxy.ts";
   * if (typeof LazyArrayProxy.prototype.clip !== "function") throw new Error();
   * ```
   */
  clip(min: LazyProxyOperand | null, max: LazyProxyOperand | null): Promise<LazyArrayProxy> {
    return this.#call("clip", [min, max]);
  }

  /**
   * A selection (`LazyArray.slice`): only its chunks are read by the runs.
   *
   * @param specs One string with comma-separated parts, or one spec per axis.
   * @returns The new proxy.
   *
   * @example
   * ```ts
   * import { LazyArrayProxy } from "./lazy_proxy.ts";
   * if (typeof LazyArrayProxy.prototype.slice !== "function") throw new Error();
   * ```
   */
  slice(...specs: SliceSpec[]): Promise<LazyArrayProxy> {
    return this.#call("slice", specs);
  }

  /**
   * A reduction by NumPy name (`LazyArray.reduce`), still lazy.
   *
   * @param name The reduction (`"sum"`, `"nanstd"`, ...).
   * @param options `axis`, `keepdims`, `ddof`, `dtype`.
   * @returns The new proxy.
   *
   * @example
   * ```ts
   * import { LazyArrayProxy } from "./lazy_proxy.ts";
   * if (typeof LazyArrayProxy.prototype.reduce !== "function") throw new Error();
   * ```
   */
  reduce(name: ReductionName, options: ReduceOptions = {}): Promise<LazyArrayProxy> {
    return this.#call("reduce", [name, options]);
  }

  async #run(method: string, options: object, q?: unknown): Promise<RemoteRunResult> {
    const fields: Record<string, unknown> = { target: this.id, method, options };
    if (q !== undefined) fields.q = q;
    return await this.#ctx._command("lazy.run", fields) as RemoteRunResult;
  }

  /**
   * Runs the graph collectively on the engines (`LazyArray.compute`, each engine
   * reading its own chunks): the result comes back when it is at most the
   * context's `resultLimitBytes`, else it stays on the engines as a DistArrayProxy.
   *
   * @param options `memory` (each engine's budget), `prefetch`.
   * @returns The result, or its proxy.
   * @throws {EngineError} When the run fails on the engines (a MemoryBudgetError there).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Context } from "../dist/context.ts";
   * import { DistArrayProxy } from "../dist/dist_array_proxy.ts";
   * import { openRemote } from "./lazy_proxy.ts";
   * import { writeNpy } from "../io/npy.ts";
   * import { ones } from "../core/ndarray.ts";
   * const dir = await Deno.makeTempDir();
   * await writeNpy(`${dir}/a.npy`, ones([100, 10]));
   * await using ctx = await Context.start({ engines: 1, launcher: null, resultLimitBytes: 1024 });
   * const a = await openRemote(ctx, `${dir}/a.npy`);
   * assert.equal(((await (await a.sum()).compute()) as { get(): unknown }).get(), 1000);
   * assert.ok((await a.compute()) instanceof DistArrayProxy); // 8000 bytes stay remote
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  async compute(options: RemoteRunOptions = {}): Promise<RemoteRunResult> {
    return await this.#run("compute", runOptions("compute", options));
  }

  /**
   * The exact median, out of core on the engines (`LazyArray.median`).
   *
   * @param options `axis`, `keepdims`, `skipna`, `memory`, `prefetch`.
   * @returns The median (or its proxy when large).
   *
   * @example
   * ```ts
   * import { LazyArrayProxy } from "./lazy_proxy.ts";
   * if (typeof LazyArrayProxy.prototype.median !== "function") throw new Error();
   * ```
   */
  async median(options: QuantileOptions & RemoteRunOptions = {}): Promise<RemoteRunResult> {
    return await this.#run("median", runOptions("median", options, QUANTILE_KEYS));
  }

  /**
   * Exact quantiles, out of core on the engines (`LazyArray.quantile`).
   *
   * @param q A quantile in [0, 1] or a list.
   * @param options `axis`, `keepdims`, `skipna`, `memory`, `prefetch`.
   * @returns The quantiles (or their proxy when large).
   *
   * @example
   * ```ts
   * import { LazyArrayProxy } from "./lazy_proxy.ts";
   * if (typeof LazyArrayProxy.prototype.quantile !== "function") throw new Error();
   * ```
   */
  async quantile(
    q: number | readonly number[],
    options: QuantileOptions & RemoteRunOptions = {},
  ): Promise<RemoteRunResult> {
    return await this.#run("quantile", runOptions("quantile", options, QUANTILE_KEYS), q);
  }

  /**
   * Exact percentiles, out of core on the engines (`LazyArray.percentile`).
   *
   * @param q A percentile in [0, 100] or a list.
   * @param options `axis`, `keepdims`, `skipna`, `memory`, `prefetch`.
   * @returns The percentiles (or their proxy when large).
   *
   * @example
   * ```ts
   * import { LazyArrayProxy } from "./lazy_proxy.ts";
   * if (typeof LazyArrayProxy.prototype.percentile !== "function") throw new Error();
   * ```
   */
  async percentile(
    q: number | readonly number[],
    options: QuantileOptions & RemoteRunOptions = {},
  ): Promise<RemoteRunResult> {
    return await this.#run("percentile", runOptions("percentile", options, QUANTILE_KEYS), q);
  }

  /**
   * Runs the graph and writes the result (`LazyArray.to`), collectively on the
   * engines: each writes its blocks, and the file is renamed into place when all
   * have finished. The locator is a path as the engines see it.
   *
   * @param locator Where to write (`out.npy`, `out.h5:/x`, `out.zarr`).
   * @param options `chunks`, `codec`, `dtype`, `overwrite`, `sync`, `memory`, `prefetch`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Context } from "../dist/context.ts";
   * import { openRemote } from "./lazy_proxy.ts";
   * import { readNpy, writeNpy } from "../io/npy.ts";
   * import { fromArray } from "../core/ndarray.ts";
   * const dir = await Deno.makeTempDir();
   * await writeNpy(`${dir}/a.npy`, fromArray([1, 2, 3], "float64"));
   * await using ctx = await Context.start({ engines: 1, launcher: null });
   * await (await (await openRemote(ctx, `${dir}/a.npy`)).mul(2)).to(`${dir}/b.npy`);
   * assert.deepEqual((await readNpy(`${dir}/b.npy`)).toArray(), [2, 4, 6]);
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  async to(locator: string, options: TargetOptions & RemoteRunOptions = {}): Promise<void> {
    if (typeof locator !== "string" || !locator) {
      throw new TypeError(`Invalid locator: expected a non-empty string`);
    }
    const o = runOptions("to", options, ["chunks", "codec", "dtype", "overwrite", "sync"]);
    await this.#ctx._command("lazy.to", { target: this.id, locator, options: o });
  }

  /**
   * Runs the graph on the engines and keeps the result there as a DistArray
   * (computed whole on each engine, then laid out by `dist`/`grid`): its proxy.
   *
   * @param options `memory`, `prefetch`, `dist`, `grid`.
   * @returns The DistArray's proxy.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Context } from "../dist/context.ts";
   * import { openRemote } from "./lazy_proxy.ts";
   * import { writeNpy } from "../io/npy.ts";
   * import { fromArray } from "../core/ndarray.ts";
   * const dir = await Deno.makeTempDir();
   * await writeNpy(`${dir}/a.npy`, fromArray([1, 2, 3], "float64"));
   * await using ctx = await Context.start({ engines: 1, launcher: null });
   * const d = await (await openRemote(ctx, `${dir}/a.npy`)).toDistArray({ dist: "c" });
   * assert.deepEqual((await d.toNDArray()).toArray(), [1, 2, 3]);
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  async toDistArray(options: RemoteRunOptions & LayoutOptions = {}): Promise<DistArrayProxy> {
    const o = runOptions("toDistArray", options, ["dist", "grid"]);
    return await this.#ctx._command("lazy.toDistArray", {
      target: this.id,
      options: o,
    }) as DistArrayProxy;
  }

  /**
   * Drops the array on the engines (at the context's next command); a proxy
   * that is garbage collected is dropped too.
   *
   * @example
   * ```ts
   * import { LazyArrayProxy } from "./lazy_proxy.ts";
   * if (typeof LazyArrayProxy.prototype.free !== "function") throw new Error();
   * ```
   */
  free(): void {
    registry.unregister(this);
    this.#ctx._forget(this.id);
  }

  /** Same as {@link LazyArrayProxy.free}. */
  [Symbol.dispose](): void {
    this.free();
  }
}

const QUANTILE_KEYS = ["axis", "keepdims", "skipna"];

installOps(LazyArrayProxy.prototype as LazyArrayProxy, {
  ufunc: (self, name, operands, options) => {
    if (options !== undefined) {
      return Promise.reject(new TypeError(`Invalid options for ${name}(): a proxy takes none`));
    }
    return self.ufunc(name, ...operands as LazyProxyOperand[]);
  },
  reduce: (self, name, options) => self.reduce(name, options),
  scan: (self, name, options) =>
    LazyArrayProxy._call(self, name === "add" ? "cumsum" : "cumprod", [options]),
});

/**
 * Has every engine of a context open a file as a LazyArray (`open` of
 * stream/lazy.ts: a locator, a list or glob of files with `concat`); also
 * available as `ctx.open(...)`. The locator is a path as the engines see it.
 *
 * @param ctx The context.
 * @param locator The file(s).
 * @param options `chunks`, `decode`, `concat`.
 * @returns The proxy.
 * @throws {EngineError} When the engines cannot open it (the remote error names the file).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Context, EngineError } from "../dist/mod.ts";
 * import { openRemote } from "./lazy_proxy.ts";
 * await using ctx = await Context.start({ engines: 1, launcher: null });
 * await assert.rejects(openRemote(ctx, "/no/such.npy"), EngineError);
 * ```
 */
export async function openRemote(
  ctx: Context,
  locator: string | readonly string[],
  options: OpenOptions & { readonly concat?: number } = {},
): Promise<LazyArrayProxy> {
  if (!(ctx instanceof Context)) throw new TypeError(`Invalid context: expected a Context`);
  if (typeof locator !== "string" && !Array.isArray(locator)) {
    throw new TypeError(`Invalid locator: expected a string or a list of strings`);
  }
  if (options === null || typeof options !== "object") {
    throw new TypeError(`Invalid options of open(): expected an object`);
  }
  await ctx.loadPlugin(PLUGIN);
  return LazyArrayProxy._revive(ctx, await ctx._command("lazy.open", { locator, options }));
}

declare module "../dist/context.ts" {
  interface Context {
    /**
     * Has every engine open a file as a LazyArray ({@link openRemote}); installed
     * by stream/lazy_proxy.ts (loaded by stream/mod.ts and mod.ts).
     *
     * @param locator The file(s), as the engines see them.
     * @param options `chunks`, `decode`, `concat`.
     * @returns The proxy.
     *
     * @example
     * ```ts
     * import assert from "node:assert/strict";
     * import { Context, EngineError } from "../mod.ts";
     * await using ctx = await Context.start({ engines: 1, launcher: null });
     * await assert.rejects(ctx.open("/no/such.npy"), EngineError);
     * ```
     */
    open(
      locator: string | readonly string[],
      options?: OpenOptions & { readonly concat?: number },
    ): Promise<LazyArrayProxy>;
  }
}

Object.defineProperty(Context.prototype, "open", {
  value: function open(
    this: Context,
    locator: string | readonly string[],
    options?: OpenOptions & { readonly concat?: number },
  ): Promise<LazyArrayProxy> {
    return openRemote(this, locator, options);
  },
  writable: true,
  configurable: true,
});
