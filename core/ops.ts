/**
 * The operation table shared by the three array types: `NDArray` (core/),
 * `DistArray` (dist/) and `LazyArray` (stream/). Each entry names a method,
 * says what kind it is and how many operands and which options it takes.
 * The element-wise and reduction methods of the three classes are generated
 * from it ({@link installOps}, with their types from {@link ElementwiseMethods}
 * and {@link ReductionMethods}); the other entries are written by hand on
 * each class and checked against the table by `tests/core/ops_test.ts`.
 *
 * @module
 */

import type { ArgOptions, ReduceOptions, ReductionName } from "./reduce.ts";
import type { UnaryOp } from "./_kernels/unary.ts";
import type { BinaryOp } from "./_kernels/binary.ts";
import type { DType } from "./dtype.ts";

/** Kinds of entries of {@link ARRAY_OPS}. */
export type OpKind = "unary" | "binary" | "reduction" | "scan" | "method" | "getter";

/** The option names a reduction method accepts (NumPy's keyword arguments). */
export type ReduceOptionName = keyof ReduceOptions;

/** The shape of one entry of {@link ARRAY_OPS}. */
export type OpSpec =
  | { readonly kind: "unary"; readonly ufunc: string }
  | { readonly kind: "binary"; readonly ufunc: string }
  | { readonly kind: "scan"; readonly ufunc: "add" | "multiply" }
  | {
    readonly kind: "reduction";
    readonly reduction: ReductionName;
    readonly options: readonly ReduceOptionName[];
    /** argmin/argmax: one axis or none ({@link ArgOptions}). */
    readonly oneAxis?: true;
  }
  | { readonly kind: "method"; readonly arity: number; readonly variadic?: true }
  | { readonly kind: "getter" };

/**
 * Every operation the three array types share, by method name. For
 * element-wise entries `ufunc` is the NumPy name of the ufunc the method
 * applies with the array as first operand; for reductions `options` lists
 * the option names the method accepts (any other is a TypeError); `arity`
 * counts the positional arguments of a hand-written method (its
 * `function.length`); `variadic` marks `slice(...specs)`.
 *
 * The scans (`cumsum`, `cumprod`) take `{ axis, dtype }` (axis null or
 * omitted: the flattened array) and return an array of the same type.
 * NDArray and LazyArray (out of core, any chunking) give NumPy's bits; a
 * DistArray gives the same bits for any rank count and layout (canonical
 * tiles along the axis, the carries combined left to right: equal to NumPy's
 * for integers, bool, min and max, within rounding for float sums and
 * products; dist/_dist_scan.ts). A LazyArray needs an axis unless it is 1-D.
 *
 * The element-wise methods return an array of the same type (NDArray's also
 * take `{ out, dtype }`); the reductions return an NDArray on NDArray and
 * DistArray (replicated on every rank) and a LazyArray on LazyArray.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ARRAY_OPS, DistArray, fromArray, init, lazy } from "../mod.ts";
 * await using comm = await init();
 * const a = fromArray([[0, 1], [2, 3]], "float64");
 * const d = DistArray.fromNDArray(comm, a);
 * const l = lazy(a);
 * // every generated method, on all three types, gives the same values
 * for (const [name, op] of Object.entries(ARRAY_OPS)) {
 *   if (op.kind !== "unary" && op.kind !== "binary" && op.kind !== "reduction") continue;
 *   // deno-lint-ignore no-explicit-any
 *   const call = (x: any) => (op.kind === "binary" ? x[name](2) : x[name]());
 *   const want = call(a).toArray();
 *   const fromDist = op.kind === "reduction" ? call(d) : call(d).toNDArray();
 *   assert.deepEqual(fromDist.toArray(), want, name);
 *   assert.deepEqual((await call(l).compute()).toArray(), want, name);
 * }
 * assert.deepEqual(a.var({ axis: 0, ddof: 1 }).toArray(), [2, 2]);
 * ```
 */
export const ARRAY_OPS = {
  // --- element-wise, one operand ---
  /** `-x` (NumPy's `negative`; bool is a TypeError). */
  neg: { kind: "unary", ufunc: "negative" },
  /** `|x|` (NumPy's `absolute`). */
  abs: { kind: "unary", ufunc: "absolute" },
  /** Square root (NumPy's `sqrt`). */
  sqrt: { kind: "unary", ufunc: "sqrt" },
  /** `x * x` (NumPy's `square`). */
  square: { kind: "unary", ufunc: "square" },
  /** e to the power x (NumPy's `exp`). */
  exp: { kind: "unary", ufunc: "exp" },
  /** Natural logarithm (NumPy's `log`). */
  log: { kind: "unary", ufunc: "log" },
  /** Sine, radians (NumPy's `sin`). */
  sin: { kind: "unary", ufunc: "sin" },
  /** Cosine, radians (NumPy's `cos`). */
  cos: { kind: "unary", ufunc: "cos" },
  // --- element-wise, two operands ---
  /** `x + b` (NumPy's `add`). */
  add: { kind: "binary", ufunc: "add" },
  /** `x - b` (NumPy's `subtract`). */
  sub: { kind: "binary", ufunc: "subtract" },
  /** `x * b` (NumPy's `multiply`). */
  mul: { kind: "binary", ufunc: "multiply" },
  /** `x / b`, true division (NumPy's `divide`). */
  div: { kind: "binary", ufunc: "divide" },
  /** `x // b`, rounding toward minus infinity (NumPy's `floor_divide`). */
  floorDiv: { kind: "binary", ufunc: "floor_divide" },
  /** `x ** b` (NumPy's `power`). */
  pow: { kind: "binary", ufunc: "power" },
  /** `x % b` with the sign of the divisor (NumPy's `remainder`). */
  mod: { kind: "binary", ufunc: "remainder" },
  /** Element-wise minimum, NaN propagates (NumPy's `minimum`). */
  minimum: { kind: "binary", ufunc: "minimum" },
  /** Element-wise maximum, NaN propagates (NumPy's `maximum`). */
  maximum: { kind: "binary", ufunc: "maximum" },
  /** `x == b`, bools (NumPy's `equal`). */
  eq: { kind: "binary", ufunc: "equal" },
  /** `x != b`, bools (NumPy's `not_equal`). */
  ne: { kind: "binary", ufunc: "not_equal" },
  /** `x < b`, bools (NumPy's `less`). */
  lt: { kind: "binary", ufunc: "less" },
  /** `x <= b`, bools (NumPy's `less_equal`). */
  le: { kind: "binary", ufunc: "less_equal" },
  /** `x > b`, bools (NumPy's `greater`). */
  gt: { kind: "binary", ufunc: "greater" },
  /** `x >= b`, bools (NumPy's `greater_equal`). */
  ge: { kind: "binary", ufunc: "greater_equal" },
  // --- reductions ---
  /** Sum over `axis` (NumPy's `sum`). */
  sum: { kind: "reduction", reduction: "sum", options: ["axis", "keepdims", "dtype", "skipna"] },
  /** Product over `axis` (NumPy's `prod`). */
  prod: { kind: "reduction", reduction: "prod", options: ["axis", "keepdims", "dtype", "skipna"] },
  /** Minimum over `axis`, NaN propagates (NumPy's `min`). */
  min: { kind: "reduction", reduction: "min", options: ["axis", "keepdims", "skipna"] },
  /** Maximum over `axis`, NaN propagates (NumPy's `max`). */
  max: { kind: "reduction", reduction: "max", options: ["axis", "keepdims", "skipna"] },
  /** Arithmetic mean over `axis` (NumPy's `mean`). */
  mean: { kind: "reduction", reduction: "mean", options: ["axis", "keepdims", "dtype", "skipna"] },
  /** Variance over `axis`, divisor `count - ddof` (NumPy's `var`). */
  var: {
    kind: "reduction",
    reduction: "var",
    options: ["axis", "keepdims", "ddof", "dtype", "skipna"],
  },
  /** Standard deviation over `axis` (NumPy's `std`). */
  std: {
    kind: "reduction",
    reduction: "std",
    options: ["axis", "keepdims", "ddof", "dtype", "skipna"],
  },
  /** Index of the minimum along one axis, or the flat index (NumPy's `argmin`). */
  argmin: {
    kind: "reduction",
    reduction: "argmin",
    options: ["axis", "keepdims", "skipna"],
    oneAxis: true,
  },
  /** Index of the maximum along one axis, or the flat index (NumPy's `argmax`). */
  argmax: {
    kind: "reduction",
    reduction: "argmax",
    options: ["axis", "keepdims", "skipna"],
    oneAxis: true,
  },
  /** Whether any element is non-zero (NumPy's `any`). */
  any: { kind: "reduction", reduction: "any", options: ["axis", "keepdims"] },
  /** Whether every element is non-zero (NumPy's `all`). */
  all: { kind: "reduction", reduction: "all", options: ["axis", "keepdims"] },
  // --- scans ---
  /** Cumulative sum along `axis` (null: flattened), NumPy's dtypes (NumPy's `cumsum`). */
  cumsum: { kind: "scan", ufunc: "add" },
  /** Cumulative product along `axis` (null: flattened), NumPy's dtypes (NumPy's `cumprod`). */
  cumprod: { kind: "scan", ufunc: "multiply" },
  // --- hand-written on each type, checked against the table ---
  /** Any reduction by NumPy name: `reduce(name, options)`. */
  reduce: { kind: "method", arity: 1 },
  /** The values cast to another dtype: `astype(dtype)`. */
  astype: { kind: "method", arity: 1 },
  /** Values limited to `[min, max]`, either bound null: `clip(min, max)`. */
  clip: { kind: "method", arity: 2 },
  /** A selection, one spec per axis: `slice(...specs)`. */
  slice: { kind: "method", arity: 0, variadic: true },
  // --- properties ---
  /** Axis lengths. */
  shape: { kind: "getter" },
  /** Element type. */
  dtype: { kind: "getter" },
  /** Number of dimensions. */
  ndim: { kind: "getter" },
  /** Number of elements. */
  size: { kind: "getter" },
  /** Bytes of the elements (`size * itemsize`). */
  nbytes: { kind: "getter" },
} as const satisfies Readonly<Record<string, OpSpec>>;

// Every element-wise entry names a kernel of core/_kernels (checked when compiling).
const _unaryKernels: Extract<(typeof ARRAY_OPS)[OpName], { kind: "unary" }>["ufunc"] extends UnaryOp
  ? true
  : false = true;
const _binaryKernels: Extract<(typeof ARRAY_OPS)[OpName], { kind: "binary" }>["ufunc"] extends
  BinaryOp ? true : false = true;

/** The name of an entry of {@link ARRAY_OPS}. */
export type OpName = keyof typeof ARRAY_OPS;

/** Names of the entries of one kind. */
export type OpNamesOf<K extends OpKind> = {
  [N in OpName]: (typeof ARRAY_OPS)[N]["kind"] extends K ? N : never;
}[OpName];

/** The options object of the reduction method `N`, narrowed to the table's option names. */
export type ReductionMethodOptions<N extends OpNamesOf<"reduction">> = (typeof ARRAY_OPS)[N] extends
  { readonly oneAxis: true } ? ArgOptions
  : Pick<ReduceOptions, Extract<(typeof ARRAY_OPS)[N], { options: unknown }>["options"][number]>;

/**
 * The element-wise methods of {@link ARRAY_OPS} for an array type: unary
 * methods take only options, binary methods an operand and options.
 *
 * @typeParam Operand What a binary method accepts as second operand.
 * @typeParam Result What the methods return.
 * @typeParam Options The options object (`never` for none).
 */
export type ElementwiseMethods<Operand, Result, Options = never> =
  & {
    readonly [
      N in keyof typeof ARRAY_OPS as (typeof ARRAY_OPS)[N]["kind"] extends "unary" ? N : never
    ]: [Options] extends [never] ? () => Result
      : (options?: Options) => Result;
  }
  & {
    readonly [
      N in keyof typeof ARRAY_OPS as (typeof ARRAY_OPS)[N]["kind"] extends "binary" ? N : never
    ]: [Options] extends [never] ? (b: Operand) => Result
      : (b: Operand, options?: Options) => Result;
  };

/**
 * The reduction methods of {@link ARRAY_OPS} for an array type, each taking
 * the options its table entry lists.
 *
 * @typeParam Result What the methods return.
 */
export type ReductionMethods<Result> = {
  readonly [
    N in keyof typeof ARRAY_OPS as (typeof ARRAY_OPS)[N]["kind"] extends "reduction" ? N : never
  ]: (
    options?: N extends OpNamesOf<"reduction"> ? ReductionMethodOptions<N> : never,
  ) => Result;
};

/** The options of the scan methods (`cumsum`, `cumprod`): NumPy's `axis` and `dtype`. */
export interface ScanOptions {
  /** The axis to scan (negative counts from the end); null or omitted: the flattened array. */
  readonly axis?: number | null;
  /** The dtype to accumulate in and return. */
  readonly dtype?: DType;
}

/**
 * The scan methods of {@link ARRAY_OPS} (`cumsum`, `cumprod`) for an array type.
 *
 * @typeParam Result What the methods return.
 */
export type ScanMethods<Result> = {
  readonly [
    N in keyof typeof ARRAY_OPS as (typeof ARRAY_OPS)[N]["kind"] extends "scan" ? N : never
  ]: (options?: ScanOptions) => Result;
};

/**
 * How one array type runs the generated methods: an element-wise ufunc by its
 * NumPy name with the array as first operand, and a reduction by name.
 *
 * @typeParam Self The array type.
 */
export interface OpsImplementation<Self> {
  /** Applies a ufunc by NumPy name to `self` and the other operands. */
  ufunc(self: Self, name: string, operands: readonly unknown[], options: unknown): unknown;
  /** Runs a reduction by NumPy name over `self`. */
  reduce(self: Self, name: ReductionName, options: ReduceOptions | undefined): unknown;
  /** Scans `self` with a ufunc (`"add"` for cumsum), NumPy's `cumsum` dtypes. */
  scan(self: Self, ufunc: "add" | "multiply", options: ScanOptions | undefined): unknown;
}

function checkOptions(method: string, allowed: readonly string[], options: unknown): void {
  if (options === undefined || options === null) return;
  if (typeof options !== "object") {
    throw new TypeError(`Invalid options for ${method}(): expected an object, got ${options}`);
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw new TypeError(
        `Unknown option "${key}" for ${method}(): expected ${allowed.join(", ")}`,
      );
    }
  }
}

/**
 * Installs the element-wise and reduction methods of {@link ARRAY_OPS} on a
 * class prototype (the class declares their types by merging an interface
 * that extends {@link ElementwiseMethods} and {@link ReductionMethods}). Each
 * method gets the table's name and `length` (its operand count). Reduction
 * methods reject an option their entry does not list.
 *
 * @param proto The prototype to install on; it must not define the methods already.
 * @param impl How the array type applies a ufunc or a reduction.
 * @throws {TypeError} When the prototype already has one of the methods.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ARRAY_OPS, installOps } from "./ops.ts";
 * class Log {
 *   calls: string[] = [];
 * }
 * installOps(Log.prototype, {
 *   ufunc: (self, name) => self.calls.push(name),
 *   reduce: (self, name) => self.calls.push(name),
 *   scan: (self, name) => self.calls.push(name),
 * });
 * const x = new Log() as Log & Record<keyof typeof ARRAY_OPS, (...a: unknown[]) => unknown>;
 * x.floorDiv(2);
 * x.std({ ddof: 1 });
 * x.cumsum({ axis: 0 });
 * assert.deepEqual(x.calls, ["floor_divide", "std", "add"]);
 * assert.equal(x.floorDiv.length, 1);
 * assert.throws(() => x.min({ ddof: 1 }), TypeError);
 * ```
 */
export function installOps<Self extends object>(proto: Self, impl: OpsImplementation<Self>): void {
  for (const [name, op] of Object.entries(ARRAY_OPS) as [string, OpSpec][]) {
    let fn: (this: Self, ...args: unknown[]) => unknown;
    let length: number;
    if (op.kind === "unary") {
      const ufunc = op.ufunc;
      fn = function (this: Self, options?: unknown) {
        return impl.ufunc(this, ufunc, [], options);
      };
      length = 0;
    } else if (op.kind === "binary") {
      const ufunc = op.ufunc;
      fn = function (this: Self, b?: unknown, options?: unknown) {
        return impl.ufunc(this, ufunc, [b], options);
      };
      length = 1;
    } else if (op.kind === "reduction") {
      const { reduction, options: allowed } = op;
      fn = function (this: Self, options?: unknown) {
        checkOptions(name, allowed, options);
        return impl.reduce(this, reduction, options as ReduceOptions | undefined);
      };
      length = 0;
    } else if (op.kind === "scan") {
      const ufunc = op.ufunc;
      fn = function (this: Self, options?: unknown) {
        checkOptions(name, ["axis", "dtype"], options);
        return impl.scan(this, ufunc, options as ScanOptions | undefined);
      };
      length = 0;
    } else continue;
    if (Object.hasOwn(proto, name)) {
      throw new TypeError(`Cannot install "${name}": the prototype already defines it`);
    }
    Object.defineProperty(fn, "name", { value: name });
    Object.defineProperty(fn, "length", { value: length });
    Object.defineProperty(proto, name, {
      value: fn,
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
}
