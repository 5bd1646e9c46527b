// Unary element-wise kernels: one expression per op and loop dtype, compiled
// into monomorphic loops (see _codegen.ts), run over views of any layout.

import { type AnyTypedArray, type DType, type DTypeInfo, DTYPES } from "../dtype.ts";
import type { NDArray } from "../ndarray.ts";
import { forEachRun } from "../_iter.ts";
import { MIN_SUBARRAY_RUN, permute, unaryLoops, walkOrder } from "./_codegen.ts";
import type { OpKind } from "./binary.ts";
import { transcend, TRANSCEND_OPS, type TranscendOp } from "../_wasm/transcend.ts";

const SIMD_OPS = new Set<string>(TRANSCEND_OPS);

type Fl = Float64Array | Float32Array;

/**
 * One run of a float64/float32 transcendental op (TRANSCEND_OPS) through the SIMD kernel,
 * strided runs gathered first: every layout gets the same bits. False without
 * simd128.
 */
function simdRun(
  op: TranscendOp,
  od: Fl,
  io: number,
  so: number,
  ad: Fl,
  ia: number,
  sa: number,
  n: number,
): boolean {
  if (so === 1 && sa === 1) return transcend(op, od.subarray(io, io + n), ad.subarray(ia, ia + n));
  const t = ad instanceof Float32Array ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) t[i] = ad[ia + i * sa];
  if (!transcend(op, t, t)) return false;
  for (let i = 0; i < n; i++) od[io + i * so] = t[i];
  return true;
}

/** One unary op: its kind and its expression for a loop dtype. */
export interface UnarySpec {
  /** How the loop dtype is chosen (see {@link OpKind}); `predicate` computes in the input dtype. */
  readonly kind: OpKind;
  /** The expression in `x` for loop dtype `L` (a bigint when `L` is 64-bit integer). */
  readonly expr: (L: DType, info: DTypeInfo) => string;
}

const float = (fn: string): UnarySpec => ({ kind: "float", expr: () => `${fn}(x)` });
const isFloat = (i: DTypeInfo): boolean => i.kind === "f";

/** Every unary op, by NumPy name. */
export const UNARY_OPS = {
  absolute: {
    kind: "same",
    expr: (L, i) => (L === "bool" ? "x" : i.big ? "(x < 0n ? -x : x)" : "Math.abs(x)"),
  },
  negative: { kind: "noBoolError", expr: () => "-x" },
  sign: {
    kind: "noBoolError",
    expr: (_, i) =>
      i.big ? "(x > 0n ? 1n : x < 0n ? -1n : 0n)" : "(x > 0 ? 1 : x < 0 ? -1 : x === 0 ? 0 : x)",
  },
  sqrt: float("Math.sqrt"),
  square: {
    kind: "noBool",
    expr: (L) => (L === "int32" || L === "uint32" ? "Math.imul(x, x)" : "x * x"),
  },
  exp: float("Math.exp"),
  expm1: float("Math.expm1"),
  log: float("Math.log"),
  log1p: float("Math.log1p"),
  log10: float("Math.log10"),
  log2: float("Math.log2"),
  sin: float("Math.sin"),
  cos: float("Math.cos"),
  tan: float("Math.tan"),
  arcsin: float("Math.asin"),
  arccos: float("Math.acos"),
  arctan: float("Math.atan"),
  sinh: float("Math.sinh"),
  cosh: float("Math.cosh"),
  tanh: float("Math.tanh"),
  arcsinh: float("Math.asinh"),
  arccosh: float("Math.acosh"),
  arctanh: float("Math.atanh"),
  floor: { kind: "same", expr: (_, i) => (isFloat(i) ? "Math.floor(x)" : "x") },
  ceil: { kind: "same", expr: (_, i) => (isFloat(i) ? "Math.ceil(x)" : "x") },
  rint: float("rint"),
  reciprocal: {
    kind: "noBool",
    expr: (_, i) =>
      i.big
        ? "(x === 0n ? 0n : 1n / x)"
        : isFloat(i)
        ? "1 / x"
        : "(x === 0 ? 0 : Math.trunc(1 / x))",
  },
  invert: { kind: "bitwise", expr: (L) => (L === "bool" ? "x ^ 1" : "~x") },
  logical_not: {
    kind: "predicate",
    expr: (_, i) => (i.big ? "(x === 0n ? 1 : 0)" : "(x === 0 ? 1 : 0)"),
  },
  isnan: { kind: "predicate", expr: (_, i) => (isFloat(i) ? "(x !== x ? 1 : 0)" : "0") },
  isinf: {
    kind: "predicate",
    expr: (_, i) => (isFloat(i) ? "(x === Infinity || x === -Infinity ? 1 : 0)" : "0"),
  },
  isfinite: { kind: "predicate", expr: (_, i) => (isFloat(i) ? "(x - x === 0 ? 1 : 0)" : "1") },
} as const satisfies Record<string, UnarySpec>;

/** The NumPy name of a unary op. */
export type UnaryOp = keyof typeof UNARY_OPS;

/**
 * Computes `dest = op(a)` element-wise in loop dtype `L`. `a` must broadcast
 * to `dest.shape` and hold values representable in `L` (numbers for number
 * loops, bigints of `L`'s own class for 64-bit integer loops). `dest` must
 * not overlap `a` other than exactly.
 *
 * @param op The op's NumPy name.
 * @param L The loop dtype.
 * @param dest The output view.
 * @param a The operand.
 */
export function unaryKernel(op: UnaryOp, L: DType, dest: NDArray, a: NDArray): void {
  if (dest.size === 0) return;
  const inf: DTypeInfo = DTYPES[L];
  const spec: UnarySpec = UNARY_OPS[op];
  const va = a.broadcastTo(dest.shape);
  const od = dest.data as AnyTypedArray;
  const ad = va.data as AnyTypedArray;
  const loops = unaryLoops(
    `${op}|${L}|${od.constructor.name}|${ad.constructor.name}`,
    spec.expr(L, inf),
  );
  // float64/float32 exp, log, sin, tan, ...: the WebAssembly SIMD kernels (core/_wasm/transcend.ts)
  const simd = SIMD_OPS.has(op) &&
      ((od instanceof Float64Array && ad instanceof Float64Array) ||
        (od instanceof Float32Array && ad instanceof Float32Array))
    ? op as TranscendOp
    : null;
  const perm = walkOrder(dest.strides);
  forEachRun(
    permute(dest.shape, perm),
    [permute(dest.strides, perm), permute(va.strides, perm)],
    [dest.offset, va.offset],
    (off, n, inner) => {
      const io = off[0];
      const ia = off[1];
      if (
        simd !== null &&
        simdRun(simd, od as Fl, io, inner[0], ad as Fl, ia, inner[1], n)
      ) {
        return;
      }
      if (n >= MIN_SUBARRAY_RUN && inner[0] === 1 && inner[1] === 1) {
        loops.v(od.subarray(io, io + n), ad.subarray(ia, ia + n));
      } else {
        loops.st(od, io, inner[0], ad, ia, inner[1], n);
      }
    },
  );
}
