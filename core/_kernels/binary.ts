// Binary element-wise kernels: one expression per op and loop dtype, compiled
// into monomorphic loops (see _codegen.ts), run over views of any layout.

import { type AnyTypedArray, type DType, type DTypeInfo, DTYPES } from "../dtype.ts";
import { NDArray } from "../ndarray.ts";
import { forEachRun } from "../_iter.ts";
import { binaryLoops, MIN_SUBARRAY_RUN, permute, walkOrder } from "./_codegen.ts";

/**
 * How an op picks its loop and result dtypes from the promoted input dtype P
 * (NumPy's loop tables, summarised):
 * - `same`: P (bool stays bool);
 * - `noBool`: P, but bool computes as int8;
 * - `noBoolError`: P, bool is a TypeError (subtract, negative, sign);
 * - `float`: the smallest float that holds P (int8 -> float16, int16 -> float32, ...);
 * - `divide`: P when it is a float, float64 otherwise;
 * - `compare` / `logical`: computed in P, result bool;
 * - `bitwise`: P, floats are a TypeError;
 * - `shift`: P, floats are a TypeError, bool computes as int8.
 */
export type OpKind =
  | "same"
  | "noBool"
  | "noBoolError"
  | "float"
  | "divide"
  | "compare"
  | "logical"
  | "bitwise"
  | "shift"
  | "predicate";

/** One binary op: its kind and its expression for a loop dtype. */
export interface BinarySpec {
  /** How the loop dtype is chosen. */
  readonly kind: OpKind;
  /** The expression in `x` and `y` for loop dtype `L` (bigints when `L` is 64-bit integer). */
  readonly expr: (L: DType, info: DTypeInfo) => string;
}

const isFloat = (i: DTypeInfo): boolean => i.kind === "f";
const is32 = (L: DType): boolean => L === "int32" || L === "uint32";
const bits = (i: DTypeInfo): number => i.bytes * 8;

/** Every binary op, by NumPy name. */
export const BINARY_OPS = {
  add: { kind: "same", expr: (L) => (L === "bool" ? "x | y" : "x + y") },
  subtract: { kind: "noBoolError", expr: () => "x - y" },
  multiply: {
    kind: "same",
    expr: (L) => (L === "bool" ? "x & y" : is32(L) ? "Math.imul(x, y)" : "x * y"),
  },
  divide: { kind: "divide", expr: () => "x / y" },
  floor_divide: {
    kind: "noBool",
    expr: (_, i) => i.big ? "bfloordiv(x, y)" : isFloat(i) ? "ffloordiv(x, y)" : "ifloordiv(x, y)",
  },
  power: {
    kind: "noBool",
    expr: (_, i) => (i.big ? "bpow(x, y)" : isFloat(i) ? "fpow(x, y)" : "ipow(x, y)"),
  },
  remainder: {
    kind: "noBool",
    expr: (_, i) =>
      i.big ? "bremainder(x, y)" : isFloat(i) ? "fremainder(x, y)" : "iremainder(x, y)",
  },
  fmod: {
    kind: "noBool",
    expr: (_, i) =>
      i.big ? "(y === 0n ? 0n : x % y)" : isFloat(i) ? "x % y" : "(y === 0 ? 0 : x % y)",
  },
  hypot: { kind: "float", expr: () => "Math.hypot(x, y)" },
  arctan2: { kind: "float", expr: () => "Math.atan2(x, y)" },
  minimum: {
    kind: "same",
    expr: (_, i) => (isFloat(i) ? "(x < y || x !== x ? x : y)" : "(x < y ? x : y)"),
  },
  maximum: {
    kind: "same",
    expr: (_, i) => (isFloat(i) ? "(x > y || x !== x ? x : y)" : "(x > y ? x : y)"),
  },
  bitwise_and: { kind: "bitwise", expr: () => "x & y" },
  bitwise_or: { kind: "bitwise", expr: () => "x | y" },
  bitwise_xor: { kind: "bitwise", expr: () => "x ^ y" },
  left_shift: {
    kind: "shift",
    expr: (_, i) =>
      i.big ? "(y >= 0n && y < 64n ? x << y : 0n)" : `(y >= 0 && y < ${bits(i)} ? x << y : 0)`,
  },
  right_shift: {
    kind: "shift",
    expr: (_, i) => {
      if (i.big) {
        return i.kind === "u"
          ? "(y < 64n ? x >> y : 0n)"
          : "(y >= 0n && y < 64n ? x >> y : (x < 0n ? -1n : 0n))";
      }
      return i.kind === "u"
        ? `(y < ${bits(i)} ? x >>> y : 0)`
        : `(y >= 0 && y < ${bits(i)} ? x >> y : (x < 0 ? -1 : 0))`;
    },
  },
  logical_and: {
    kind: "logical",
    expr: (_, i) => (i.big ? "(x !== 0n && y !== 0n ? 1 : 0)" : "(x !== 0 && y !== 0 ? 1 : 0)"),
  },
  logical_or: {
    kind: "logical",
    expr: (_, i) => (i.big ? "(x !== 0n || y !== 0n ? 1 : 0)" : "(x !== 0 || y !== 0 ? 1 : 0)"),
  },
  logical_xor: {
    kind: "logical",
    expr: (_, i) =>
      i.big ? "((x !== 0n) !== (y !== 0n) ? 1 : 0)" : "((x !== 0) !== (y !== 0) ? 1 : 0)",
  },
  equal: { kind: "compare", expr: () => "(x === y ? 1 : 0)" },
  not_equal: { kind: "compare", expr: () => "(x !== y ? 1 : 0)" },
  less: { kind: "compare", expr: () => "(x < y ? 1 : 0)" },
  less_equal: { kind: "compare", expr: () => "(x <= y ? 1 : 0)" },
  greater: { kind: "compare", expr: () => "(x > y ? 1 : 0)" },
  greater_equal: { kind: "compare", expr: () => "(x >= y ? 1 : 0)" },
} as const satisfies Record<string, BinarySpec>;

/** The NumPy name of a binary op. */
export type BinaryOp = keyof typeof BINARY_OPS;

/** An operand of a kernel: a view, or a scalar already in the loop's representation. */
export type KernelOperand = NDArray | number | bigint;

function asView(x: KernelOperand, L: DType, shape: readonly number[]): NDArray {
  if (typeof x === "object") return x.broadcastTo(shape);
  return scalarView(x, L, shape);
}

/**
 * A scalar in a loop's representation seen as an array of `shape` (a
 * one-element buffer with every stride 0).
 *
 * @param x The scalar (a bigint for 64-bit integer loops, else a number).
 * @param L The loop dtype.
 * @param shape The shape to broadcast to.
 * @returns The view.
 */
export function scalarView(x: number | bigint, L: DType, shape: readonly number[]): NDArray {
  const inf: DTypeInfo = DTYPES[L];
  const data = inf.big ? new inf.array(1) : new Float64Array(1);
  (data as AnyTypedArray)[0] = x as never;
  return new NDArray(inf.big ? L : "float64", data as never, shape, shape.map(() => 0), 0);
}

/**
 * Computes `dest = op(a, b)` element-wise in loop dtype `L`. Array operands
 * must broadcast to `dest.shape` and hold values representable in `L`
 * (numbers for number loops, bigints of `L`'s own class for 64-bit integer
 * loops); scalars must already be in that representation. `dest` must not
 * overlap an operand other than exactly.
 *
 * @param op The op's NumPy name.
 * @param L The loop dtype.
 * @param dest The output view.
 * @param a First operand.
 * @param b Second operand.
 */
export function binaryKernel(
  op: BinaryOp,
  L: DType,
  dest: NDArray,
  a: KernelOperand,
  b: KernelOperand,
): void {
  if (dest.size === 0) return;
  const inf: DTypeInfo = DTYPES[L];
  const spec: BinarySpec = BINARY_OPS[op];
  const expr = spec.expr(L, inf);
  const va = asView(a, L, dest.shape);
  const vb = asView(b, L, dest.shape);
  const od = dest.data as AnyTypedArray;
  const ad = va.data as AnyTypedArray;
  const bd = vb.data as AnyTypedArray;
  const key = `${op}|${L}|${od.constructor.name}|${ad.constructor.name}|${bd.constructor.name}`;
  const loops = binaryLoops(key, expr);
  const perm = walkOrder(dest.strides);
  const shape = permute(dest.shape, perm);
  forEachRun(
    shape,
    [permute(dest.strides, perm), permute(va.strides, perm), permute(vb.strides, perm)],
    [dest.offset, va.offset, vb.offset],
    (off, n, inner) => {
      const io = off[0];
      const ia = off[1];
      const ib = off[2];
      const so = inner[0];
      const sa = inner[1];
      const sb = inner[2];
      if (n >= MIN_SUBARRAY_RUN && so === 1) {
        const o = od.subarray(io, io + n);
        if (sa === 1 && sb === 1) {
          loops.vv(o, ad.subarray(ia, ia + n), bd.subarray(ib, ib + n));
          return;
        }
        if (sa === 1 && sb === 0) {
          loops.vs(o, ad.subarray(ia, ia + n), bd[ib]);
          return;
        }
        if (sa === 0 && sb === 1) {
          loops.sv(o, ad[ia], bd.subarray(ib, ib + n));
          return;
        }
      }
      loops.st(od, io, so, ad, ia, sa, bd, ib, sb, n);
    },
  );
}
