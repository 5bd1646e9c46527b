/**
 * `DistArrayProxy`: a DistArray held by the engines of a {@link Context},
 * driven from the client.
 *
 * @module
 */

import type { DType, Scalar } from "../core/dtype.ts";
import type { NDArray } from "../core/ndarray.ts";
import type { SliceSpec } from "../core/indexer.ts";
import type { ReduceOptions, ReductionName } from "../core/reduce.ts";
import {
  type ElementwiseMethods,
  installOps,
  type ReductionMethods,
  type ScanMethods,
} from "../core/ops.ts";
import type { Distribution } from "./distribution.ts";
import type { LayoutOptions } from "./layout.ts";
import type { Context } from "./context.ts";
import { PROXY_METHODS } from "./_context_wire.ts";

/** Creation options of the proxies (as `DistArray`'s). */
export interface CreateProxyOptions extends LayoutOptions {
  /** Element type (default float64). */
  readonly dtype?: DType;
}

/** What a proxy method may return: a value that came back, or a proxy of a result kept remote. */
export type RemoteResult = NDArray | DistArrayProxy;

/** An operand of a proxy's element-wise methods. */
export type ProxyOperand = DistArrayProxy | NDArray | Scalar;

/** What an engine says about an array it keeps. */
export interface ProxyInit {
  /** The array's id on the engines. */
  readonly id: number;
  /** Its global shape. */
  readonly shape: readonly number[];
  /** Its element type. */
  readonly dtype: DType;
  /** Its distribution, as text. */
  readonly distribution: string;
}

/**
 * The element-wise and reduction methods of {@link DistArrayProxy}, generated from
 * `ARRAY_OPS` (core/ops.ts): each runs on the engines. Element-wise methods give a
 * new proxy; reductions give an NDArray (replicated result) when it is at most the
 * context's result limit, else a proxy of it.
 */
export interface DistArrayProxy
  extends
    ElementwiseMethods<ProxyOperand, Promise<DistArrayProxy>>,
    ReductionMethods<Promise<NDArray>>,
    ScanMethods<Promise<DistArrayProxy>> {}

/**
 * A DistArray held by the engines of a {@link Context}. Its methods are those of
 * `DistArray`, asynchronous: each is sent to every engine and runs collectively.
 * Results that are DistArrays stay remote (a new proxy); NDArray results come
 * back up to the context's `resultLimitBytes` and stay remote (scattered) above it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Context } from "./context.ts";
 * await using ctx = await Context.start({ engines: 1, launcher: null });
 * const a = await ctx.fromFunction([4, 2], ([i, j]) => i + j);
 * const s = await (await a.add(1)).sum({ axis: 0 }); // an NDArray: small results come back
 * assert.deepEqual(s.toArray(), [10, 14]);
 * assert.match(String(a), /^DistArrayProxy<float64>\[4,2\] Distribution\[4,2\]/);
 * ```
 */
export class DistArrayProxy {
  readonly #ctx: Context;
  readonly #init: ProxyInit;

  /** @internal Made by the Context from an engine's answer. */
  constructor(ctx: Context, init: ProxyInit) {
    this.#ctx = ctx;
    this.#init = init;
  }

  /** The context whose engines hold the array. */
  get context(): Context {
    return this.#ctx;
  }

  /** The id of the array on the engines. */
  get id(): number {
    return this.#init.id;
  }

  /** The global shape. */
  get shape(): readonly number[] {
    return this.#init.shape;
  }

  /** The element type. */
  get dtype(): DType {
    return this.#init.dtype;
  }

  /** The distribution, as `Distribution.toString()` gives it on the engines. */
  get distribution(): string {
    return this.#init.distribution;
  }

  /** The number of elements. */
  get size(): number {
    return this.#init.shape.reduce((a, b) => a * b, 1);
  }

  /**
   * A short description: `DistArrayProxy<float64>[4,2] Distribution[4,2](bn) ...`.
   *
   * @returns The text.
   *
   * @example
   * ```ts
   * import { Context } from "./context.ts";
   * await using ctx = await Context.start({ engines: 1, launcher: null });
   * const text = String(await ctx.zeros([3]));
   * if (!text.startsWith("DistArrayProxy<float64>[3] ")) throw new Error(text);
   * ```
   */
  toString(): string {
    return `DistArrayProxy<${this.dtype}>[${this.shape.join(",")}] ${this.distribution}`;
  }

  /**
   * Calls a DistArray method on the engines by name (`astype`, `clip`, `copy`,
   * `exchangeHalos`, `get`, `redistribute`, `reduce`, `set`, `slice`, `toNDArray`, or
   * an element-wise or reduction method of `ARRAY_OPS`).
   *
   * @param method The method's name.
   * @param args Its arguments: JSON values, bigints, NDArrays, proxies.
   * @returns Its value: a proxy for a DistArray, an NDArray or scalar otherwise.
   * @throws {TypeError} For a method a proxy does not forward.
   * @throws {EngineError} When it throws on the engines.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Context } from "./context.ts";
   * await using ctx = await Context.start({ engines: 1, launcher: null });
   * const a = await ctx.fromFunction([5], ([i]) => i - 2);
   * const c = await a.call("clip", -1, 1) as typeof a;
   * assert.deepEqual((await c.toNDArray()).toArray(), [-1, -1, 0, 1, 1]);
   * ```
   */
  call(method: string, ...args: unknown[]): Promise<unknown> {
    if (!PROXY_METHODS.has(method)) {
      return Promise.reject(new TypeError(`Unknown DistArray method "${method}" for a proxy`));
    }
    return this.#ctx._command("call", { target: this.id, method, args });
  }

  /**
   * Gathers the whole array to the client (whatever its size).
   *
   * @returns The array.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Context } from "./context.ts";
   * await using ctx = await Context.start({ engines: 1, launcher: null });
   * assert.deepEqual((await (await ctx.ones([2])).toNDArray()).toArray(), [1, 1]);
   * ```
   */
  async toNDArray(): Promise<NDArray> {
    return await this.call("toNDArray") as NDArray;
  }

  /**
   * One element by global index.
   *
   * @param globalIndex One index per axis.
   * @returns The value (a bigint for 64-bit integers).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Context } from "./context.ts";
   * await using ctx = await Context.start({ engines: 1, launcher: null });
   * const a = await ctx.fromFunction([3, 3], ([i, j]) => 3 * i + j);
   * assert.equal(await a.get([2, 1]), 7);
   * ```
   */
  async get(globalIndex: readonly number[]): Promise<Scalar> {
    return await this.call("get", globalIndex) as Scalar;
  }

  /**
   * A selection as a new remote array (`DistArray.slice`).
   *
   * @param specs One spec per axis (`"2:8"`, `{ start, stop, step }`, an index).
   * @returns The selection's proxy.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Context } from "./context.ts";
   * await using ctx = await Context.start({ engines: 1, launcher: null });
   * const a = await ctx.fromFunction([10, 4], ([i, j]) => 10 * i + j);
   * const s = await a.slice("2:5, 1");
   * assert.deepEqual((await s.toNDArray()).toArray(), [21, 31, 41]);
   * ```
   */
  async slice(...specs: SliceSpec[]): Promise<DistArrayProxy> {
    return await this.call("slice", ...specs) as DistArrayProxy;
  }

  /**
   * The array converted to another dtype, on the engines.
   *
   * @param dtype The new element type.
   * @returns The new proxy.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Context } from "./context.ts";
   * await using ctx = await Context.start({ engines: 1, launcher: null });
   * assert.equal((await (await ctx.ones([2])).astype("int8")).dtype, "int8");
   * ```
   */
  async astype(dtype: DType): Promise<DistArrayProxy> {
    return await this.call("astype", dtype) as DistArrayProxy;
  }

  /**
   * The same values in another distribution (`DistArray.redistribute`).
   *
   * @param to Layout options (`dist`, `grid`).
   * @returns The new proxy.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Context } from "./context.ts";
   * await using ctx = await Context.start({ engines: 1, launcher: null });
   * const b = await (await ctx.ones([4])).redistribute({ dist: "c" });
   * assert.match(b.distribution, /\(c\)/);
   * ```
   */
  async redistribute(to: LayoutOptions | Distribution): Promise<DistArrayProxy> {
    return await this.call("redistribute", to) as DistArrayProxy;
  }

  /**
   * A reduction by NumPy name (`DistArray.reduce`): an NDArray when it is small
   * enough, else a proxy of it.
   *
   * @param name The reduction (`"sum"`, `"nanstd"`, ...).
   * @param options `axis`, `keepdims`, `ddof`, `dtype`.
   * @returns The result.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Context } from "./context.ts";
   * await using ctx = await Context.start({ engines: 1, launcher: null });
   * const a = await ctx.ones([3, 2]);
   * assert.deepEqual(((await a.reduce("sum", { axis: 0 })) as { toArray(): unknown }).toArray(), [3, 3]);
   * ```
   */
  async reduce(name: ReductionName, options: ReduceOptions = {}): Promise<RemoteResult> {
    return await this.call("reduce", name, options) as RemoteResult;
  }

  /**
   * Frees the array on the engines (at the context's next command). The proxy
   * must not be used afterwards; a proxy that is garbage collected is freed too.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Context } from "./context.ts";
   * await using ctx = await Context.start({ engines: 1, launcher: null });
   * (await ctx.ones([2])).free();
   * assert.equal((await ctx.ping())[0].arrays, 0);
   * ```
   */
  free(): void {
    this.#ctx._forget(this.id, this);
  }

  /** Same as {@link DistArrayProxy.free}. */
  [Symbol.dispose](): void {
    this.free();
  }
}

installOps(DistArrayProxy.prototype as DistArrayProxy, {
  ufunc: (self, name, operands, options) => {
    if (options !== undefined) {
      return Promise.reject(new TypeError(`Invalid options for ${name}(): a proxy takes none`));
    }
    return self.context.ufunc(name, [self, ...operands as ProxyOperand[]]);
  },
  reduce: (self, name, options) => self.reduce(name, options),
  scan: (self, name, options) =>
    self.call(name === "add" ? "cumsum" : "cumprod", options) as Promise<DistArrayProxy>,
});
