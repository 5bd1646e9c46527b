/**
 * NumPy's ufunc methods for the binary ufuncs: `reduce`, `accumulate` and
 * `outer` (attached to each binary ufunc of `core/ufunc.ts`, as
 * `add.reduce(a)`), and `cumsum` / `cumprod`.
 *
 * Result dtypes follow NumPy 2: `add` and `multiply` reduce and accumulate
 * bool and integers narrower than 64 bits in int64 (unsigned in uint64), as
 * `sum` does; the other ufuncs keep the dtype of their loop (`maximum` of
 * int8 is int8, `divide` of int32 is float64). `dtype` overrides both.
 *
 * @example
 * ```ts
 * import { cumsum } from "./ufunc_methods.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = cumsum(fromArray([[1, 2], [3, 4]], "int32"), { axis: 0 });
 * if (r.dtype !== "int64" || String(r.toArray()) !== "1,2,4,6") throw new Error("bad");
 * ```
 *
 * @module
 */

import { type DType, DTYPES, toDType } from "./dtype.ts";
import { empty, full } from "./create.ts";
import { NDArray, normalizeAxis } from "./ndarray.ts";
import { binaryUfunc, checkOperand } from "./_ufunc.ts";
import type { BinaryOp } from "./_kernels/binary.ts";
import { REDUCTIONS } from "./reduce.ts";
import type { Operand, UfuncOptions } from "./ufunc.ts";
import { checkOptionKeys } from "./options.ts";

const checkKeys = checkOptionKeys;

/** Options of a ufunc's `accumulate` and of `cumsum` / `cumprod`. */
export interface AccumulateOptions {
  /**
   * The axis to scan (negative counts from the end). `accumulate` defaults
   * to 0; `cumsum` / `cumprod` default to `null`: the flattened array (C order).
   */
  readonly axis?: number | null;
  /** The dtype to accumulate in and return (NumPy's `dtype=`). */
  readonly dtype?: DType;
}

/** Options of a ufunc's `reduce`. */
export interface UfuncReduceOptions {
  /**
   * The axes to reduce: one axis (default 0), a list, or `null` for all.
   * Ufuncs that are not reorderable (`subtract`, `divide`, ...) take one axis.
   */
  readonly axis?: number | readonly number[] | null;
  /** Keep the reduced axes with length 1 (default false). */
  readonly keepdims?: boolean;
  /** The dtype to reduce in and return (NumPy's `dtype=`). */
  readonly dtype?: DType;
}

/**
 * The key of the method by which another array type (DistArray, LazyArray)
 * runs a ufunc's `reduce`, `accumulate` or `outer` on itself, as NumPy's
 * `__array_ufunc__`: `add.accumulate(x)` calls
 * `x[ARRAY_UFUNC]("accumulate", "add", [options])`.
 */
export const ARRAY_UFUNC: unique symbol = Symbol.for("tessera.arrayUfunc");

/** A ufunc method another array type can implement through {@link ARRAY_UFUNC}. */
export type UfuncMethod = "reduce" | "accumulate" | "outer";

/** An array type that runs ufunc methods on itself (see {@link ARRAY_UFUNC}). */
export interface UfuncDispatch {
  /** Runs `method` of ufunc `op` with the remaining arguments `args`. */
  [ARRAY_UFUNC](method: UfuncMethod, op: string, args: readonly unknown[]): unknown;
}

function dispatcher(x: unknown): UfuncDispatch | null {
  return x !== null && typeof x === "object" &&
      typeof (x as UfuncDispatch)[ARRAY_UFUNC] === "function"
    ? x as UfuncDispatch
    : null;
}

/**
 * A binary ufunc with NumPy's methods: call it as `add(a, b)`, or use
 * `add.reduce(a)`, `add.accumulate(a)`, `add.outer(a, b)`.
 */
export interface BinaryUfunc {
  /** Applies the ufunc element-wise with broadcasting. */
  (a: Operand, b: Operand, options?: UfuncOptions): NDArray;
  /** The NumPy name of the ufunc (`"floor_divide"`). */
  readonly ufuncName: string;
  /**
   * Folds `a` along axes with the ufunc (NumPy's `ufunc.reduce`). Another
   * array type returns what its reductions do (DistArray: a replicated NDArray).
   */
  reduce(a: NDArray, options?: UfuncReduceOptions): NDArray;
  /** `reduce` of a DistArray or LazyArray (see {@link ARRAY_UFUNC}). */
  reduce<T extends UfuncDispatch>(a: T, options?: UfuncReduceOptions): NDArray | T;
  /** The running results along one axis (NumPy's `ufunc.accumulate`). */
  accumulate(a: NDArray, options?: AccumulateOptions): NDArray;
  /** `accumulate` of a DistArray or LazyArray (see {@link ARRAY_UFUNC}). */
  accumulate<T extends UfuncDispatch>(a: T, options?: AccumulateOptions): T;
  /** The ufunc of every pair `(a[i...], b[j...])`, shape `[...a.shape, ...b.shape]`. */
  outer(a: Operand, b: Operand, options?: UfuncOptions): NDArray;
  /** `outer` of two 1-D DistArrays (see {@link ARRAY_UFUNC}). */
  outer<T extends UfuncDispatch>(a: T, b: T): T;
}

/** The identity of the ufuncs that have one (NumPy's `ufunc.identity`). */
const IDENTITY: Partial<Record<BinaryOp, number | boolean>> = {
  add: 0,
  multiply: 1,
  "logical_and": true,
  "logical_or": false,
  "logical_xor": false,
  "bitwise_or": 0,
  "bitwise_xor": 0,
  "bitwise_and": -1,
};

/** Ufuncs NumPy reduces over several axes at once (associative and commutative). */
const REORDERABLE: ReadonlySet<BinaryOp> = new Set<BinaryOp>([
  "add",
  "multiply",
  "maximum",
  "minimum",
  "logical_and",
  "logical_or",
  "logical_xor",
  "bitwise_and",
  "bitwise_or",
  "bitwise_xor",
]);

/** Ufuncs with a dedicated reduction of core/reduce.ts (same values). */
const REDUCTION_OF: Partial<Record<BinaryOp, "sum" | "prod" | "max" | "min" | "all" | "any">> = {
  add: "sum",
  multiply: "prod",
  maximum: "max",
  minimum: "min",
  "logical_and": "all",
  "logical_or": "any",
};

/**
 * The reduction of `core/reduce.ts` a ufunc's `reduce` runs, if any
 * (`add` -> `"sum"`, `maximum` -> `"max"`, `logical_or` -> `"any"`).
 *
 * @param op The NumPy name of a binary ufunc.
 * @returns The reduction's name, or null when the ufunc folds left to right.
 *
 * @example
 * ```ts
 * import { ufuncReduction } from "./ufunc_methods.ts";
 * if (ufuncReduction("multiply") !== "prod" || ufuncReduction("subtract") !== null) {
 *   throw new Error("bad");
 * }
 * ```
 */
export function ufuncReduction(
  op: BinaryOp,
): "sum" | "prod" | "max" | "min" | "all" | "any" | null {
  return REDUCTION_OF[op] ?? null;
}

function checkArray(caller: string, a: unknown, pos = 0): asserts a is NDArray {
  if (!(a instanceof NDArray)) {
    throw new TypeError(
      `Invalid operand ${pos} of ${caller}: expected an NDArray, got ${
        a === null ? "null" : typeof a === "object" ? a.constructor?.name ?? "object" : typeof a
      }`,
    );
  }
}

function axisOf(caller: string, axis: unknown, ndim: number): number {
  if (typeof axis !== "number" || !Number.isInteger(axis)) {
    throw new TypeError(`Invalid axis for ${caller}: expected an integer, got ${String(axis)}`);
  }
  if (axis < -ndim || axis >= ndim) {
    throw new RangeError(
      `Invalid axis for ${caller}: axis ${axis} is out of bounds for an array of dimension ${ndim}`,
    );
  }
  return normalizeAxis(axis, ndim);
}

/**
 * The dtype `op` reduces or accumulates `dtype` in: NumPy's rule (`add` and
 * `multiply` widen bool and small integers to 64 bits; the others keep their
 * loop's result dtype), or `requested`.
 *
 * @param op The NumPy name of a binary ufunc.
 * @param dtype The input dtype.
 * @param requested The `dtype` option, if any.
 * @returns The accumulator and result dtype.
 * @throws {TypeError} When the ufunc has no loop for the dtype.
 *
 * @example
 * ```ts
 * import { accumulateDType } from "./ufunc_methods.ts";
 * if (accumulateDType("add", "int32") !== "int64") throw new Error("bad");
 * if (accumulateDType("maximum", "int8") !== "int8") throw new Error("bad");
 * ```
 */
export function accumulateDType(op: BinaryOp, dtype: DType, requested?: DType): DType {
  if (requested !== undefined) return toDType(requested);
  if (op === "add" || op === "multiply") {
    const info = DTYPES[dtype];
    if (info.kind === "b" || (info.kind === "i" && info.bytes < 8)) return "int64";
    if (info.kind === "u" && info.bytes < 8) return "uint64";
    return dtype;
  }
  const probe = empty([0], dtype);
  return binaryUfunc(op, probe, probe).dtype;
}

/** Scans a C-contiguous array in place along `axis` with add/multiply/max/min. */
function scanInPlace(op: BinaryOp, x: NDArray, axis: number): boolean {
  const info = DTYPES[x.dtype];
  const d = x.data as unknown as { [i: number]: number | bigint; length: number };
  const n = x.shape[axis];
  let inner = 1;
  for (let i = axis + 1; i < x.ndim; i++) inner *= x.shape[i];
  const outer = n === 0 || inner === 0 ? 0 : x.size / (n * inner);
  const imul = (info.kind === "i" || info.kind === "u") && info.bytes === 4;
  // deno-lint-ignore no-explicit-any
  let f: (p: any, c: any) => number | bigint;
  if (info.kind === "b") {
    if (op === "add" || op === "maximum" || op === "logical_or") f = (p, c) => p | c;
    else if (op === "multiply" || op === "minimum" || op === "logical_and") f = (p, c) => p & c;
    else return false;
  } else if (op === "add") f = (p, c) => p + c;
  else if (op === "multiply") f = imul ? (p, c) => Math.imul(p, c) : (p, c) => p * c;
  else if (op === "maximum") f = (p, c) => (p > c || p !== p ? p : c);
  else if (op === "minimum") f = (p, c) => (p < c || p !== p ? p : c);
  else return false;
  const base = x.offset;
  for (let o = 0; o < outer; o++) {
    const start = base + o * n * inner;
    for (let i = 1; i < n; i++) {
      const row = start + i * inner;
      for (let j = 0; j < inner; j++) d[row + j] = f(d[row + j - inner], d[row + j]);
    }
  }
  return true;
}

/** `[":", ":", i, ...]`: a selection of index `i` (or a range) along `axis`. */
function along(ndim: number, axis: number, spec: number | string): (number | string)[] {
  const s: (number | string)[] = new Array(ndim).fill(":");
  s[axis] = spec;
  return s;
}

/**
 * The running results of a binary ufunc along one axis (NumPy's
 * `ufunc.accumulate`): `out[..., i, ...] = op(out[..., i-1, ...], a[..., i, ...])`.
 *
 * @param op The NumPy name of the ufunc (`"add"`, `"maximum"`, ...).
 * @param a The array.
 * @param options `axis` (default 0) and `dtype`.
 * @returns A new array of `a`'s shape.
 * @throws {RangeError} For an axis out of bounds.
 * @throws {TypeError} For a 0-d array, a bad option or a dtype the ufunc has no loop for.
 *
 * @example
 * ```ts
 * import { accumulate } from "./ufunc_methods.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = accumulate("maximum", fromArray([[1, 5], [3, 2]]), { axis: -1 });
 * if (String(r.toArray()) !== "1,5,3,3") throw new Error(`${r.toArray()}`);
 * ```
 */
export function accumulate(op: BinaryOp, a: NDArray, options: AccumulateOptions = {}): NDArray {
  const caller = `${op}.accumulate()`;
  checkArray(caller, a);
  checkKeys(caller, options, ["axis", "dtype"]);
  if (a.ndim === 0) throw new TypeError(`Cannot run ${caller} on a 0-d array`);
  const axis = axisOf(caller, options.axis ?? 0, a.ndim);
  const rd = accumulateDType(op, a.dtype, options.dtype);
  const out = a.astype(rd);
  if (scanInPlace(op, out, axis)) return out;
  const n = a.shape[axis];
  const ufuncOptions = options.dtype === undefined ? {} : { dtype: rd };
  for (let i = 1; i < n; i++) {
    const prev = out.slice(...along(a.ndim, axis, i - 1));
    const cur = a.slice(...along(a.ndim, axis, i));
    binaryUfunc(op, prev, cur, { ...ufuncOptions, out: out.slice(...along(a.ndim, axis, i)) });
  }
  return out;
}

function resolveAxes(caller: string, op: BinaryOp, axis: unknown, ndim: number): number[] {
  let axes: number[];
  if (axis === null) axes = Array.from({ length: ndim }, (_, i) => i);
  else if (Array.isArray(axis)) axes = axis.map((x) => axisOf(caller, x, ndim));
  else axes = [axisOf(caller, axis ?? 0, ndim)];
  if (new Set(axes).size !== axes.length) {
    throw new RangeError(`Invalid axis for ${caller}: repeated axis in [${axes}]`);
  }
  if (axes.length > 1 && !REORDERABLE.has(op)) {
    throw new RangeError(
      `Invalid axis for ${caller}: "${op}" is not reorderable, so at most one axis may be given, got [${axes}]`,
    );
  }
  return axes.sort((x, y) => x - y);
}

/**
 * Folds an array with a binary ufunc along axes (NumPy's `ufunc.reduce`).
 * `add`, `multiply`, `maximum`, `minimum`, `logical_and` and `logical_or`
 * run the reductions of `core/reduce.ts` (`sum`, `prod`, ...); the others
 * fold left to right along the axis.
 *
 * @param op The NumPy name of the ufunc.
 * @param a The array.
 * @param options `axis` (default 0; `null` for all), `keepdims`, `dtype`.
 * @returns The reduced array (0-d when every axis is reduced).
 * @throws {RangeError} For an axis out of bounds, several axes of a
 *   non-reorderable ufunc, or an empty reduction of a ufunc with no identity.
 * @throws {TypeError} For a bad option or a dtype the ufunc has no loop for.
 *
 * @example
 * ```ts
 * import { reduceUfunc } from "./ufunc_methods.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = reduceUfunc("subtract", fromArray([[10, 1], [3, 2]]), { axis: 1 });
 * if (String(r.toArray()) !== "9,1") throw new Error(`${r.toArray()}`);
 * ```
 */
export function reduceUfunc(op: BinaryOp, a: NDArray, options: UfuncReduceOptions = {}): NDArray {
  const caller = `${op}.reduce()`;
  checkArray(caller, a);
  checkKeys(caller, options, ["axis", "keepdims", "dtype"]);
  const axes = resolveAxes(caller, op, options.axis === undefined ? 0 : options.axis, a.ndim);
  const keepdims = options.keepdims === true;
  const rd = accumulateDType(op, a.dtype, options.dtype);
  const empties = axes.some((ax) => a.shape[ax] === 0);
  const outShape = a.shape.filter((_, i) => !axes.includes(i));
  if (empties && IDENTITY[op] === undefined && outShape.every((n) => n > 0)) {
    throw new RangeError(
      `Cannot reduce a zero-size array with "${op}": the ufunc has no identity (axis ${axes})`,
    );
  }
  const red = REDUCTION_OF[op];
  if (red !== undefined) {
    const dtype = red === "sum" || red === "prod" ? { dtype: rd } : {};
    const r = REDUCTIONS[red](a, { axis: axes, keepdims, ...dtype });
    return r.dtype === rd ? r : r.astype(rd);
  }
  let cur: NDArray = a;
  for (const ax of [...axes].reverse()) {
    const n = cur.shape[ax];
    let acc: NDArray;
    if (n === 0) {
      const shape = cur.shape.map((m, i) => (i === ax ? 1 : m));
      const id = IDENTITY[op] ?? 0;
      acc = full(shape, typeof id === "boolean" ? id : DTYPES[rd].big ? BigInt(id) : id, rd);
    } else {
      acc = cur.slice(...along(cur.ndim, ax, "0:1")).astype(rd);
      const ufuncOptions = options.dtype === undefined ? {} : { dtype: rd };
      for (let i = 1; i < n; i++) {
        binaryUfunc(op, acc, cur.slice(...along(cur.ndim, ax, `${i}:${i + 1}`)), {
          ...ufuncOptions,
          out: acc,
        });
      }
    }
    cur = acc;
  }
  return keepdims ? cur : cur.squeeze(axes.length === 0 ? [] : axes);
}

/**
 * A binary ufunc over every pair of elements (NumPy's `ufunc.outer`):
 * `out[i..., j...] = op(a[i...], b[j...])`.
 *
 * @param op The NumPy name of the ufunc.
 * @param a First operand.
 * @param b Second operand.
 * @param options `out` and `dtype`, as the ufunc takes them.
 * @returns An array of shape `[...a.shape, ...b.shape]`.
 *
 * @example
 * ```ts
 * import { outer } from "./ufunc_methods.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = outer("subtract", fromArray([10, 20]), fromArray([1, 2, 3]));
 * if (String(r.toArray()) !== "9,8,7,19,18,17") throw new Error(`${r.toArray()}`);
 * ```
 */
export function outer(op: BinaryOp, a: Operand, b: Operand, options?: UfuncOptions): NDArray {
  const caller = `${op}.outer()`;
  checkOperand(caller, a, 0);
  checkOperand(caller, b, 1);
  const bnd = b instanceof NDArray ? b.ndim : 0;
  const av = a instanceof NDArray && bnd > 0
    ? a.slice("...", ...new Array<null>(bnd).fill(null))
    : a;
  return binaryUfunc(op, av, b, options);
}

function cumulative(op: "add" | "multiply", a: NDArray, options: AccumulateOptions): NDArray {
  const caller = op === "add" ? "cumsum()" : "cumprod()";
  checkArray(caller, a);
  checkKeys(caller, options, ["axis", "dtype"]);
  if (options.axis === null || options.axis === undefined) {
    const flat = a.isContiguous ? a.reshape([a.size]) : a.copy().reshape([a.size]);
    return accumulate(op, flat, { axis: 0, dtype: options.dtype });
  }
  axisOf(caller, options.axis, a.ndim);
  return accumulate(op, a, { axis: options.axis, dtype: options.dtype });
}

/**
 * Cumulative sum along an axis (NumPy's `cumsum`): bool and integers
 * narrower than 64 bits sum in int64 (unsigned in uint64).
 *
 * @param a The array.
 * @param options `axis` (default `null`: the flattened array) and `dtype`.
 * @returns The running sums.
 * @throws {RangeError} For an axis out of bounds.
 *
 * @example
 * ```ts
 * import { cumsum } from "./ufunc_methods.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = cumsum(fromArray([[true, false], [true, true]]));
 * if (r.dtype !== "int64" || String(r.toArray()) !== "1,1,2,3") throw new Error("bad");
 * ```
 */
export function cumsum(a: NDArray, options: AccumulateOptions = {}): NDArray {
  return cumulative("add", a, options);
}

/**
 * Cumulative product along an axis (NumPy's `cumprod`), with `cumsum`'s dtypes.
 *
 * @param a The array.
 * @param options `axis` (default `null`: the flattened array) and `dtype`.
 * @returns The running products.
 * @throws {RangeError} For an axis out of bounds.
 *
 * @example
 * ```ts
 * import { cumprod } from "./ufunc_methods.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = cumprod(fromArray([[1, 2], [3, 4]]), { axis: 1 });
 * if (String(r.toArray()) !== "1,2,3,12") throw new Error("bad");
 * ```
 */
export function cumprod(a: NDArray, options: AccumulateOptions = {}): NDArray {
  return cumulative("multiply", a, options);
}

/**
 * A binary ufunc by its NumPy name, with its methods (`reduce`,
 * `accumulate`, `outer`): how `core/ufunc.ts` defines `add`, `subtract`, ...
 *
 * @param op The NumPy name of the ufunc.
 * @returns The ufunc.
 *
 * @example
 * ```ts
 * import { binaryWithMethods } from "./ufunc_methods.ts";
 * import { fromArray } from "./ndarray.ts";
 * const add = binaryWithMethods("add");
 * if (Number(add.reduce(fromArray([1, 2, 3])).toArray()) !== 6) throw new Error("bad");
 * if (Number(add(1, 2).toArray()) !== 3) throw new Error("bad");
 * ```
 */
export function binaryWithMethods(op: BinaryOp): BinaryUfunc {
  const fn = (a: Operand, b: Operand, options?: UfuncOptions): NDArray =>
    binaryUfunc(op, a, b, options);
  Object.defineProperty(fn, "name", { value: op });
  const methods = {
    ufuncName: op,
    reduce(a: NDArray, options?: UfuncReduceOptions): NDArray {
      const d = dispatcher(a);
      return d ? d[ARRAY_UFUNC]("reduce", op, [options]) as NDArray : reduceUfunc(op, a, options);
    },
    accumulate(a: NDArray, options?: AccumulateOptions): NDArray {
      const d = dispatcher(a);
      return d
        ? d[ARRAY_UFUNC]("accumulate", op, [options]) as NDArray
        : accumulate(op, a, options);
    },
    outer(a: Operand, b: Operand, options?: UfuncOptions): NDArray {
      const d = dispatcher(a);
      return d ? d[ARRAY_UFUNC]("outer", op, [b, options]) as NDArray : outer(op, a, b, options);
    },
  };
  return Object.assign(fn, methods) as BinaryUfunc;
}
