/**
 * Element-wise functions with NumPy's semantics: broadcasting, type
 * promotion (JS scalars are "weak", as Python scalars are in NumPy 2), the
 * result dtypes of NumPy's loops, C wraparound for integers, exact 64-bit
 * integer arithmetic, and an `out` / `dtype` options object.
 *
 * Each function is a thin dispatcher: it resolves the loop dtype, then runs
 * a kernel from `core/_kernels/`.
 *
 * @example
 * ```ts
 * import { add, sqrt } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = sqrt(add(fromArray([[7], [14]], "float32"), fromArray([2, 11], "float32")));
 * if (r.dtype !== "float32" || r.get(1, 1) !== 5) throw new Error("bad");
 * ```
 *
 * @module
 */

import { type DType, type Scalar, toDType } from "./dtype.ts";
import type { NDArray } from "./ndarray.ts";
import { binaryUfunc, checkOperand, promoteOperands, whereUfunc } from "./_ufunc.ts";
import { type BinaryUfunc, binaryWithMethods } from "./ufunc_methods.ts";
import {
  absolute,
  arccos,
  arccosh,
  arcsin,
  arcsinh,
  arctan,
  arctanh,
  ceil,
  cos,
  cosh,
  exp,
  expm1,
  floor,
  invert,
  isfinite,
  isinf,
  isnan,
  log,
  log10,
  log1p,
  log2,
  logicalNot,
  negative,
  reciprocal,
  rint,
  sign,
  sin,
  sinh,
  sqrt,
  square,
  tan,
  tanh,
} from "./ufunc_unary.ts";

/** An operand of a ufunc: an array or a JS scalar (a "weak" scalar, as in NumPy 2). */
export type Operand = NDArray | Scalar;

/** Options every ufunc takes as its last argument. */
export interface UfuncOptions {
  /**
   * Where to write the result. It must have the broadcast shape; the result
   * is cast to its dtype (NumPy's `same_kind` rule) and it is returned.
   */
  readonly out?: NDArray;
  /**
   * The dtype to compute in and return (NumPy's `dtype=`). Inputs are cast
   * to it (`same_kind`). For comparisons and predicates only `bool` is
   * accepted.
   */
  readonly dtype?: DType;
}

export * from "./ufunc_unary.ts";
export {
  type AccumulateOptions,
  ARRAY_UFUNC,
  type BinaryUfunc,
  cumprod,
  cumsum,
  type UfuncDispatch,
  type UfuncMethod,
  type UfuncReduceOptions,
} from "./ufunc_methods.ts";

/**
 * Sum (logical OR for booleans; integers wrap) (NumPy's `add`).
 *
 * @param a First operand.
 * @param b Second operand.
 * @param options `out` and `dtype`.
 * @returns The broadcast result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { add } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = add(fromArray([1, 2], "int8"), 127);
 * if ([...r.flat()].join() !== "-128,-127") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export const add: BinaryUfunc = binaryWithMethods("add");

/**
 * Difference (integers wrap; bool is a TypeError) (NumPy's `subtract`).
 *
 * @param a First operand.
 * @param b Second operand.
 * @param options `out` and `dtype`.
 * @returns The broadcast result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { subtract } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = subtract(fromArray([5, 7]), fromArray([2, 10]));
 * if ([...r.flat()].join() !== "3,-3") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export const subtract: BinaryUfunc = binaryWithMethods("subtract");

/**
 * Product (logical AND for booleans; integers wrap) (NumPy's `multiply`).
 *
 * @param a First operand.
 * @param b Second operand.
 * @param options `out` and `dtype`.
 * @returns The broadcast result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { multiply } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = multiply(fromArray([3, 4]), 2);
 * if ([...r.flat()].join() !== "6,8") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export const multiply: BinaryUfunc = binaryWithMethods("multiply");

/**
 * True division: integers and bool compute in float64, floats in their own dtype (NumPy's
 * `divide`).
 *
 * @param a First operand.
 * @param b Second operand.
 * @param options `out` and `dtype`.
 * @returns The broadcast result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { divide } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = divide(fromArray([1, 3]), 2);
 * if ([...r.flat()].join() !== "0.5,1.5") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export const divide: BinaryUfunc = binaryWithMethods("divide");

/**
 * Floor division (Python's `//`): rounds toward minus infinity; integer division by zero gives 0
 * (NumPy's `floor_divide`).
 *
 * @param a First operand.
 * @param b Second operand.
 * @param options `out` and `dtype`.
 * @returns The broadcast result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { floorDivide } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = floorDivide(fromArray([7, -7]), 2);
 * if ([...r.flat()].join() !== "3,-4") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export const floorDivide: BinaryUfunc = binaryWithMethods("floor_divide");

/**
 * First operand to the power of the second; integers wrap, negative integer exponents are a
 * RangeError (NumPy's `power`).
 *
 * @param a First operand.
 * @param b Second operand.
 * @param options `out` and `dtype`.
 * @returns The broadcast result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { power } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = power(fromArray([2, 3]), 3);
 * if ([...r.flat()].join() !== "8,27") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export const power: BinaryUfunc = binaryWithMethods("power");

/**
 * Remainder with Python's sign rule (the sign of the divisor); integer remainder by zero gives 0
 * (NumPy's `remainder`).
 *
 * @param a First operand.
 * @param b Second operand.
 * @param options `out` and `dtype`.
 * @returns The broadcast result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { remainder } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = remainder(fromArray([7, -7]), 3);
 * if ([...r.flat()].join() !== "1,2") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export const remainder: BinaryUfunc = binaryWithMethods("remainder");

/**
 * Alias of {@link remainder}: remainder with the sign of the divisor (NumPy's `mod`).
 *
 * @param a First operand.
 * @param b Second operand.
 * @param options `out` and `dtype`.
 * @returns The broadcast result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { mod } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = mod(fromArray([7, -7]), -3);
 * if ([...r.flat()].join() !== "-2,-1") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export const mod: BinaryUfunc = binaryWithMethods("remainder");

/**
 * Remainder with C's sign rule (the sign of the dividend); integer remainder by zero gives 0
 * (NumPy's `fmod`).
 *
 * @param a First operand.
 * @param b Second operand.
 * @param options `out` and `dtype`.
 * @returns The broadcast result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { fmod } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = fmod(fromArray([7, -7]), 3);
 * if ([...r.flat()].join() !== "1,-1") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export const fmod: BinaryUfunc = binaryWithMethods("fmod");

/**
 * `sqrt(x*x + y*y)` without overflow (NumPy's `hypot`).
 *
 * @param a First operand.
 * @param b Second operand.
 * @param options `out` and `dtype`.
 * @returns The broadcast result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { hypot } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = hypot(fromArray([3, 5]), fromArray([4, 12]));
 * if ([...r.flat()].join() !== "5,13") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export const hypot: BinaryUfunc = binaryWithMethods("hypot");

/**
 * The angle of the point (y = first, x = second), in radians, with the quadrant (NumPy's
 * `arctan2`).
 *
 * @param a First operand.
 * @param b Second operand.
 * @param options `out` and `dtype`.
 * @returns The broadcast result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { arctan2 } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = arctan2(fromArray([0, 1]), 1);
 * if ([...r.flat()].join() !== "0,0.7853981633974483") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export const arctan2: BinaryUfunc = binaryWithMethods("arctan2");

/**
 * Element-wise minimum; NaN propagates (NumPy's `minimum`).
 *
 * @param a First operand.
 * @param b Second operand.
 * @param options `out` and `dtype`.
 * @returns The broadcast result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { minimum } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = minimum(fromArray([1, NaN, 5]), 3);
 * if ([...r.flat()].join() !== "1,NaN,3") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export const minimum: BinaryUfunc = binaryWithMethods("minimum");

/**
 * Element-wise maximum; NaN propagates (NumPy's `maximum`).
 *
 * @param a First operand.
 * @param b Second operand.
 * @param options `out` and `dtype`.
 * @returns The broadcast result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { maximum } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = maximum(fromArray([1, NaN, 5]), 3);
 * if ([...r.flat()].join() !== "3,NaN,5") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export const maximum: BinaryUfunc = binaryWithMethods("maximum");

/**
 * Bitwise AND of integers or booleans (NumPy's `bitwise_and`).
 *
 * @param a First operand.
 * @param b Second operand.
 * @param options `out` and `dtype`.
 * @returns The broadcast result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { bitwiseAnd } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = bitwiseAnd(fromArray([12, 10], "uint8"), 6);
 * if ([...r.flat()].join() !== "4,2") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export const bitwiseAnd: BinaryUfunc = binaryWithMethods("bitwise_and");

/**
 * Bitwise OR of integers or booleans (NumPy's `bitwise_or`).
 *
 * @param a First operand.
 * @param b Second operand.
 * @param options `out` and `dtype`.
 * @returns The broadcast result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { bitwiseOr } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = bitwiseOr(fromArray([12, 10], "uint8"), 6);
 * if ([...r.flat()].join() !== "14,14") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export const bitwiseOr: BinaryUfunc = binaryWithMethods("bitwise_or");

/**
 * Bitwise XOR of integers or booleans (NumPy's `bitwise_xor`).
 *
 * @param a First operand.
 * @param b Second operand.
 * @param options `out` and `dtype`.
 * @returns The broadcast result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { bitwiseXor } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = bitwiseXor(fromArray([12, 10], "uint8"), 6);
 * if ([...r.flat()].join() !== "10,12") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export const bitwiseXor: BinaryUfunc = binaryWithMethods("bitwise_xor");

/**
 * Shift the bits left (shifts of the bit width or more give 0) (NumPy's `left_shift`).
 *
 * @param a First operand.
 * @param b Second operand.
 * @param options `out` and `dtype`.
 * @returns The broadcast result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { leftShift } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = leftShift(fromArray([1, 3], "int8"), fromArray([7, 1], "int8"));
 * if ([...r.flat()].join() !== "-128,6") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export const leftShift: BinaryUfunc = binaryWithMethods("left_shift");

/**
 * Shift the bits right, arithmetic for signed integers (NumPy's `right_shift`).
 *
 * @param a First operand.
 * @param b Second operand.
 * @param options `out` and `dtype`.
 * @returns The broadcast result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { rightShift } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = rightShift(fromArray([-8, 8], "int16"), 2);
 * if ([...r.flat()].join() !== "-2,2") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export const rightShift: BinaryUfunc = binaryWithMethods("right_shift");

/**
 * Logical AND of truth values; the result is bool (NumPy's `logical_and`).
 *
 * @param a First operand.
 * @param b Second operand.
 * @param options `out` and `dtype`.
 * @returns The broadcast result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { logicalAnd } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = logicalAnd(fromArray([0, 1, 2]), 1);
 * if ([...r.flat()].join() !== "false,true,true") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export const logicalAnd: BinaryUfunc = binaryWithMethods("logical_and");

/**
 * Logical OR of truth values; the result is bool (NumPy's `logical_or`).
 *
 * @param a First operand.
 * @param b Second operand.
 * @param options `out` and `dtype`.
 * @returns The broadcast result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { logicalOr } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = logicalOr(fromArray([0, 0, 2]), fromArray([0, 1, 0]));
 * if ([...r.flat()].join() !== "false,true,true") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export const logicalOr: BinaryUfunc = binaryWithMethods("logical_or");

/**
 * Logical XOR of truth values; the result is bool (NumPy's `logical_xor`).
 *
 * @param a First operand.
 * @param b Second operand.
 * @param options `out` and `dtype`.
 * @returns The broadcast result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { logicalXor } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = logicalXor(fromArray([0, 1, 2]), true);
 * if ([...r.flat()].join() !== "true,false,false") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export const logicalXor: BinaryUfunc = binaryWithMethods("logical_xor");

/**
 * `x == y`; the result is bool (NumPy's `equal`).
 *
 * @param a First operand.
 * @param b Second operand.
 * @param options `out` and `dtype`.
 * @returns The broadcast result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { equal } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = equal(fromArray([1, 2]), 2);
 * if ([...r.flat()].join() !== "false,true") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export const equal: BinaryUfunc = binaryWithMethods("equal");

/**
 * `x != y`; the result is bool (NumPy's `not_equal`).
 *
 * @param a First operand.
 * @param b Second operand.
 * @param options `out` and `dtype`.
 * @returns The broadcast result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { notEqual } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = notEqual(fromArray([1, 2]), 2);
 * if ([...r.flat()].join() !== "true,false") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export const notEqual: BinaryUfunc = binaryWithMethods("not_equal");

/**
 * `x < y`; the result is bool (NumPy's `less`).
 *
 * @param a First operand.
 * @param b Second operand.
 * @param options `out` and `dtype`.
 * @returns The broadcast result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { less } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = less(fromArray([1, 2]), 2);
 * if ([...r.flat()].join() !== "true,false") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export const less: BinaryUfunc = binaryWithMethods("less");

/**
 * `x <= y`; the result is bool (NumPy's `less_equal`).
 *
 * @param a First operand.
 * @param b Second operand.
 * @param options `out` and `dtype`.
 * @returns The broadcast result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { lessEqual } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = lessEqual(fromArray([1, 3]), 2);
 * if ([...r.flat()].join() !== "true,false") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export const lessEqual: BinaryUfunc = binaryWithMethods("less_equal");

/**
 * `x > y`; the result is bool (NumPy's `greater`).
 *
 * @param a First operand.
 * @param b Second operand.
 * @param options `out` and `dtype`.
 * @returns The broadcast result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { greater } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = greater(fromArray([1, 3]), 2);
 * if ([...r.flat()].join() !== "false,true") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export const greater: BinaryUfunc = binaryWithMethods("greater");

/**
 * `x >= y`; the result is bool (NumPy's `greater_equal`).
 *
 * @param a First operand.
 * @param b Second operand.
 * @param options `out` and `dtype`.
 * @returns The broadcast result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { greaterEqual } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = greaterEqual(fromArray([1, 2]), 2);
 * if ([...r.flat()].join() !== "false,true") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export const greaterEqual: BinaryUfunc = binaryWithMethods("greater_equal");

/**
 * Chooses element-wise between two operands: `a` where `cond` is true
 * (non-zero), `b` elsewhere (NumPy's three-argument `where`). The result
 * dtype promotes `a` and `b` (scalars weak); all three broadcast.
 *
 * @param cond The condition (any dtype: non-zero is true).
 * @param a Values where the condition holds.
 * @param b Values elsewhere.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { greater, where } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const x = fromArray([-2, 3, -1]);
 * const r = where(greater(x, 0), x, 0);
 * if ([...r.flat()].join() !== "0,3,0") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function where(cond: Operand, a: Operand, b: Operand, options: UfuncOptions = {}): NDArray {
  return whereUfunc(cond, a, b, options);
}

/**
 * Limits values to `[min, max]` (NumPy's `clip`: `minimum(maximum(a, min),
 * max)`, so NaN propagates and `min > max` gives `max`). Either bound may be
 * null. The result dtype promotes all three (scalars weak).
 *
 * @param a The values.
 * @param min The lower bound, or null for none.
 * @param max The upper bound, or null for none.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { clip } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = clip(fromArray([-5, 0.5, 9]), 0, 1);
 * if ([...r.flat()].join() !== "0,0.5,1") throw new Error(`got ${[...r.flat()]}`);
 * const s = clip(fromArray([-5, 9], "int16"), null, 3);
 * if (s.dtype !== "int16" || [...s.flat()].join() !== "-5,3") throw new Error("bad");
 * ```
 */
export function clip(
  a: Operand,
  min: Operand | null,
  max: Operand | null,
  options: UfuncOptions = {},
): NDArray {
  checkOperand("clip", a, 0);
  if (min !== null) checkOperand("clip", min, 1);
  if (max !== null) checkOperand("clip", max, 2);
  const present = [a, min, max].filter((x): x is Operand => x !== null);
  const dtype = options.dtype === undefined ? promoteOperands(present) : toDType(options.dtype);
  if (min === null && max === null) {
    return where(true, a, a, { out: options.out, dtype });
  }
  let r: Operand = a;
  if (min !== null) {
    r = binaryUfunc("maximum", r, min, { dtype, out: max === null ? options.out : undefined });
  }
  if (max !== null) r = binaryUfunc("minimum", r, max, { dtype, out: options.out });
  return r as NDArray;
}

/** One entry of {@link UFUNCS}: the function and how many operands it takes. */
export interface UfuncEntry {
  /** The function; operands only (use the named export to pass options). */
  readonly fn: (...operands: Operand[]) => NDArray;
  /** Number of operands. */
  readonly arity: 1 | 2 | 3;
}

/**
 * Every element-wise function by its NumPy name (`"floor_divide"`,
 * `"logical_and"`, and NumPy's aliases `abs`, `mod`, `true_divide`,
 * `bitwise_not`), for expression parsers.
 *
 * @example
 * ```ts
 * import { UFUNCS } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const { fn, arity } = UFUNCS["floor_divide"];
 * if (arity !== 2 || fn(fromArray([7]), 2).get(0) !== 3n) throw new Error("bad");
 * ```
 */
export const UFUNCS: Readonly<Record<string, UfuncEntry>> = Object.freeze({
  absolute: { fn: (x: Operand) => absolute(x), arity: 1 },
  negative: { fn: (x: Operand) => negative(x), arity: 1 },
  sign: { fn: (x: Operand) => sign(x), arity: 1 },
  sqrt: { fn: (x: Operand) => sqrt(x), arity: 1 },
  square: { fn: (x: Operand) => square(x), arity: 1 },
  exp: { fn: (x: Operand) => exp(x), arity: 1 },
  expm1: { fn: (x: Operand) => expm1(x), arity: 1 },
  log: { fn: (x: Operand) => log(x), arity: 1 },
  log1p: { fn: (x: Operand) => log1p(x), arity: 1 },
  log10: { fn: (x: Operand) => log10(x), arity: 1 },
  log2: { fn: (x: Operand) => log2(x), arity: 1 },
  sin: { fn: (x: Operand) => sin(x), arity: 1 },
  cos: { fn: (x: Operand) => cos(x), arity: 1 },
  tan: { fn: (x: Operand) => tan(x), arity: 1 },
  arcsin: { fn: (x: Operand) => arcsin(x), arity: 1 },
  arccos: { fn: (x: Operand) => arccos(x), arity: 1 },
  arctan: { fn: (x: Operand) => arctan(x), arity: 1 },
  sinh: { fn: (x: Operand) => sinh(x), arity: 1 },
  cosh: { fn: (x: Operand) => cosh(x), arity: 1 },
  tanh: { fn: (x: Operand) => tanh(x), arity: 1 },
  arcsinh: { fn: (x: Operand) => arcsinh(x), arity: 1 },
  arccosh: { fn: (x: Operand) => arccosh(x), arity: 1 },
  arctanh: { fn: (x: Operand) => arctanh(x), arity: 1 },
  floor: { fn: (x: Operand) => floor(x), arity: 1 },
  ceil: { fn: (x: Operand) => ceil(x), arity: 1 },
  rint: { fn: (x: Operand) => rint(x), arity: 1 },
  reciprocal: { fn: (x: Operand) => reciprocal(x), arity: 1 },
  invert: { fn: (x: Operand) => invert(x), arity: 1 },
  logical_not: { fn: (x: Operand) => logicalNot(x), arity: 1 },
  isnan: { fn: (x: Operand) => isnan(x), arity: 1 },
  isinf: { fn: (x: Operand) => isinf(x), arity: 1 },
  isfinite: { fn: (x: Operand) => isfinite(x), arity: 1 },
  abs: { fn: (x: Operand) => absolute(x), arity: 1 },
  bitwise_not: { fn: (x: Operand) => invert(x), arity: 1 },
  add: { fn: (a: Operand, b: Operand) => add(a, b), arity: 2 },
  subtract: { fn: (a: Operand, b: Operand) => subtract(a, b), arity: 2 },
  multiply: { fn: (a: Operand, b: Operand) => multiply(a, b), arity: 2 },
  divide: { fn: (a: Operand, b: Operand) => divide(a, b), arity: 2 },
  floor_divide: { fn: (a: Operand, b: Operand) => floorDivide(a, b), arity: 2 },
  power: { fn: (a: Operand, b: Operand) => power(a, b), arity: 2 },
  remainder: { fn: (a: Operand, b: Operand) => remainder(a, b), arity: 2 },
  mod: { fn: (a: Operand, b: Operand) => mod(a, b), arity: 2 },
  fmod: { fn: (a: Operand, b: Operand) => fmod(a, b), arity: 2 },
  hypot: { fn: (a: Operand, b: Operand) => hypot(a, b), arity: 2 },
  arctan2: { fn: (a: Operand, b: Operand) => arctan2(a, b), arity: 2 },
  minimum: { fn: (a: Operand, b: Operand) => minimum(a, b), arity: 2 },
  maximum: { fn: (a: Operand, b: Operand) => maximum(a, b), arity: 2 },
  bitwise_and: { fn: (a: Operand, b: Operand) => bitwiseAnd(a, b), arity: 2 },
  bitwise_or: { fn: (a: Operand, b: Operand) => bitwiseOr(a, b), arity: 2 },
  bitwise_xor: { fn: (a: Operand, b: Operand) => bitwiseXor(a, b), arity: 2 },
  left_shift: { fn: (a: Operand, b: Operand) => leftShift(a, b), arity: 2 },
  right_shift: { fn: (a: Operand, b: Operand) => rightShift(a, b), arity: 2 },
  logical_and: { fn: (a: Operand, b: Operand) => logicalAnd(a, b), arity: 2 },
  logical_or: { fn: (a: Operand, b: Operand) => logicalOr(a, b), arity: 2 },
  logical_xor: { fn: (a: Operand, b: Operand) => logicalXor(a, b), arity: 2 },
  equal: { fn: (a: Operand, b: Operand) => equal(a, b), arity: 2 },
  not_equal: { fn: (a: Operand, b: Operand) => notEqual(a, b), arity: 2 },
  less: { fn: (a: Operand, b: Operand) => less(a, b), arity: 2 },
  less_equal: { fn: (a: Operand, b: Operand) => lessEqual(a, b), arity: 2 },
  greater: { fn: (a: Operand, b: Operand) => greater(a, b), arity: 2 },
  greater_equal: { fn: (a: Operand, b: Operand) => greaterEqual(a, b), arity: 2 },
  true_divide: { fn: (a: Operand, b: Operand) => divide(a, b), arity: 2 },
  where: { fn: (c: Operand, a: Operand, b: Operand) => where(c, a, b), arity: 3 },
  clip: { fn: (a: Operand, lo: Operand, hi: Operand) => clip(a, lo, hi), arity: 3 },
});
