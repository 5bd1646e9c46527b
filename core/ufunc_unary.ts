// The one-operand ufuncs, re-exported by core/ufunc.ts (their examples import from there).

import type { NDArray } from "./ndarray.ts";
import { unaryUfunc } from "./_ufunc.ts";
import type { Operand, UfuncOptions } from "./ufunc.ts";

/**
 * Absolute value; the most negative integer stays itself (C wraparound) (NumPy's `absolute`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { absolute } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = absolute(fromArray([-2, 3], "int8"));
 * if ([...r.flat()].join() !== "2,3") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function absolute(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("absolute", x, options);
}

/**
 * Numerical negative; unsigned integers wrap, bool is a TypeError (NumPy's `negative`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { negative } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = negative(fromArray([1, -2], "int16"));
 * if ([...r.flat()].join() !== "-1,2") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function negative(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("negative", x, options);
}

/**
 * Sign: -1, 0 or 1 (NaN stays NaN); bool is a TypeError (NumPy's `sign`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { sign } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = sign(fromArray([-5, 0, 7]));
 * if ([...r.flat()].join() !== "-1,0,1") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function sign(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("sign", x, options);
}

/**
 * Square root; integers compute in the smallest float that holds them (NumPy's `sqrt`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { sqrt } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = sqrt(fromArray([1, 4, 9], "float32"));
 * if ([...r.flat()].join() !== "1,2,3") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function sqrt(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("sqrt", x, options);
}

/**
 * The square, `x * x` (integers wrap) (NumPy's `square`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { square } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = square(fromArray([3, -4], "int8"));
 * if ([...r.flat()].join() !== "9,16") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function square(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("square", x, options);
}

/**
 * e to the power x (NumPy's `exp`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { exp } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = exp(fromArray([0]));
 * if ([...r.flat()].join() !== "1") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function exp(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("exp", x, options);
}

/**
 * `exp(x) - 1`, accurate near zero (NumPy's `expm1`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { expm1 } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = expm1(fromArray([0]));
 * if ([...r.flat()].join() !== "0") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function expm1(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("expm1", x, options);
}

/**
 * Natural logarithm (NumPy's `log`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { log } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = log(fromArray([1]));
 * if ([...r.flat()].join() !== "0") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function log(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("log", x, options);
}

/**
 * `log(1 + x)`, accurate near zero (NumPy's `log1p`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { log1p } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = log1p(fromArray([0]));
 * if ([...r.flat()].join() !== "0") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function log1p(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("log1p", x, options);
}

/**
 * Base-10 logarithm (NumPy's `log10`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { log10 } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = log10(fromArray([1, 100]));
 * if ([...r.flat()].join() !== "0,2") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function log10(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("log10", x, options);
}

/**
 * Base-2 logarithm (NumPy's `log2`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { log2 } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = log2(fromArray([1, 8]));
 * if ([...r.flat()].join() !== "0,3") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function log2(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("log2", x, options);
}

/**
 * Sine (radians) (NumPy's `sin`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { sin } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = sin(fromArray([0]));
 * if ([...r.flat()].join() !== "0") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function sin(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("sin", x, options);
}

/**
 * Cosine (radians) (NumPy's `cos`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { cos } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = cos(fromArray([0]));
 * if ([...r.flat()].join() !== "1") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function cos(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("cos", x, options);
}

/**
 * Tangent (radians) (NumPy's `tan`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { tan } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = tan(fromArray([0]));
 * if ([...r.flat()].join() !== "0") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function tan(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("tan", x, options);
}

/**
 * Inverse sine (NumPy's `arcsin`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { arcsin } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = arcsin(fromArray([0]));
 * if ([...r.flat()].join() !== "0") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function arcsin(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("arcsin", x, options);
}

/**
 * Inverse cosine (NumPy's `arccos`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { arccos } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = arccos(fromArray([1]));
 * if ([...r.flat()].join() !== "0") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function arccos(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("arccos", x, options);
}

/**
 * Inverse tangent (NumPy's `arctan`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { arctan } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = arctan(fromArray([0]));
 * if ([...r.flat()].join() !== "0") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function arctan(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("arctan", x, options);
}

/**
 * Hyperbolic sine (NumPy's `sinh`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { sinh } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = sinh(fromArray([0]));
 * if ([...r.flat()].join() !== "0") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function sinh(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("sinh", x, options);
}

/**
 * Hyperbolic cosine (NumPy's `cosh`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { cosh } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = cosh(fromArray([0]));
 * if ([...r.flat()].join() !== "1") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function cosh(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("cosh", x, options);
}

/**
 * Hyperbolic tangent (NumPy's `tanh`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { tanh } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = tanh(fromArray([0]));
 * if ([...r.flat()].join() !== "0") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function tanh(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("tanh", x, options);
}

/**
 * Inverse hyperbolic sine (NumPy's `arcsinh`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { arcsinh } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = arcsinh(fromArray([0]));
 * if ([...r.flat()].join() !== "0") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function arcsinh(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("arcsinh", x, options);
}

/**
 * Inverse hyperbolic cosine (NumPy's `arccosh`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { arccosh } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = arccosh(fromArray([1]));
 * if ([...r.flat()].join() !== "0") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function arccosh(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("arccosh", x, options);
}

/**
 * Inverse hyperbolic tangent (NumPy's `arctanh`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { arctanh } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = arctanh(fromArray([0]));
 * if ([...r.flat()].join() !== "0") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function arctanh(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("arctanh", x, options);
}

/**
 * Floor (largest integer not above x); integers are returned unchanged (NumPy's `floor`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { floor } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = floor(fromArray([-1.5, 2.5]));
 * if ([...r.flat()].join() !== "-2,2") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function floor(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("floor", x, options);
}

/**
 * Ceiling (smallest integer not below x); integers are returned unchanged (NumPy's `ceil`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { ceil } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = ceil(fromArray([-1.5, 2.5]));
 * if ([...r.flat()].join() !== "-1,3") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function ceil(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("ceil", x, options);
}

/**
 * Round to the nearest integer, halves to even (NumPy's `rint`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { rint } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = rint(fromArray([0.5, 1.5, -2.5]));
 * if ([...r.flat()].join() !== "0,2,-2") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function rint(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("rint", x, options);
}

/**
 * `1 / x`; integers use integer division (so most give 0) (NumPy's `reciprocal`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { reciprocal } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = reciprocal(fromArray([2, 0.5]));
 * if ([...r.flat()].join() !== "0.5,2") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function reciprocal(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("reciprocal", x, options);
}

/**
 * Bitwise NOT of integers; logical NOT of booleans; floats are a TypeError (NumPy's `invert`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { invert } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = invert(fromArray([0, 5], "uint8"));
 * if ([...r.flat()].join() !== "255,250") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function invert(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("invert", x, options);
}

/**
 * Logical NOT (true where x is zero); the result is bool (NumPy's `logical_not`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { logicalNot } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = logicalNot(fromArray([0, 2]));
 * if ([...r.flat()].join() !== "true,false") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function logicalNot(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("logical_not", x, options);
}

/**
 * True where x is NaN; the result is bool (NumPy's `isnan`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { isnan } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = isnan(fromArray([1, NaN]));
 * if ([...r.flat()].join() !== "false,true") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function isnan(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("isnan", x, options);
}

/**
 * True where x is positive or negative infinity; the result is bool (NumPy's `isinf`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { isinf } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = isinf(fromArray([1, -Infinity]));
 * if ([...r.flat()].join() !== "false,true") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function isinf(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("isinf", x, options);
}

/**
 * True where x is neither infinite nor NaN; the result is bool (NumPy's `isfinite`).
 *
 * @param x The operand.
 * @param options `out` and `dtype`.
 * @returns The result (`options.out` when given).
 *
 * @example
 * ```ts
 * import { isfinite } from "./ufunc.ts";
 * import { fromArray } from "./ndarray.ts";
 * const r = isfinite(fromArray([1, Infinity, NaN]));
 * if ([...r.flat()].join() !== "true,false,false") throw new Error(`got ${[...r.flat()]}`);
 * ```
 */
export function isfinite(x: Operand, options?: UfuncOptions): NDArray {
  return unaryUfunc("isfinite", x, options);
}
