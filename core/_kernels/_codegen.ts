// Kernel generation for element-wise ops. Each op is one expression in `x`
// (and `y`); from it we compile, once per (op, loop dtype, typed-array
// classes), a small set of loops whose element accesses are monomorphic:
// V8 keeps one inline cache per function, so a loop shared between
// Float64Array and Int32Array callers runs 1.5-3x slower than a loop that
// only ever sees one class (measured: add and sqrt on 16M float64).
//
// The generated source is plain: `o[i] = <expr>` inside a `for` bounded by
// `o.length` (contiguous case) or by a count with running indices (strided
// case). Helpers the expressions call are passed in as closure constants, so
// V8 inlines them.

import type { AnyTypedArray } from "../dtype.ts";

/** Contiguous loop over two inputs: every array has the output's length. */
export type BinaryVV = (o: AnyTypedArray, a: AnyTypedArray, b: AnyTypedArray) => void;
/** Contiguous loop with a scalar second operand. */
export type BinaryVS = (o: AnyTypedArray, a: AnyTypedArray, y: number | bigint) => void;
/** Contiguous loop with a scalar first operand. */
export type BinarySV = (o: AnyTypedArray, x: number | bigint, b: AnyTypedArray) => void;
/** Strided loop: `n` elements from the given offsets with the given steps. */
export type BinaryST = (
  o: AnyTypedArray,
  io: number,
  so: number,
  a: AnyTypedArray,
  ia: number,
  sa: number,
  b: AnyTypedArray,
  ib: number,
  sb: number,
  n: number,
) => void;

/** The compiled loops of one binary op for one combination of classes. */
export interface BinaryLoops {
  vv: BinaryVV;
  vs: BinaryVS;
  sv: BinarySV;
  st: BinaryST;
}

/** The compiled loops of one unary op for one combination of classes. */
export interface UnaryLoops {
  v: (o: AnyTypedArray, a: AnyTypedArray) => void;
  st: (
    o: AnyTypedArray,
    io: number,
    so: number,
    a: AnyTypedArray,
    ia: number,
    sa: number,
    n: number,
  ) => void;
}

// Python/NumPy semantics that have no single JS operator. Numbers here are
// doubles holding the loop dtype's values; bigints are 64-bit integers.

/** Round half to even (`np.rint`). */
function rint(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** C `pow` (IEEE 754 `pow`): unlike `**`, 1 ** NaN and (-1) ** Infinity are 1. */
function fpow(x: number, y: number): number {
  if (y === 0 || x === 1) return 1;
  if (x === -1 && (y === Infinity || y === -Infinity)) return 1;
  return x ** y;
}

function negativePower(y: number | bigint): RangeError {
  return new RangeError(`Integers to negative integer powers are not allowed: exponent ${y}`);
}

/** Integer power modulo 2^32 (the store into the output wraps further). */
function ipow(x: number, y: number): number {
  if (y < 0) throw negativePower(y);
  let r = 1;
  let b = x | 0;
  let e = y;
  while (e > 0) {
    if (e % 2 === 1) r = Math.imul(r, b);
    b = Math.imul(b, b);
    e = Math.floor(e / 2);
  }
  return r;
}

/** Integer power modulo 2^64. */
function bpow(x: bigint, y: bigint): bigint {
  if (y < 0n) throw negativePower(y);
  let r = 1n;
  let b = BigInt.asUintN(64, x);
  let e = y;
  while (e > 0n) {
    if (e & 1n) r = BigInt.asUintN(64, r * b);
    b = BigInt.asUintN(64, b * b);
    e >>= 1n;
  }
  return r;
}

/** NumPy's float floor division (`npy_floor_divide`, via `npy_divmod`). */
function ffloordiv(a: number, b: number): number {
  if (b === 0) return a / b;
  const mod = a % b;
  let div = (a - mod) / b;
  if (mod !== 0 && (b < 0) !== (mod < 0)) div -= 1;
  if (div !== 0) {
    let fl = Math.floor(div);
    if (div - fl > 0.5) fl += 1;
    return fl;
  }
  const q = a / b;
  return q < 0 || Object.is(q, -0) ? -0 : 0;
}

/** NumPy's float remainder (`npy_remainder`): the sign of the divisor. */
function fremainder(a: number, b: number): number {
  if (b === 0) return a % b;
  let mod = a % b;
  if (mod !== 0) {
    if ((b < 0) !== (mod < 0)) mod += b;
  } else mod = b < 0 ? -0 : 0;
  return mod;
}

/** Integer floor division; division by zero gives 0 as in NumPy. */
function ifloordiv(a: number, b: number): number {
  return b === 0 ? 0 : Math.floor(a / b);
}

/** Integer remainder with the sign of the divisor; by zero gives 0. */
function iremainder(a: number, b: number): number {
  if (b === 0) return 0;
  const r = a % b;
  return r !== 0 && (r < 0) !== (b < 0) ? r + b : r;
}

function bfloordiv(a: bigint, b: bigint): bigint {
  if (b === 0n) return 0n;
  const q = a / b;
  return a % b !== 0n && (a < 0n) !== (b < 0n) ? q - 1n : q;
}

function bremainder(a: bigint, b: bigint): bigint {
  if (b === 0n) return 0n;
  const r = a % b;
  return r !== 0n && (r < 0n) !== (b < 0n) ? r + b : r;
}

/** The helpers every generated kernel can call by name. */
const HELPERS = {
  rint,
  fpow,
  ipow,
  bpow,
  ffloordiv,
  fremainder,
  ifloordiv,
  iremainder,
  bfloordiv,
  bremainder,
};

const HELPER_NAMES = Object.keys(HELPERS).join(", ");

const binaryCache = new Map<string, BinaryLoops>();
const unaryCache = new Map<string, UnaryLoops>();

function compile<T>(body: string): T {
  const factory = new Function(
    "h",
    `"use strict";\nconst { ${HELPER_NAMES} } = h;\n${body}`,
  ) as (helpers: typeof HELPERS) => unknown;
  return factory(HELPERS) as T;
}

/**
 * The loops of a binary expression for one combination of typed-array
 * classes, compiled on first use.
 *
 * @param key Unique name of the expression and classes (the cache key).
 * @param expr The expression in `x` and `y`.
 * @returns The compiled loops.
 */
export function binaryLoops(key: string, expr: string): BinaryLoops {
  let loops = binaryCache.get(key);
  if (loops === undefined) {
    loops = compile<BinaryLoops>(`
function vv(o, a, b) {
  const n = o.length;
  for (let i = 0; i < n; i++) { const x = a[i]; const y = b[i]; o[i] = ${expr}; }
}
function vs(o, a, y) {
  const n = o.length;
  for (let i = 0; i < n; i++) { const x = a[i]; o[i] = ${expr}; }
}
function sv(o, x, b) {
  const n = o.length;
  for (let i = 0; i < n; i++) { const y = b[i]; o[i] = ${expr}; }
}
function st(o, io, so, a, ia, sa, b, ib, sb, n) {
  for (let k = 0; k < n; k++, io += so, ia += sa, ib += sb) {
    const x = a[ia]; const y = b[ib]; o[io] = ${expr};
  }
}
return { vv, vs, sv, st };`);
    binaryCache.set(key, loops);
  }
  return loops;
}

/**
 * The loops of a unary expression for one combination of typed-array
 * classes, compiled on first use.
 *
 * @param key Unique name of the expression and classes (the cache key).
 * @param expr The expression in `x`.
 * @returns The compiled loops.
 */
export function unaryLoops(key: string, expr: string): UnaryLoops {
  let loops = unaryCache.get(key);
  if (loops === undefined) {
    loops = compile<UnaryLoops>(`
function v(o, a) {
  const n = o.length;
  for (let i = 0; i < n; i++) { const x = a[i]; o[i] = ${expr}; }
}
function st(o, io, so, a, ia, sa, n) {
  for (let k = 0; k < n; k++, io += so, ia += sa) { const x = a[ia]; o[io] = ${expr}; }
}
return { v, st };`);
    unaryCache.set(key, loops);
  }
  return loops;
}

/** Runs shorter than this use the strided loop: a `subarray` costs more than it saves. */
export const MIN_SUBARRAY_RUN = 32;

/**
 * The order in which to walk the axes of an element-wise op: by the
 * output's strides, largest first, so that an output laid out in Fortran
 * order (or any permutation) is still walked with unit inner stride.
 *
 * @param strides The output's strides.
 * @returns A permutation of the axes (identity for C order).
 */
export function walkOrder(strides: readonly number[]): number[] {
  const axes = strides.map((_, i) => i);
  let sorted = true;
  for (let i = 1; i < strides.length; i++) {
    if (Math.abs(strides[i - 1]) < Math.abs(strides[i])) sorted = false;
  }
  if (sorted) return axes;
  return axes.sort((p, q) => Math.abs(strides[q]) - Math.abs(strides[p]) || p - q);
}

/**
 * Applies a permutation to a list.
 *
 * @param list The list.
 * @param perm The permutation.
 * @returns `perm.map((i) => list[i])`.
 */
export function permute(list: readonly number[], perm: readonly number[]): number[] {
  return perm.map((i) => list[i]);
}
